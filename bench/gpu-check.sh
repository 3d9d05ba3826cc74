#!/usr/bin/env bash
# The GPU benchmark, in one command, within 10 minutes, on a Linux x86-64 machine with an NVIDIA GPU and CUDA 13 drivers and
# no .NET: run it from the folder that bench/gpu-prepare.sh built (self-contained server and bench, CUDA build of ONNX Runtime,
# models, manifests). Everything runs on 127.0.0.1.
#
# Usage: ./gpu-check.sh [--data DIR]
#   --data DIR   an image folder with synthetic/ and manipulation/ (the project's shared/data); default: $DETECTOR_DATA,
#                ./shared/data, ../shared/data; without one, JPEG/PNG images are generated in memory.
# Env:   PORT (default 5000; metrics on PORT+1), RESULTS (default ./results), FORCE=1 to run even when libraries seem missing,
#        DURATION / WARMUP seconds per load phase (default 8 / 2). Estimated time at the defaults: about 6 minutes (run 1
#        ~220 s, run 2 ~150 s). Each run has load phases of WARMUP+DURATION s (run 1: 4 variants x 4 = 16; run 2: 2 x 5 = 10),
#        ceilings of 4-4.5 x DURATION + 2 x WARMUP (the bare-model rows take DURATION/2 each), and server starts with
#        warm-up (~20 s in run 1, ~10 s in run 2 on the H200). The only timed run (DURATION=5 WARMUP=2, H200) took 158 s + 105
#        s = 263 s; at 10 / 3 the same count gives ~280 + ~190 s, too close to the runs' time limits, hence the defaults.
#        The per-run limits (timeout 300 and 200 s, ~1.35x the estimates) keep the whole check under 10 minutes; with larger
#        DURATION/WARMUP raise them with RUN1_LIMIT / RUN2_LIMIT (seconds).
#
# Exit codes: 0 done, 1 an image was lost, 2 setup failure (bench), 3 GPU or CUDA libraries missing, 4 the model did not run on CUDA.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
app="$here/app"
results="${RESULTS:-$here/results}"
port="${PORT:-5000}"
data="${DETECTOR_DATA:-}"
if [[ "${1:-}" == "--data" && -n "${2:-}" ]]; then data="$2"; fi
if [[ -z "$data" ]]; then
  for candidate in "$here/shared/data" "$here/../shared/data" "$PWD/shared/data"; do
    if [[ -d "$candidate/synthetic" ]]; then data="$candidate"; break; fi
  done
fi

start=$(date +%s)
say() { echo "gpu-check [$(( $(date +%s) - start ))s]: $*"; }
missing=()

# 1. The machine.
[[ "$(uname -s)/$(uname -m)" == "Linux/x86_64" ]] || { say "needs Linux x86-64, this is $(uname -s)/$(uname -m)"; exit 3; }
[[ -x "$app/Detector.Server" && -x "$app/Detector.Bench" ]] || { say "$app does not hold the published server and bench: run bench/gpu-prepare.sh first"; exit 2; }
if ! command -v nvidia-smi >/dev/null; then
  say "nvidia-smi not found: no NVIDIA driver is installed"; exit 3
fi
if ! nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader; then
  say "nvidia-smi cannot talk to a GPU (driver not loaded, or no device visible to this container)"; exit 3
fi
cuda_driver="$(nvidia-smi | sed -n 's/.*CUDA Version: *\([0-9][0-9]*\)\.\([0-9]*\).*/\1.\2/p' | head -1)"
say "driver supports CUDA ${cuda_driver:-unknown}"
if [[ -n "$cuda_driver" && "${cuda_driver%%.*}" -lt 13 ]]; then
  missing+=("a driver for CUDA 13 (this driver supports CUDA $cuda_driver)")
fi

# 2. The libraries that the CUDA provider loads, which the NuGet package does not ship (CUDA 13 runtime, cuBLAS, cuFFT, cuRAND, cuDNN 9).
provider="$app/libonnxruntime_providers_cuda.so"
[[ -f "$provider" ]] || { say "$provider missing: the folder was not published with -p:DetectorGpu=true"; exit 2; }
needs_file="$here/cuda-provider-needs.txt"
if [[ -f "$needs_file" ]]; then mapfile -t needs < "$needs_file"; else needs=(libcudart.so.13 libcublas.so.13 libcublasLt.so.13 libcufft.so.12 libcurand.so.10 libcudnn.so.9); fi
found_in() {  # found_in LIB: ldconfig cache, then LD_LIBRARY_PATH
  ldconfig -p 2>/dev/null | grep -q "[[:space:]]$1 " && return 0
  local dir
  IFS=: read -ra dirs <<< "${LD_LIBRARY_PATH:-}"
  for dir in "${dirs[@]}"; do [[ -n "$dir" && -e "$dir/$1" ]] && return 0; done
  return 1
}
for lib in "${needs[@]}"; do
  case "$lib" in
    libonnxruntime*|libc.so*|libm.so*|libdl.so*|librt.so*|libpthread.so*|libgcc_s.so*|libstdc++.so*|ld-linux*) continue ;;
  esac
  if found_in "$lib"; then say "found $lib"; else missing+=("$lib"); fi
