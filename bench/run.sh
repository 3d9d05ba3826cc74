#!/usr/bin/env bash
# The standard load benchmark, in one command: builds the Release server and bench, starts the server on 127.0.0.1 with
# MesoNet (meso4-df) from the test manifests, measures the in-process ceilings, sweeps Score at concurrency 1, 4, 16, 64,
# ScoreBatch and ScoreStream at 64, an open loop at 80 % of the best Score throughput, then the paired c=1 comparison
# (in-process single image and service c=1 alternating on the same images, ABBA), and writes bench/results/.
#
# Usage: bench/run.sh [extra Detector.Bench options]      e.g. bench/run.sh --model resnet50-random --label resnet50
# Env:   DETECTOR_SHARED (default ../shared), PORT (default 5000). Takes about 5 minutes on 2 cores.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

build() {  # retried: other builds in the same checkout can hold file locks for a moment
  for attempt in 1 2 3; do
    if dotnet build -c Release "$1" --nologo -v quiet; then return 0; fi
    echo "run.sh: build of $1 failed (attempt $attempt), retrying" >&2
    sleep 5
  done
  return 1
}
build service/Detector.Server
build bench/Detector.Bench

exec dotnet bench/Detector.Bench/bin/Release/net10.0/Detector.Bench.dll \
  --start-server --port "${PORT:-5000}" --label standard \
  --unary 1,4,16,64 --batch 64 --stream 64 --open-loop auto \
  --pipeline-batches max,1 --bare-batches max,1 \
  --duration 15 --warmup 3 --paired-c1 8 --paired-passes 2 \
  "$@"
