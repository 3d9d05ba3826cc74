#!/usr/bin/env bash
# Every CPU measurement that the README and bench/README.md quote, in one command, one after the other (about 50 minutes
# on 2 cores). Run it on an otherwise idle machine: each row also reports the CPU that other processes took.
#   1. standard        MesoNet: ceilings, Score c=1/4/16/64, ScoreBatch and ScoreStream c=64, open loop, paired c=1 (evidence on)
#   2. no-evidence     MesoNet, evidence skipped: the like-for-like comparison with the in-process ceilings (c=1, c=64, paired)
#   3. batching        batching on (the manifest's max, Batching:CpuMaxBatchSize=0) vs off at c=64: MesoNet, the generated
#                      ResNet-50 and the default model (on, off, on again)
#   4. ort-threads     ONNX Runtime intra-op threads 1/2 x spinning on/off, c=16 and c=64
#   5. evidence        the default model (baseline-synthetic), evidence on vs skipped, c=1, c=64, paired c=1 and c=64
#   6. evidence-levels the default model at c=64, paired with the in-process ceiling: evidence full, metadata, none
#   7. evidence-cost   the default model at c=64 on one server, requests asking for evidence none vs full, then none vs
#                      metadata, alternating per slice (ABBA): the evidence layer's cost alone
#   8. soak            5 minutes at c=64, resident set sampled every 10 s
# Usage: bench/cpu-suite.sh [step...]      (default: all steps)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
dotnet build -c Release service/Detector.Server --nologo -v quiet
dotnet build -c Release bench/Detector.Bench --nologo -v quiet
bench=(dotnet bench/Detector.Bench/bin/Release/net10.0/Detector.Bench.dll --start-server --port "${PORT:-5000}")

# The shipped default model, seen by the bench as a manifest folder (its file path made absolute).
baseline="$(mktemp -d /tmp/detector-baseline.XXXXXX)"
trap 'rm -rf "$baseline"' EXIT
sed "s#\"file\": *\"model.onnx\"#\"file\": \"$repo/models/baseline-synthetic/model.onnx\"#" models/baseline-synthetic/manifest.json > "$baseline/baseline-synthetic.json"

steps=("$@")
(( ${#steps[@]} == 0 )) && steps=(standard no-evidence batching ort-threads evidence evidence-levels evidence-cost soak)
for step in "${steps[@]}"; do
  echo "cpu-suite: $step"
  case "$step" in
    standard)
      bench/run.sh ;;  # the standard run is defined once, in run.sh
    no-evidence)
      "${bench[@]}" --label meso4-evidence-skipped --skip-evidence --unary 1,64 --batch '' --stream '' \
        --pipeline-batches max,1 --bare-batches max,1 --duration 20 --warmup 3 --paired-c1 12 --paired-passes 2 --paired-throughput 8 ;;
    batching)
      "${bench[@]}" --label meso4-batching-on-vs-off --skip-evidence --unary 64 --batch '' --stream '' \
        --pipeline-batches max,1 --bare-batches max,1 --duration 20 --warmup 3 \
        --variant 'on;Batching:CpuMaxBatchSize=0' --variant 'off;Batching:Models:meso4-df:MaxBatchSize=1'
      "${bench[@]}" --label resnet50-batching-on-vs-off --model resnet50-random --skip-evidence --unary 64 --batch '' --stream '' \
        --ceilings false --duration 45 --warmup 10 \
        --variant 'on;Batching:CpuMaxBatchSize=0' --variant 'off;Batching:Models:resnet50-random:MaxBatchSize=1'
      "${bench[@]}" --label baseline-batching-on-vs-off --model baseline-synthetic --manifests "$baseline" --skip-evidence --unary 64 \
        --batch '' --stream '' --ceilings false --duration 20 --warmup 3 \
        --variant 'on;Batching:CpuMaxBatchSize=0' --variant 'off;Batching:Models:baseline-synthetic:MaxBatchSize=1' --variant 'on-again;Batching:CpuMaxBatchSize=0' ;;
    ort-threads)
      "${bench[@]}" --label ort-threads --skip-evidence --unary 16,64 --batch '' --stream '' --ceilings false --duration 15 --warmup 3 \
        --variant 'intra2-spin0;Inference:IntraOpThreads=2;Inference:AllowSpinning=false' \
        --variant 'intra2-spin1;Inference:IntraOpThreads=2;Inference:AllowSpinning=true' \
        --variant 'intra1-spin0;Inference:IntraOpThreads=1;Inference:AllowSpinning=false' \
        --variant 'intra1-spin1;Inference:IntraOpThreads=1;Inference:AllowSpinning=true' ;;
    evidence)
      "${bench[@]}" --label baseline-evidence-on --model baseline-synthetic --manifests "$baseline" --unary 1,64 --batch '' --stream '' \
        --pipeline-batches max --bare-batches max --duration 20 --warmup 3 --paired-c1 8 --paired-passes 2 --paired-throughput 6
      "${bench[@]}" --label baseline-evidence-skipped --model baseline-synthetic --manifests "$baseline" --skip-evidence --unary 1,64 \
        --batch '' --stream '' --pipeline-batches max --bare-batches max --duration 20 --warmup 3 --paired-c1 8 --paired-passes 2 --paired-throughput 6 ;;
    evidence-levels)
      "${bench[@]}" --label baseline-evidence-levels --model baseline-synthetic --manifests "$baseline" --unary '' --batch '' --stream '' \
        --ceilings false --paired-throughput 6 \
        --variant 'full;Api:DefaultEvidence=Full' --variant 'metadata;Api:DefaultEvidence=Metadata' --variant 'none;Api:DefaultEvidence=None' ;;
    evidence-cost)
      "${bench[@]}" --label baseline-evidence-cost --model baseline-synthetic --manifests "$baseline" --unary '' --batch '' --stream '' \
        --ceilings false --paired-evidence 10 --paired-evidence-level full,metadata ;;
    soak)
      "${bench[@]}" --label soak-5min --unary '' --batch '' --stream '' --ceilings false --soak 300 --soak-concurrency 64 ;;
    *) echo "cpu-suite: unknown step '$step'" >&2; exit 2 ;;
  esac
done
