#!/usr/bin/env bash
# Builds the folder that bench/gpu-check.sh runs from, on a Linux x86-64 machine with the .NET 10 SDK:
#   app/       Detector.Server and Detector.Bench, self-contained (no .NET needed there), linked against
#              Microsoft.ML.OnnxRuntime.Gpu.Linux (the CUDA provider libraries come with that package)
#   manifests/ meso4-df and resnet50-random manifests, with ${SHARED} standing for shared/ below
#   shared/    the model files: MesoNet (from the shared folder) and a ResNet-50 with random weights (generated here)
#   gpu-check.sh
# No image is copied: gpu-check.sh reads an image folder when given one, or generates images in memory.
#
# Usage: bench/gpu-prepare.sh [OUT]      (default OUT: bench/out/detector-gpu-bench, ignored by git)
# Env:   DETECTOR_SHARED  the shared folder (default: ../shared beside the checkout)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$repo/bench/out/detector-gpu-bench}"
shared="${DETECTOR_SHARED:-$repo/../shared}"
meso="$shared/models/mesonet/Meso4_DF.onnx"
[[ -f "$meso" ]] || { echo "gpu-prepare: $meso not found (set DETECTOR_SHARED)" >&2; exit 2; }
command -v dotnet >/dev/null || { echo "gpu-prepare: the .NET 10 SDK is needed here (not on the GPU machine)" >&2; exit 2; }

# Publish from a private copy of the sources: -p:DetectorGpu=true changes the engine's package graph, and restoring that in
# the shared checkout would rewrite obj/ under other people's builds.
stage="$(mktemp -d /tmp/detector-gpu-stage.XXXXXX)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/service" "$stage/bench" "$stage/models"
cp "$repo"/Directory.Build.props "$repo"/Directory.Packages.props "$repo"/global.json "$repo"/.editorconfig "$stage/"
cp -r "$repo/proto" "$stage/"
for project in service/Detector.Server service/Detector.Engine service/Detector.Imaging service/Detector.Evidence bench/Detector.Bench; do
  mkdir -p "$stage/$project"
  (cd "$repo/$project" && tar --exclude=./bin --exclude=./obj -cf - .) | (cd "$stage/$project" && tar -xf -)
done

rm -rf "$out"
mkdir -p "$out/app" "$out/manifests" "$out/shared/models/mesonet" "$out/shared/models/resnet50-random"
for project in service/Detector.Server bench/Detector.Bench; do
  echo "gpu-prepare: publishing $project (self-contained, linux-x64, CUDA build of ONNX Runtime)"
  dotnet publish "$stage/$project" -c Release -r linux-x64 --self-contained -p:DetectorGpu=true -o "$out/app" --nologo -v quiet
done

cp "$meso" "$out/shared/models/mesonet/"
cp "$repo/tests/Detector.Engine.Tests/Conformance/Manifests/meso4-df.json" "$out/manifests/"

echo "gpu-prepare: generating the ResNet-50 (random weights) with /usr/bin/python3 (Debian python3-torch, python3-torchvision)"
/usr/bin/python3 "$repo/bench/tools/make_resnet50.py" "$out/shared/models/resnet50-random/resnet50-random.onnx"
cat > "$out/manifests/resnet50-random.json" <<'JSON'
{
  "name": "resnet50-random",
  "version": "random-weights",
  "task": "synthetic",
  "description": "ResNet-50 architecture with random weights, generated for load tests only",
  "file": "${SHARED}/models/resnet50-random/resnet50-random.onnx",
  "threshold": 0.5,
  "maxBatchSize": 16,
  "input": {
    "name": "input", "layout": "NCHW", "colorOrder": "RGB", "width": 224, "height": 224,
    "resize": "stretch", "filter": "pil-bilinear", "scale": "divide", "scaleValue": 255,
    "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]
  },
  "output": { "name": "logit", "kind": "logit", "meaning": "random weights: the score means nothing" }
}
JSON

cp "$repo/bench/gpu-check.sh" "$out/"
chmod +x "$out/gpu-check.sh"
# What the CUDA provider needs from the machine (CUDA runtime, cuBLAS, cuDNN...), as recorded in the library itself.
readelf -d "$out/app/libonnxruntime_providers_cuda.so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' > "$out/cuda-provider-needs.txt"

echo "gpu-prepare: done: $out"
du -sh "$out" "$out/app" "$out/shared"
echo "gpu-prepare: the CUDA provider needs: $(tr '\n' ' ' < "$out/cuda-provider-needs.txt")"
