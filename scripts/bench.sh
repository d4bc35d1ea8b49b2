#!/usr/bin/env bash
# Sluice side by side with its peers, on this machine, in the same run.
#
#   ./scripts/bench.sh            # full sizes (100 MB transform, 1,000,000-row run)
#   ./scripts/bench.sh --quick    # small sizes, fewer repetitions (a few minutes)
#
# It builds sluice once, generates its inputs into a temporary directory,
# and runs each comparison as interleaved repetitions (peer, sluice, peer,
# sluice, ... alternating which goes first) so that both see the same load;
# it reports medians and the median of the per-repetition ratios (the
# machines are shared: ratios measured side by side are the figures to
# compare, absolute times are not). It prints a markdown table and writes
# bench/results.json (git-ignored: results belong to a machine; the README
# keeps one table with the machine noted). It asserts nothing about timings
# beyond marking each target met or not; the exit status is non-zero only
# when a comparison could not run or a run's output was wrong.
#
# Comparisons:
#   transform  sluice transform --dataset orders FILE -o OUT  vs  mlr --icsv --ojsonl cat FILE > OUT
#              on a generated orders CSV (SLUICE_BENCH_MB, default 100; --quick 20);
#              targets: >= 8x Miller's MB/s, peak RSS <= 64 MB; the output is
#              checked to hold one JSON line per row.
#   run        sluice run --fast --dataset orders FILE (embedded DynamoDB, the
#              Distributed Map path) vs Miller on the same file (SLUICE_BENCH_ROWS,
#              default 1,000,000; --quick 100,000); targets: >= 0.25x Miller's
#              throughput, peak RSS <= 256 MB, every order in the table;
#              then `sluice table scan` of those orders: key order and peak RSS
#              below SLUICE_BENCH_SCAN_RSS_MB (default 100).
#   engine     sluice exec vs aws-local-stepfunctions 3 (Node 22; run through
#              scripts/npm/stepfunctions/run.cjs, which prints the output as
#              JSON), whole process, same definition and input, on (a) a
#              2,000-item inline Map of Pass -> Choice -> Pass and (b) a
#              200-state chain of Pass states; target >= 20x each; the two
#              outputs are checked to be equal. The peer is installed by
#              scripts/setup.d/stepfunctions-peer.sh into $SLUICE_CACHE
#              (default .cache), pinned by scripts/npm/stepfunctions.
#   load       the loader's BatchWriteItem calls against the minimum ⌈n/25⌉
#              (TestWriterBatchWriteCalls; targets 1.02x, and 1.5x with 20%
#              UnprocessedItems), and items/s into dynalite: load.Handler vs a
#              plain 25-item BatchWriteItem loop (BenchmarkDynaliteLoad,
#              SLUICE_BENCH_LOAD_ITEMS, default 20,000; --quick 5,000).
#   coldstart  each function's zip (the linux/arm64 package) and its first
#              invoke under the Lambda RIE (BenchmarkColdStart).
#   memory     each function's peak resident memory over one invoke of a
#              representative workload under the Lambda RIE (BenchmarkPeakMemory:
#              an orders file of SLUICE_BENCH_MEM_ROWS rows, default 100,000,
#              --quick 20,000, through validate and transform, its first
#              chunk through enrich and load, then reconcile), what Lambda
#              reports as Max Memory Used, next to the memory the dev and
#              prod stacks configure (sluice cost --json) and a sizing line.
#   transitions  the state transitions of real files through the local
#              pipeline, from the compiled ASL and the history
#              (TestPipelineTransitions asserts the shape).
#
# dynalite and the RIE are installed into $SLUICE_CACHE (default .cache) by
# scripts/setup.d.
#
# Environment: SLUICE_BENCH_REPS (repetitions, default 5; --quick 3;
# the engine comparison runs twice as many, each being short),
# SLUICE_BENCH_RUN_REPS (default 1), SLUICE_BENCH_SKIP (space-separated
# comparisons to skip). Needs Miller (Debian miller): installed with apt-get
# when missing and allowed.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="${GOFLAGS:--buildvcs=false}"

quick=0
for a in "$@"; do
	case $a in
	--quick) quick=1 ;;
	-h | --help) sed -n '2,/^set -e/p' "$0" | sed 's/^# \{0,1\}//; /^set -e/d'; exit 0 ;;
	*) echo "bench.sh: unknown argument $a (want --quick)" >&2; exit 2 ;;
	esac
done
if [ "$quick" = 1 ]; then
	mb=${SLUICE_BENCH_MB:-20} rows=${SLUICE_BENCH_ROWS:-100000} reps=${SLUICE_BENCH_REPS:-3}
