#!/usr/bin/env bash
# Device-side: the default configuration (no padding given: CUDA pads to powers of two), bulk modes included, no ceilings.
set -uo pipefail
repo="$PWD"
mkdir -p /root/gpub && mv .device/gpub.part0* /root/gpub/ 2>/dev/null
cd /root/gpub || exit 9
if [[ ! -d detector-gpu-bench ]]; then
  cat gpub.part00 gpub.part01 gpub.part02 gpub.part03 | xz -dc -T0 | tar -xf - || exit 9
  rm -f gpub.part0*
fi
tar -xzf "$repo/.device/overlay.tar.gz" && echo "overlay applied"
mkdir -p detector-gpu-bench/shared/models/resnet50-random
cd detector-gpu-bench || exit 9
python3 "$repo/bench/tools/make_resnet50.py" shared/models/resnet50-random/resnet50-random.onnx 2>&1 | tail -1
dirs=$(find /usr/local/cuda*/ /opt /usr/lib/x86_64-linux-gnu \( -name 'libcudart.so.13' -o -name 'libcublas.so.13' -o -name 'libcudnn.so.9' \) 2>/dev/null | xargs -r -n1 dirname | sort -u | tr '\n' ':')
export LD_LIBRARY_PATH="${dirs}${LD_LIBRARY_PATH:-}"
common=(--start-server --server-path app/Detector.Server --manifests manifests --shared shared --results "$OUT/results" --port 5000
  --server-set Inference:ExecutionProvider=cuda --require-provider CUDAExecutionProvider --images 120 --synthetic-images
  --duration 5 --warmup 2 --call-deadline 60 --ceilings false --unary 16,64 --batch 64 --stream 64)
timeout 70 app/Detector.Bench "${common[@]}" --label gpu-resnet50-defaults --model resnet50-random 2>&1 | tee "$OUT/verify.log"
timeout 70 app/Detector.Bench "${common[@]}" --label gpu-meso4-defaults --model meso4-df 2>&1 | tee -a "$OUT/verify.log"
