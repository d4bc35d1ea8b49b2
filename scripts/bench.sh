#!/usr/bin/env bash
# Benchmarks that check resource budgets (not run by scripts/test.sh: they
# take minutes). Each section prints its measurement and fails the script
# when a budget is exceeded. Append a section per concern.
#
#   ./scripts/bench.sh                              # default sizes
#   SLUICE_BENCH_BYTES=1073741824 ./scripts/bench.sh  # transform on 1 GiB
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="${GOFLAGS:--buildvcs=false}"

section() { printf '\n=== %s\n' "$*"; }

# --- transform: peak heap of a large CSV through the transformer -----------
# SLUICE_BENCH_BYTES sets the generated input size (default here 256 MiB;
# 1073741824 for the 1 GiB check). Target: peak heap < 64 MB at any size.
section "transform: ${SLUICE_BENCH_BYTES:=268435456} bytes of orders CSV"
out=$(SLUICE_BENCH_BYTES=$SLUICE_BENCH_BYTES go test -run='^$' -bench='^BenchmarkTransformLarge$' -benchtime=1x -timeout=60m ./functions/transform)
echo "$out" | grep -E '^Benchmark'
peak=$(echo "$out" | grep -oE '[0-9.]+ peak-heap-MB' | cut -d' ' -f1)
echo "transform peak heap: ${peak} MB (limit 64 MB)"
awk -v p="$peak" 'BEGIN { exit !(p < 64) }' || { echo "transform: peak heap ${peak} MB is not below 64 MB"; exit 1; }