else
	mb=${SLUICE_BENCH_MB:-100} rows=${SLUICE_BENCH_ROWS:-1000000} reps=${SLUICE_BENCH_REPS:-5}
fi
run_reps=${SLUICE_BENCH_RUN_REPS:-1}
skip=" ${SLUICE_BENCH_SKIP:-} "

# --- setup -----------------------------------------------------------------
need_apt=()
command -v mlr >/dev/null || need_apt+=(miller)
if [ ${#need_apt[@]} -gt 0 ]; then
	sudo=""
	[ "$(id -u)" = 0 ] || sudo="sudo -n"
	echo "installing ${need_apt[*]} with apt-get" >&2
	$sudo apt-get update -qq >/dev/null && $sudo apt-get install -y -qq "${need_apt[@]}" >/dev/null ||
		{ echo "bench.sh: could not install ${need_apt[*]} (apt-get install -y ${need_apt[*]})" >&2; exit 1; }
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# As the README installs it: static (CGO_ENABLED=0).
CGO_ENABLED=0 go build -o "$tmp/sluice" ./cmd/sluice
go build -o "$tmp/benchtime" ./scripts/benchtime
machine="$(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1)), $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo)"
load_start=$(cut -d' ' -f1 /proc/loadavg)
mlr_version=$(mlr --version | head -n 1)
echo "machine: $machine; load average $load_start; $mlr_version; $(go version | cut -d' ' -f3)"

# gen_orders N FILE: N valid order rows (unique ids, customers C001-C008 of
# examples/customers).
gen_orders() {
	awk -v n="$1" 'BEGIN {
		print "order_id,customer_id,order_date,sku,quantity,unit_price,currency,status"
		split("USD EUR GBP", cur, " "); split("NEW SHIPPED CANCELLED", st, " ")
		for (i = 1; i <= n; i++)
			printf "ORD-%08d,C%03d,2026-%02d-%02d,SKU-%04d,%d,%d.%02d,%s,%s\n", i, 1 + i % 8, 1 + i % 12, 1 + i % 28, i % 1000, 1 + i % 20, i % 200, i % 100, cur[1 + i % 3], st[1 + i % 3]
	}' >"$2"
}

# timed NAME OUTFILE CMD...: runs CMD under benchtime (scripts/benchtime:
# wall time from the child's start to its end in microseconds, CPU and
# peak RSS from its rusage; GNU time's %e rounds to 10 ms, a quarter of a
# 40 ms sluice exec), stdout to OUTFILE, and appends "NAME wall cpu
# rss_mb" to $tmp/samples.
timed() {
	local name=$1 out=$2
	shift 2
	"$tmp/benchtime" "$tmp/t" "$@" >"$out" 2>"$tmp/err" || {
		echo "bench.sh: $name failed: $(tail -n 3 "$tmp/err")" >&2
		return 1
	}
	awk -v n="$name" '{ printf "%s %.4f %.3f %.0f\n", n, $1, $2, $3 / 1024 }' "$tmp/t" >>"$tmp/samples"
}

# median NAME FIELD: the median of a field (2 wall, 3 cpu, 4 rss) of NAME's samples.
median() {
	awk -v n="$1" -v f="$2" '$1 == n { print $f }' "$tmp/samples" | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# maxof NAME FIELD
maxof() { awk -v n="$1" -v f="$2" '$1 == n && $f > m { m = $f } END { print m + 0 }' "$tmp/samples"; }
# ratio_median A B: the median over repetitions of wall(A) / wall(B) (pairs in order).
ratio_median() {
	awk -v a="$1" -v b="$2" '$1 == a { wa[++na] = $2 } $1 == b { wb[++nb] = $2 } END { for (i = 1; i <= na && i <= nb; i++) if (wb[i] > 0) print wa[i] / wb[i] }' "$tmp/samples" |
		sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

rows_md=()
json_items=()
failed=0
# result NAME PEER_MEASURE SLUICE_MEASURE RATIO TARGET MET RSS RSS_TARGET RSS_MET NOTE
# (RSS_TARGET and RSS_MET "-" where there is no RSS target)
result() {
	local rss_md="$7 MB (target ≤ $8) $9" rss_target=$8 rss_met
	rss_met=$([ "$9" = ✅ ] && echo true || echo false)
	if [ "$8" = - ]; then
		rss_md="$7 MB" rss_target=null rss_met=null
	fi
	rows_md+=("| $1 | $2 | $3 | **$4×** (target $5) $6 | $rss_md | ${10} |")
	json_items+=("$(printf '{"name":"%s","peer":"%s","sluice":"%s","ratio":%s,"ratio_target":"%s","ratio_met":%s,"peak_rss_mb":%s,"rss_target_mb":%s,"rss_met":%s,"note":"%s"}' \
		"$1" "$2" "$3" "$4" "$5" "$([ "$6" = ✅ ] && echo true || echo false)" "$7" "$rss_target" "$rss_met" "${10}")")
}
# info NAME PEER SLUICE RATIO NOTE: a comparison without a target.
info() {
	rows_md+=("| $1 | $2 | $3 | **$4×** (no target) | | $5 |")
	json_items+=("$(printf '{"name":"%s","peer":"%s","sluice":"%s","ratio":%s,"note":"%s"}' "$1" "$2" "$3" "$4" "$5")")
}
mark() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN { ok = (op == ">=" ? v >= t : v <= t); print (ok ? "✅" : "❌") }'; }

# --- transform vs Miller ----------------------------------------------------
if [[ $skip != *" transform "* ]]; then
	n=$((mb * 1000000 / 58)) # an order row is about 58 bytes
	gen_orders "$n" "$tmp/orders.csv"
	bytes=$(stat -c %s "$tmp/orders.csv")
	echo
	echo "transform: $n rows, $((bytes / 1000000)) MB of orders CSV, $reps interleaved repetitions"
	for i in $(seq "$reps"); do
		# Each run writes a new file: the last repetition's outputs are
		# deleted untimed (replacing one would charge the command that
		# replaces it for freeing its pages, which for Miller the shell's
		# truncation does before the timer starts).
		rm -f "$tmp/mlr.out" "$tmp/sluice.out"
		if [ $((i % 2)) = 1 ]; then
			timed mlr "$tmp/mlr.out" mlr --icsv --ojsonl cat "$tmp/orders.csv"
			timed transform /dev/null "$tmp/sluice" transform --dataset orders "$tmp/orders.csv" -o "$tmp/sluice.out"
		else
			timed transform /dev/null "$tmp/sluice" transform --dataset orders "$tmp/orders.csv" -o "$tmp/sluice.out"
			timed mlr "$tmp/mlr.out" mlr --icsv --ojsonl cat "$tmp/orders.csv"
		fi
		printf '  rep %d: mlr %ss, sluice transform %ss\n' "$i" "$(tail -n 2 "$tmp/samples" | awk '$1 == "mlr" { print $2 }')" "$(tail -n 2 "$tmp/samples" | awk '$1 == "transform" { print $2 }')"
	done
	lines=$(wc -l <"$tmp/sluice.out")
	if [ "$lines" != "$n" ]; then
		echo "bench.sh: sluice transform wrote $lines lines for $n rows" >&2
		failed=1
	fi
	mw=$(median mlr 2) sw=$(median transform 2)
	mmbs=$(awk -v b="$bytes" -v w="$mw" 'BEGIN { printf "%.1f", b / 1e6 / w }')
	smbs=$(awk -v b="$bytes" -v w="$sw" 'BEGIN { printf "%.1f", b / 1e6 / w }')
	ratio=$(awk -v r="$(ratio_median mlr transform)" 'BEGIN { printf "%.1f", r }')
	rss=$(maxof transform 4)
	result "transform, $((bytes / 1000000)) MB orders CSV" "$mmbs MB/s (CPU $(median mlr 3) s, $(median mlr 4) MB)" "$smbs MB/s (CPU $(median transform 3) s)" \
		"$ratio" "≥ 8" "$(mark "$ratio" ">=" 8)" "$rss" 64 "$(mark "$rss" "<=" 64)" "median of $reps; ratio = median of per-repetition wall-time ratios"
fi

# --- sluice run end to end vs Miller -----------------------------------------
if [[ $skip != *" run "* ]]; then
	gen_orders "$rows" "$tmp/run.csv"
	bytes=$(stat -c %s "$tmp/run.csv")
	echo
	echo "run: $rows rows, $((bytes / 1000000)) MB, embedded DynamoDB, $run_reps repetition(s)"
	for i in $(seq "$run_reps"); do
		state="$tmp/state-$i"
		"$tmp/sluice" run --state-dir "$state" --dataset customers examples/customers/customers.csv >/dev/null
		timed mlr-run "$tmp/mlr.out" mlr --icsv --ojsonl cat "$tmp/run.csv"
		timed run "$tmp/run.json" "$tmp/sluice" run --fast --json --state-dir "$state" --dataset orders "$tmp/run.csv"
		status=$(sed -n 's/.*"status": "\([A-Z]*\)".*/\1/p' "$tmp/run.json" | head -n 1)
		# table scan streams in key order: its peak RSS stays under
		# SLUICE_BENCH_SCAN_RSS_MB (default 100) however many items.
		timed scan "$tmp/scan.jsonl" "$tmp/sluice" table scan --state-dir "$state" --dataset orders
		count=$(wc -l <"$tmp/scan.jsonl")
		# Key order is (pk, sk); a whole line starts with the attributes
		# that sort before pk (_ingested_at differs by chunk), so compare keys.
		if ! sed 's/.*"pk":"\([^"]*\)".*"sk":"\([^"]*\)".*/\1\t\2/' "$tmp/scan.jsonl" | LC_ALL=C sort -c 2>/dev/null; then
			echo "bench.sh: table scan: items not in key order" >&2
			failed=1
		fi
		printf '  rep %d: mlr %ss, sluice run %ss: %s, %s orders in the table\n' "$i" "$(awk '$1 == "mlr-run" { w = $2 } END { print w }' "$tmp/samples")" "$(awk '$1 == "run" { w = $2 } END { print w }' "$tmp/samples")" "$status" "$count"
		if [ "$status" != LOADED ] || [ "$count" != "$rows" ]; then
			echo "bench.sh: sluice run: want LOADED and $rows orders" >&2
			failed=1
		fi
		rm -rf "$state"
	done
	mw=$(median mlr-run 2) sw=$(median run 2)
	ratio=$(awk -v r="$(ratio_median mlr-run run)" 'BEGIN { printf "%.2f", r }')
	rss=$(maxof run 4)
	result "sluice run, $rows orders (embedded)" "$(awk -v n="$rows" -v w="$mw" 'BEGIN { printf "%.0f rows/s", n / w }')" \
		"$(awk -v n="$rows" -v w="$sw" -v c="$(median run 3)" 'BEGIN { printf "%.0f rows/s (CPU %s s)", n / w, c }')" \
		"$ratio" "≥ 0.25" "$(mark "$ratio" ">=" 0.25)" "$rss" 256 "$(mark "$rss" "<=" 256)" "validate, transform, enrich, load vs convert only"
	scan_rss=$(maxof scan 4) scan_budget=${SLUICE_BENCH_SCAN_RSS_MB:-100}
	echo "  table scan of $rows items: median $(median scan 2) s, peak RSS $scan_rss MB (budget $scan_budget MB)"
	if ! awk -v r="$scan_rss" -v b="$scan_budget" 'BEGIN { exit !(r < b) }'; then
		echo "bench.sh: table scan peak RSS $scan_rss MB is not below $scan_budget MB" >&2
		failed=1
	fi
fi

# --- engine vs aws-local-stepfunctions ---------------------------------------
if [[ $skip != *" engine "* ]]; then
	export SLUICE_CACHE="${SLUICE_CACHE:-$PWD/.cache}"
	mkdir -p "$SLUICE_CACHE"
	SLUICE_SETUP_BENCH=1 . scripts/setup.d/stepfunctions-peer.sh
	if [ -z "${SLUICE_SFN_MODULES:-}" ]; then
		echo "bench.sh: aws-local-stepfunctions is not installed (scripts/setup.d/stepfunctions-peer.sh)" >&2
		failed=1
	else
		peer_version=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$SLUICE_SFN_MODULES/aws-local-stepfunctions/package.json")
		# The 2,000-item inline Map of Pass -> Choice -> Pass.
		{
			printf '{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"P","States":{'
			printf '"P":{"Type":"Pass","Parameters":{"n.$":"$.n"},"Next":"C"},'
			printf '"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThanEquals":1000,"Next":"Big"}],"Default":"Small"},'
			printf '"Big":{"Type":"Pass","Result":"big","End":true},"Small":{"Type":"Pass","Result":"small","End":true}}},"End":true}}}\n'
		} >"$tmp/map.asl.json"
		awk 'BEGIN { printf "{\"items\":["; for (i = 0; i < 2000; i++) printf "%s{\"n\":%d}", (i ? "," : ""), i; print "]}" }' >"$tmp/map.input.json"
		# The 200-state chain of Pass states.
		awk 'BEGIN { printf "{\"StartAt\":\"S0\",\"States\":{"
			for (i = 0; i < 200; i++) printf "%s\"S%d\":{\"Type\":\"Pass\",\"Parameters\":{\"i\":%d,\"v.$\":\"$.v\"},%s}", (i ? "," : ""), i, i, (i == 199 ? "\"End\":true" : "\"Next\":\"S" i + 1 "\"")
			print "}}" }' >"$tmp/chain.asl.json"
		echo '{"v":"x"}' >"$tmp/chain.input.json"
		engine_reps=$((reps * 2))
		for case in map chain; do
			echo
			echo "engine, $case: $engine_reps interleaved repetitions, sluice exec vs aws-local-stepfunctions $peer_version"
			peer=(env NODE_PATH="$SLUICE_SFN_MODULES" "$SLUICE_NODE22" scripts/npm/stepfunctions/run.cjs "$tmp/$case.asl.json" "$tmp/$case.input.json")
			ours=("$tmp/sluice" exec --definition "$tmp/$case.asl.json" --input "$tmp/$case.input.json")
			for i in $(seq "$engine_reps"); do
				if [ $((i % 2)) = 1 ]; then
					timed "sfn-$case" "$tmp/sfn.out" "${peer[@]}"
					timed "exec-$case" "$tmp/exec.out" "${ours[@]}"
				else
					timed "exec-$case" "$tmp/exec.out" "${ours[@]}"
					timed "sfn-$case" "$tmp/sfn.out" "${peer[@]}"
				fi
			done
			# Same output: sluice exec prints {"status", "output", ...}.
			if ! env NODE_PATH="$SLUICE_SFN_MODULES" "$SLUICE_NODE22" -e '
				const fs = require("node:fs"), util = require("node:util");
				const ours = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
				const peer = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
				process.exit(ours.status === "SUCCEEDED" && util.isDeepStrictEqual(ours.output, peer) ? 0 : 1);' "$tmp/exec.out" "$tmp/sfn.out"; then
				echo "bench.sh: engine $case: sluice exec and aws-local-stepfunctions disagree: $(head -c 200 "$tmp/exec.out") vs $(head -c 200 "$tmp/sfn.out")" >&2
				failed=1
			fi
			ratio=$(awk -v r="$(ratio_median "sfn-$case" "exec-$case")" 'BEGIN { printf "%.1f", r }')
			what="2,000-item inline Map (Pass → Choice → Pass)"
			[ "$case" = chain ] && what="200-state chain of Pass"
			printf '  median: aws-local-stepfunctions %ss, sluice exec %ss\n' "$(median "sfn-$case" 2)" "$(median "exec-$case" 2)"
			result "engine, $what" "aws-local-stepfunctions $peer_version: $(median "sfn-$case" 2) s (CPU $(median "sfn-$case" 3) s, $(median "sfn-$case" 4) MB)" \
				"$(median "exec-$case" 2) s (CPU $(median "exec-$case" 3) s)" "$ratio" "≥ 20" "$(mark "$ratio" ">=" 20)" \
				"$(maxof "exec-$case" 4)" - - "whole process, median of $engine_reps; sluice exec validates and plans too"
		done
	fi
fi

# --- loader: BatchWriteItem calls, and items/s into dynalite ------------------
if [[ $skip != *" load "* ]]; then
	# The call counts are deterministic (an in-memory table counts them):
	# TestWriterBatchWriteCalls logs them and asserts the targets.
	go test -count=1 -run '^TestWriterBatchWriteCalls$' -v ./functions/load >"$tmp/calls.log" 2>&1 ||
		{ echo "bench.sh: TestWriterBatchWriteCalls failed: $(grep -m 3 -E 'want|FAIL' "$tmp/calls.log")" >&2; failed=1; }
	# "=== NAME  .../no_throttling" (or RUN, or CONT: the parallel
	# subtests' lines come under whichever header go test printed last)
	# then "... 402 BatchWriteItem calls for 10000 items: 1.005 × the minimum 400"
	calls_of() { awk -v t="$1" '$1 == "===" && ($2 == "NAME" || $2 == "RUN" || $2 == "CONT") { name = $3 } /BatchWriteItem calls for/ && name ~ t { print $(NF - 4) }' "$tmp/calls.log"; }
	calls_plain=$(calls_of '/no_throttling$')
	calls_unproc=$(calls_of '/20%_unprocessed_once$')
	echo
	echo "loader: BatchWriteItem calls ${calls_plain:-?}× the minimum without throttling, ${calls_unproc:-?}× with 20% unprocessed"
	rows_md+=("| loader BatchWriteItem calls, 10,000 items (\`TestWriterBatchWriteCalls\`) | ⌈n/25⌉ = 400 | ${calls_plain:-?}× the minimum; ${calls_unproc:-?}× with 20 % left unprocessed once, zero loss | targets ≤ 1.02× $(mark "${calls_plain:-9}" "<=" 1.02); ≤ 1.5× $(mark "${calls_unproc:-9}" "<=" 1.5) | | deterministic counts |")
	json_items+=("$(printf '{"name":"loader-batchwriteitem-calls","ratio_plain":%s,"ratio_plain_target":1.02,"ratio_unprocessed":%s,"ratio_unprocessed_target":1.5}' "${calls_plain:-null}" "${calls_unproc:-null}")")

	export SLUICE_CACHE="${SLUICE_CACHE:-$PWD/.cache}"
	mkdir -p "$SLUICE_CACHE"
	# shellcheck source=/dev/null
	. scripts/setup.d/20-dynalite.sh
	if [ -z "${SLUICE_DYNALITE:-}" ]; then
		echo "bench.sh: dynalite is not installed (scripts/setup.d/20-dynalite.sh)" >&2
		failed=1
	else
		go test -c -o "$tmp/load.test" ./functions/load
		load_items=${SLUICE_BENCH_LOAD_ITEMS:-$([ "$quick" = 1 ] && echo 5000 || echo 20000)}
		echo "loader vs a plain 25-item BatchWriteItem loop: $load_items items into dynalite, $reps interleaved repetitions"
		for i in $(seq "$reps"); do
			order="loader plain"
			[ $((i % 2)) = 1 ] || order="plain loader"
			for which in $order; do
				# Each run starts its own dynalite on a free port and
				# loads into a new table; items/s is the benchmark's.
				SLUICE_BENCH_LOAD_ITEMS=$load_items "$tmp/load.test" -test.run '^$' -test.bench "^BenchmarkDynaliteLoad/$which\$" -test.benchtime 1x >"$tmp/load.out" 2>&1 ||
					{ echo "bench.sh: load benchmark $which failed: $(tail -n 3 "$tmp/load.out")" >&2; failed=1; continue; }
				awk -v n="load-$which" '{ for (f = 2; f <= NF; f++) if ($f == "items/s") print n, $(f - 1) }' "$tmp/load.out" >>"$tmp/samples"
			done
			printf '  rep %d: loader %s items/s, plain loop %s items/s\n' "$i" "$(awk '$1 == "load-loader" { v = $2 } END { print v }' "$tmp/samples")" "$(awk '$1 == "load-plain" { v = $2 } END { print v }' "$tmp/samples")"
		done
		ratio=$(awk -v r="$(ratio_median load-loader load-plain)" 'BEGIN { printf "%.2f", r }')
		info "loader into dynalite, $load_items items" "$(median load-plain 2) items/s (plain 25-item BatchWriteItem loop)" "$(median load-loader 2) items/s (load.Handler)" "$ratio" \
			"the loader reads the stored versions of each group of 100 records (one BatchGetItem) before writing it in four BatchWriteItem requests"
	fi
fi

# --- cold start and zip size per function (Lambda RIE) -----------------------
if [[ $skip != *" coldstart "* ]]; then
	export SLUICE_CACHE="${SLUICE_CACHE:-$PWD/.cache}"
	mkdir -p "$SLUICE_CACHE"
	# shellcheck source=/dev/null
	. scripts/setup.d/20-rie.sh
	if [ -z "${SLUICE_RIE:-}" ]; then
		echo "bench.sh: the Lambda Runtime Interface Emulator is not installed (scripts/setup.d/20-rie.sh)" >&2
		failed=1
	elif go test -count=1 -run '^$' -bench '^BenchmarkColdStart$' -benchtime "${reps}x" ./platform/packager >"$tmp/cold.log" 2>&1; then
		echo
		echo "cold start under the Lambda RIE (mean of $reps first invokes; zip: linux/arm64 package):"
		# BenchmarkColdStart/load-2  3  125077650 ns/op  125.1 first-invoke-ms  3553534 zip-bytes
		cold=$(awk '/^BenchmarkColdStart\// { fn = $1; sub(/^BenchmarkColdStart\//, "", fn); sub(/-[0-9]+$/, "", fn)
			for (f = 2; f <= NF; f++) { if ($f == "first-invoke-ms") ms = $(f - 1); if ($f == "zip-bytes") z = $(f - 1) }
			printf "%s %.1f %.0f\n", fn, z / 1048576, ms }' "$tmp/cold.log")
		printf '%s\n' "$cold" | awk '{ printf "  %-10s zip %s MiB, first invoke %s ms\n", $1, $2, $3 }'
		rows_md+=("| cold start: zip size and first invoke under the Lambda RIE (mean of $reps) | | $(printf '%s\n' "$cold" | awk '{ printf "%s%s %s MiB, %s ms", (NR > 1 ? "; " : ""), $1, $2, $3 }') | | | the zip is the deployed linux/arm64 package; the invoke runs the host build against in-process S3 and DynamoDB |")
		json_items+=("$(printf '{"name":"coldstart","functions":[%s]}' "$(printf '%s\n' "$cold" | awk '{ printf "%s{\"function\":\"%s\",\"zip_mib\":%s,\"first_invoke_ms\":%s}", (NR > 1 ? "," : ""), $1, $2, $3 }')")")
	else
		echo "bench.sh: BenchmarkColdStart failed: $(tail -n 5 "$tmp/cold.log")" >&2
		failed=1
	fi
fi

# --- peak memory per function (Lambda RIE) ------------------------------------
if [[ $skip != *" memory "* ]]; then
	export SLUICE_CACHE="${SLUICE_CACHE:-$PWD/.cache}"
	mkdir -p "$SLUICE_CACHE"
	# shellcheck source=/dev/null
	. scripts/setup.d/20-rie.sh
	mem_rows=${SLUICE_BENCH_MEM_ROWS:-$([ "$quick" = 1 ] && echo 20000 || echo 100000)}
	if [ -z "${SLUICE_RIE:-}" ]; then
		echo "bench.sh: the Lambda Runtime Interface Emulator is not installed (scripts/setup.d/20-rie.sh)" >&2
		failed=1
	elif SLUICE_BENCH_MEM_ROWS=$mem_rows go test -count=1 -run '^$' -bench '^BenchmarkPeakMemory$' -benchtime 1x ./platform/packager >"$tmp/mem.log" 2>&1; then
		# The memory each stack gives each function, from its typed config
		# (sluice cost --json: facts.memory_mb).
		memory_of() {
			"$tmp/sluice" cost --stack "$1" --files-per-day 1 --records-per-file 1 --json |
				awk '/"memory_mb": \{/ { on = 1; next } on && /}/ { exit } on { gsub(/[",:]/, ""); print $1, $2 }'
		}
		memory_of dev >"$tmp/mem.dev" && memory_of prod >"$tmp/mem.prod" ||
			{ echo "bench.sh: sluice cost could not read the stacks' memory" >&2; failed=1; }
		# The functions whose time scales with their CPU share (timings.json).
		cpu_bound=" $(awk '/"cpuBound": *true/ { gsub(/[":{]/, " "); print $1 }' platform/cost/timings.json | tr '\n' ' ') "
		# BenchmarkPeakMemory/load-2  1  2318524886 ns/op  22.32 peak-rss-MiB
		# -> "fn peak dev prod floor cpu": the floor is the peak and half
		# again, rounded up to 64 MB, at least Lambda's 128 MB.
		mem=$(awk '/^BenchmarkPeakMemory\// { fn = $1; sub(/^BenchmarkPeakMemory\//, "", fn); sub(/-[0-9]+$/, "", fn)
			for (f = 2; f <= NF; f++) if ($f == "peak-rss-MiB") print fn, $(f - 1) }' "$tmp/mem.log" |
			while read -r fn peak; do
				dev=$(awk -v f="$fn" '$1 == f { print $2 }' "$tmp/mem.dev") prod=$(awk -v f="$fn" '$1 == f { print $2 }' "$tmp/mem.prod")
				cpu=io
				[[ $cpu_bound == *" $fn "* ]] && cpu=cpu
				awk -v fn="$fn" -v p="$peak" -v d="${dev:-0}" -v q="${prod:-0}" -v c="$cpu" 'BEGIN {
					fl = int((p * 1.5 + 63) / 64) * 64; if (fl < 128) fl = 128
					printf "%s %.1f %d %d %d %s\n", fn, p, d, q, fl, c }'
			done)
		echo
		echo "peak memory per function under the Lambda RIE (one invoke; validate and transform: $mem_rows orders rows; enrich and load: the first chunk; MiB):"
		printf '%s\n' "$mem" | awk '{ printf "  %-10s peak %6.1f MiB; configured dev %d MB, prod %d MB; floor %d MB (%s-bound)\n", $1, $2, $3, $4, $5, $6 }'
		sizing=$(printf '%s\n' "$mem" | awk '$6 == "io" && ($3 > 2 * $5 || $4 > 2 * $5) { io = io (io ? ", " : "") $1 " (dev " $3 ", prod " $4 " MB; floor " $5 " MB)" }
			END { printf "every configured size covers its peak and half again"; if (io) printf "; I/O-bound and above twice their floor, which buys no speed: %s", io }')
		printf '%s\n' "$mem" | awk '$3 < $5 || $4 < $5 { bad = 1 } END { exit !bad }' &&
			sizing="below the floor: $(printf '%s\n' "$mem" | awk '$3 < $5 || $4 < $5 { printf "%s%s", (n++ ? ", " : ""), $1 }'): raise it"
		echo "  sizing: $sizing; CPU-bound functions get CPU in proportion to memory (one vCPU at 1,769 MB), so above the floor their size buys speed"
		rows_md+=("| peak memory per function (Lambda RIE, one invoke; $mem_rows orders rows, enrich and load on the first chunk) | | $(printf '%s\n' "$mem" | awk '{ printf "%s%s **%.0f MiB** (dev %d, prod %d MB)", (NR > 1 ? "; " : ""), $1, $2, $3, $4 }') | | | sizing: $sizing; floor = peak × 1.5 rounded up to 64 MB, at least 128 |")
		json_items+=("$(printf '{"name":"memory","rows":%s,"functions":[%s],"sizing":"%s"}' "$mem_rows" \
			"$(printf '%s\n' "$mem" | awk '{ printf "%s{\"function\":\"%s\",\"peakMemoryMb\":%s,\"devMemoryMb\":%d,\"prodMemoryMb\":%d,\"floorMemoryMb\":%d,\"cpuBound\":%s}", (NR > 1 ? "," : ""), $1, $2, $3, $4, $5, ($6 == "cpu" ? "true" : "false") }')" "$sizing")")
	else
		echo "bench.sh: BenchmarkPeakMemory failed: $(tail -n 5 "$tmp/mem.log")" >&2
		failed=1
	fi
fi

# --- state transitions per file ---------------------------------------------
if [[ $skip != *" transitions "* ]]; then
	# Real files through the local pipeline, counted from the compiled
	# machine and each execution's history (cli/transitions); the
	# test asserts the shape: the same for 10 and 1,000 rows in one
	# chunk, the parent constant and the children growing with chunks.
	if go test -count=1 -run '^TestPipelineTransitions$' -v ./cli/transitions >"$tmp/transitions.log" 2>&1; then
		shape="✅"
	else
		shape="❌"
		failed=1
		echo "bench.sh: TestPipelineTransitions failed: $(grep -m 3 -E 'want|FAIL' "$tmp/transitions.log")" >&2
	fi
	echo
	echo "transitions per file (rows, chunks: parent + children):"
	grep -o 'transitions rows=.*' "$tmp/transitions.log" | sed 's/^transitions /  /'
	tv() { grep -o "transitions rows=$1 chunks=$2 .*" "$tmp/transitions.log" | head -n 1 | sed -n "s/.* $3=\([^ ]*\).*/\1/p"; }
	per_chunk=$(awk -v c="$(tv 600 6 children)" 'BEGIN { printf "%d", c / 6 }')
	rows_md+=("| state transitions per file (local runs, compiled ASL + history) | | one chunk: **$(tv 10 1 parent)** with 10 rows, **$(tv 1000 1 parent)** with 1,000; more chunks (Distributed Map): **$(tv 300 3 parent)** in the execution + **$per_chunk a chunk** in $(tv 300 3 child_type) child executions (3 chunks: $(tv 300 3 children), 6 chunks of 100 or 50 rows: $(tv 600 6 children), $(tv 300 6 children)) | constant for small files, grows with chunks not rows $shape | | Standard bills the execution's transitions; EXPRESS children are billed per request and duration |")
	json_items+=("$(printf '{"name":"transitions","one_chunk_10_rows":%s,"one_chunk_1000_rows":%s,"chunked_parent":%s,"per_chunk_children":%s,"child_type":"%s","shape_met":%s}' \
		"$(tv 10 1 parent)" "$(tv 1000 1 parent)" "$(tv 300 3 parent)" "$per_chunk" "$(tv 300 3 child_type)" "$([ "$shape" = ✅ ] && echo true || echo false)")")
fi

# --- report ------------------------------------------------------------------
load_end=$(cut -d' ' -f1 /proc/loadavg)
echo
echo "Measured $(date -u +%Y-%m-%d) on $machine, load average $load_start → $load_end; $mlr_version."
echo
echo "| comparison | peer | sluice | ratio | sluice peak RSS | note |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${rows_md[@]}"
mkdir -p bench
{
	printf '{"date":"%s","machine":"%s","load_average":[%s,%s],"miller":"%s","quick":%s,"results":[' \
		"$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$machine" "$load_start" "$load_end" "$mlr_version" "$([ "$quick" = 1 ] && echo true || echo false)"
	(IFS=,; printf '%s' "${json_items[*]}")
	printf ']}\n'
} >bench/results.json
echo
echo "wrote bench/results.json"
exit "$failed"