done
# cuDNN 9 loads its engine libraries at run time, so they do not show as NEEDED: check the main one too.
for lib in libcudnn.so.9 libcudnn_graph.so.9 libcudnn_engines_precompiled.so.9; do
  if ! found_in "$lib" && [[ ! " ${missing[*]} " == *" $lib "* ]]; then missing+=("$lib"); fi
done
unresolved="$(LD_LIBRARY_PATH="$app:${LD_LIBRARY_PATH:-}" ldd "$provider" 2>/dev/null | grep 'not found' | awk '{print $1}' | tr '\n' ' ')"
[[ -n "$unresolved" ]] && say "ldd: the CUDA provider cannot resolve: $unresolved"
if (( ${#missing[@]} > 0 )); then
  say "MISSING: ${missing[*]}"
  say "install the CUDA 13 runtime libraries (cudart, cuBLAS, cuFFT, cuRAND) and cuDNN 9 for CUDA 13, or put their folder on LD_LIBRARY_PATH"
  [[ "${FORCE:-0}" == "1" ]] || exit 3
  say "FORCE=1: running anyway (the server will fall back to CPU, and the check below fails)"
fi

# 3. The runs: ResNet-50 (batching on vs off), then MesoNet; each server is started and stopped by the bench.
images=(--images 120)
if [[ -n "$data" ]]; then images+=(--data "$data"); say "images from $data"; else images+=(--synthetic-images); say "no image folder: generated images"; fi
common=(--start-server --server-path "$app/Detector.Server" --manifests "$here/manifests" --shared "$here/shared" --results "$results"
        --port "$port" --server-set Inference:ExecutionProvider=cuda --require-provider CUDAExecutionProvider "${images[@]}"
        --duration "${DURATION:-8}" --warmup "${WARMUP:-2}" --call-deadline 60)
rc=0
say "run 1/2: resnet50-random: padding to 1,4,8,16 (configured; the CUDA default pads to 1,2,4,8,16) with a session per size (the CUDA default with padding) or one shared session, padding to 16 only, batching off"
pad=(Batching:PadToSizes:0=1 Batching:PadToSizes:1=4 Batching:PadToSizes:2=8 Batching:PadToSizes:3=16)
timeout "${RUN1_LIMIT:-300}" "$app/Detector.Bench" "${common[@]}" --label gpu-resnet50 --model resnet50-random \
  --unary 1,16,64 --batch 64 --stream '' --pipeline-batches max --bare-batches 1,4,16 \
  --variant "pad-1-4-8-16;$(IFS=';'; echo "${pad[*]}")" \
  --variant "pad-1-4-8-16-one-session;$(IFS=';'; echo "${pad[*]}");Inference:SessionPerBatchSize=false" \
  --variant 'pad-16;Batching:PadToSizes:0=16' \
  --variant 'batch1;Batching:Models:resnet50-random:MaxBatchSize=1' || rc=$?
say "run 1 exit code $rc"
if (( rc == 0 )); then
  # No setting turns padding off on CUDA (an empty PadToSizes means the default powers of two), so the unpadded case is
  # approached by padding to every size from 1 to the max batch (16 in the manifests gpu-prepare.sh writes): each batch
  # runs at its own size, as without padding, through one shared session; unlike the old no-padding runs (before CUDA
  # padded by default), every size is warmed up first.
  every=()
  for i in $(seq 0 15); do every+=("Batching:PadToSizes:$i=$(( i + 1 ))"); done
  say "run 2/2: meso4-df: every size 1..16 through one shared session (no padding in effect) vs padding to 1,4,8,16 (a session per size)"
  timeout "${RUN2_LIMIT:-200}" "$app/Detector.Bench" "${common[@]}" --label gpu-meso4 --model meso4-df \
    --unary 1,16,64 --batch 64 --stream 64 --bare-batches max,1 \
    --variant "every-size-one-session;$(IFS=';'; echo "${every[*]}");Inference:SessionPerBatchSize=false" \
    --variant "pad-1-4-8-16;$(IFS=';'; echo "${pad[*]}")" || rc=$?
  say "run 2 exit code $rc"
fi
(( rc == 124 )) && say "a run hit its time limit"
(( rc == 5 )) && { say "the model did not run on CUDAExecutionProvider (see the server log lines in the report)"; rc=4; }
say "results in $results:"
ls -1 "$results" 2>/dev/null
exit "$rc"
