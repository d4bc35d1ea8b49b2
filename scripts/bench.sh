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

# --- local pipeline: sluice run on a large orders file (issue #5) ----------
# Owner: the local runtime (local/, cli/run.go). Runnable by hand; not part of
# scripts/test.sh. It generates SLUICE_BENCH_ROWS (default 1,000,000) valid
# order rows (unique order ids, customers C001-C008 of examples/customers)
# into a temp dir, loads the customers, then runs
#   sluice run --fast --json --dataset orders FILE
# (default chunk size: the Distributed Map path) under /usr/bin/time -v and
# reports wall time, CPU time, peak RSS and items/s, and checks the table
# holds exactly SLUICE_BENCH_ROWS orders. The same file also goes through
# `sluice transform` and Miller (`mlr --icsv --ojsonl cat`), the throughput
# peer of the transform step. Budgets: the run must end LOADED with every
# order in the table, and the embedded run's peak RSS must stay under
# SLUICE_BENCH_RSS_MB (the embedded DynamoDB keeps items on disk, so memory
# does not grow with the file); the script fails otherwise.
#
#   SLUICE_BENCH_ROWS=1000000      rows of the generated file
#   SLUICE_BENCH_DDB=embedded      embedded | dynalite | both (dynalite needs
#                                  SLUICE_DYNALITE, see scripts/setup.d)
#   SLUICE_BENCH_RUN_TIMEOUT=3600  seconds before a sluice run is stopped
#                                  and reported as unfinished
#   SLUICE_BENCH_RSS_MB=256        peak RSS budget of the embedded run
#
# Needs /usr/bin/time (Debian `time`) and mlr (Debian `miller`).
bench_local() {
	local rows=${SLUICE_BENCH_ROWS:-1000000} ddb=${SLUICE_BENCH_DDB:-embedded} limit=${SLUICE_BENCH_RUN_TIMEOUT:-3600}
	local budget=${SLUICE_BENCH_RSS_MB:-256} failed=0
	section "local pipeline: sluice run --fast on $rows orders (DynamoDB: $ddb)"
	if [ ! -x /usr/bin/time ]; then echo "needs /usr/bin/time: apt-get install -y time"; return 1; fi
	local tmp
	tmp=$(mktemp -d)
	# shellcheck disable=SC2064
	trap "rm -rf '$tmp'" RETURN
	echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg)"
	go build -o "$tmp/sluice" ./cmd/sluice
	awk -v n="$rows" 'BEGIN {
		print "order_id,customer_id,order_date,sku,quantity,unit_price,currency,status"
		split("USD EUR GBP", cur, " "); split("NEW SHIPPED CANCELLED", st, " ")
		for (i = 1; i <= n; i++)
			printf "ORD-%08d,C%03d,2026-%02d-%02d,SKU-%04d,%d,%d.%02d,%s,%s\n", i, 1 + i % 8, 1 + i % 12, 1 + i % 28, i % 1000, 1 + i % 20, i % 200, i % 100, cur[1 + i % 3], st[1 + i % 3]
	}' >"$tmp/orders.csv"
	local mb
	mb=$(awk -v b="$(stat -c %s "$tmp/orders.csv")" 'BEGIN { printf "%.1f", b / 1048576 }')
	echo "input: $rows rows, $mb MiB"

	# report NAME TIMEFILE ITEMS: one line from /usr/bin/time -v output.
	report() {
		local wall cpu rss
		wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$2")
		cpu=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { print u + s }' "$2")
		rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$2")
		printf '%-34s wall %8.1f s  cpu %8.1f s  peak RSS %6s MB' "$1" "$wall" "$cpu" "$rss"
		# Per wall second and per CPU second: on a shared machine the wall
		# clock mostly measures the other processes.
		if [ -n "${3:-}" ]; then awk -v n="$3" -v w="$wall" -v c="$cpu" 'BEGIN { printf "  %7.0f items/s (%7.0f per CPU-s)", (w > 0 ? n / w : 0), (c > 0 ? n / c : 0) }'; fi
		if [ -n "${4:-}" ]; then awk -v b="$4" -v w="$wall" -v c="$cpu" 'BEGIN { printf "  %5.1f MiB/s (%5.1f per CPU-s)", (w > 0 ? b / 1048576 / w : 0), (c > 0 ? b / 1048576 / c : 0) }'; fi
		echo
	}

	local bytes
	bytes=$(stat -c %s "$tmp/orders.csv")
	if command -v mlr >/dev/null; then
		/usr/bin/time -v -o "$tmp/mlr.time" mlr --icsv --ojsonl cat "$tmp/orders.csv" >/dev/null
		report "mlr --icsv --ojsonl cat" "$tmp/mlr.time" "$rows" "$bytes"
	else
		echo "mlr not found (apt-get install -y miller): Miller not measured"
	fi
	if /usr/bin/time -v -o "$tmp/transform.time" "$tmp/sluice" transform --dataset orders "$tmp/orders.csv" -o /dev/null 2>"$tmp/transform.err"; then
		report "sluice transform --dataset orders" "$tmp/transform.time" "$rows" "$bytes"
	else
		echo "sluice transform failed: $(tail -n 3 "$tmp/transform.err")"
	fi

	local targets=()
	case $ddb in
	embedded) targets=(embedded) ;;
	dynalite) targets=(dynalite) ;;
	both) targets=(embedded dynalite) ;;
	*) echo "SLUICE_BENCH_DDB=$ddb: want embedded, dynalite or both"; return 1 ;;
	esac
	local t
	for t in "${targets[@]}"; do
		local state="$tmp/state-$t" flags=() dpid=""
		if [ "$t" = dynalite ]; then
			if [ -z "${SLUICE_DYNALITE:-}" ]; then echo "dynalite: SLUICE_DYNALITE is not set (source scripts/setup.d/20-dynalite.sh)"; continue; fi
			local port
			port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close() })')
			node "$SLUICE_DYNALITE/cli.js" --host 127.0.0.1 --port "$port" --createTableMs 0 --deleteTableMs 0 --updateTableMs 0 >/dev/null &
			dpid=$!
			for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
			flags=(--dynamodb-endpoint "http://127.0.0.1:$port")
		fi
		"$tmp/sluice" run --state-dir "$state" "${flags[@]}" --dataset customers examples/customers/customers.csv >/dev/null
		local rc=0
		timeout "$limit" /usr/bin/time -v -o "$tmp/run.time" "$tmp/sluice" run --fast --json --state-dir "$state" "${flags[@]}" \
			--dataset orders "$tmp/orders.csv" >"$tmp/run.json" 2>"$tmp/run.err" || rc=$?
		if [ "$rc" = 124 ]; then
			echo "sluice run ($t): did not finish within ${limit}s (SLUICE_BENCH_RUN_TIMEOUT); see docs/local.md for where the time goes"
			failed=1
		else
			local status loaded
			status=$(sed -n 's/.*"status": "\([A-Z]*\)".*/\1/p' "$tmp/run.json" | head -n 1)
			loaded=$(sed -n 's/.*"records_loaded": \([0-9]*\).*/\1/p' "$tmp/run.json" | head -n 1)
			report "sluice run --fast ($t)" "$tmp/run.time" "${loaded:-0}"
			echo "  status $status, $loaded of $rows records loaded (exit $rc)"
			local n
			n=$("$tmp/sluice" table scan --state-dir "$state" "${flags[@]}" --dataset orders | wc -l)
			echo "  table scan: $n orders"
			if [ "$status" != LOADED ] || [ "$n" != "$rows" ]; then
				echo "  MISMATCH: want LOADED and $rows orders"
				failed=1
			fi
			local rss
			rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$tmp/run.time")
			if [ "$t" = embedded ]; then
				if [ "$rss" -lt "$budget" ]; then
					echo "  peak RSS ${rss} MB (budget ${budget} MB)"
				else
					echo "  peak RSS ${rss} MB is not below the budget of ${budget} MB (SLUICE_BENCH_RSS_MB)"
					failed=1
				fi
			fi
		fi
		if [ -n "$dpid" ]; then
			echo "  dynalite peak RSS: $(awk '/VmHWM/ { printf "%.0f MB", $2 / 1024 }' "/proc/$dpid/status" 2>/dev/null)"
			kill "$dpid"; wait "$dpid" 2>/dev/null || true
		fi
	done
	return "$failed"
}
bench_local
# --- end of local pipeline -------------------------------------------------
