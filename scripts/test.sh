#!/usr/bin/env bash
# The one test command (README, .ci/run, .github/workflows/ci.yml).
#
# It installs what the tests need into a cache folder (npm packages, Go tools),
# runs the setup steps in scripts/setup.d (which may start servers on
# 127.0.0.1 and register their cleanup), then vet, gofmt, the unit and
# integration tests, the race tests of the engine, short fuzz runs and the
# independent checks in scripts/check.d.
#
# Environment:
#   SLUICE_CACHE        where tools are installed (default: .cache in the repo)
#   SLUICE_CONFORMANCE  the ASL conformance corpus (default: ../shared/conformance/asl)
#   SLUICE_EVENTS_CONFORMANCE  the EventBridge event-pattern corpus
#                       (default: ../shared/conformance/events)
#   FUZZTIME            per fuzz target (default: 5s)
#   CI=true             missing tools are failures, never skips
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export SLUICE_CACHE="${SLUICE_CACHE:-$ROOT/.cache}"
export SLUICE_CONFORMANCE="${SLUICE_CONFORMANCE:-$(cd "$ROOT/.." && pwd)/shared/conformance/asl}"
export SLUICE_EVENTS_CONFORMANCE="${SLUICE_EVENTS_CONFORMANCE:-$(cd "$ROOT/.." && pwd)/shared/conformance/events}"
export FUZZTIME="${FUZZTIME:-5s}"
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
mkdir -p "$SLUICE_CACHE"

CLEANUP=()
cleanup() {
	for c in "${CLEANUP[@]}"; do eval "$c" || true; done
}
trap cleanup EXIT

# Each step is headed with the seconds since the start (bash's SECONDS), so
# that the log shows where the suite's time goes: CI allows it 90 minutes
# and we keep it well under 20.
step() { printf '\n=== %s (at %ds)\n' "$*" "$SECONDS"; }

# Setup steps are sourced so they can export variables and add to CLEANUP.
for f in scripts/setup.d/*.sh; do
	[ -e "$f" ] || continue
	step "setup: $f"
	# shellcheck source=/dev/null
	. "$f"
done

step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.cache/*'))
if [ -n "$unformatted" ]; then
	echo "gofmt needed on:"; echo "$unformatted"; exit 1
fi

step "go vet"
go vet ./...

step "go test"
go test -count=1 -timeout 25m ./... 2>&1 | tee "$SLUICE_CACHE/go-test.log"

step "go test -race (engine)"
if [ -d engine ]; then go test -count=1 -race ./engine/...; fi

step "fuzz (FUZZTIME=$FUZZTIME each)"
# Every Fuzz* target in the module gets a short run.
#
# Go 1.26's fuzz coordinator can fail a run that found nothing with a bare
# "context deadline exceeded" when -fuzztime ends while a worker is busy
# (go.dev/issue/75804, fixed in Go 1.27). A real finding always writes
# "Failing input written to testdata/fuzz/..."; such a run fails here. A run
# whose only complaint is the deadline is tried once more, and a second
# bare deadline is reported as that flake, not as a failure.
fuzz_once() { # pkg name log
	go test -run='^$' -fuzz="^$2\$" -fuzztime="$FUZZTIME" "$1" >"$3" 2>&1
}
deadline_flake() { # log: the run failed with nothing but the deadline
	grep -q '^    context deadline exceeded$' "$1" &&
		! grep -qE 'Failing input written|panic:|_test\.go:[0-9]+:' "$1"
}
while IFS= read -r line; do
	file=${line%%:*}
	name=$(sed -E 's/^.*func (Fuzz[A-Za-z0-9_]*)\(.*/\1/' <<<"${line#*:}")
	pkg="./$(dirname "$file")"
	echo "--- $pkg $name"
	log="$SLUICE_CACHE/fuzz-$name.log"
	if fuzz_once "$pkg" "$name" "$log"; then
		tail -n 1 "$log"
		continue
	fi
	if deadline_flake "$log"; then
		echo "    $name: bare 'context deadline exceeded' (go.dev/issue/75804); running it again"
		if fuzz_once "$pkg" "$name" "$log"; then
			tail -n 1 "$log"
			continue
		fi
		if deadline_flake "$log"; then
			echo "    $name: the deadline flake again, with no failing input: not a finding"
			continue
		fi
	fi
	cat "$log"
	exit 1
done < <(grep -rn --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]*\(' . | grep -v '/.cache/' | sort)

for f in scripts/check.d/*.sh; do
	[ -e "$f" ] || continue
	step "check: $f"
	bash "$f"
done

step "summary"
grep -E '^(ok|FAIL|---)' "$SLUICE_CACHE/go-test.log" | grep -Ev '^--- (PASS|SKIP)' | tail -n 200
echo "all checks passed in ${SECONDS}s"
