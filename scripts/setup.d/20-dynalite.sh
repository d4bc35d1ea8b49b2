# shellcheck shell=bash
# Installs dynalite (an in-process DynamoDB implementation on Node) into
# $SLUICE_CACHE/npm and exports SLUICE_DYNALITE, the folder holding its cli.js.
# The loader's integration test starts and stops its own server from it on a
# free 127.0.0.1 port, so nothing is left running here.
_dynalite_dir="$SLUICE_CACHE/npm/node_modules/dynalite"
if [ ! -f "$_dynalite_dir/cli.js" ]; then
	if command -v npm >/dev/null 2>&1; then
		npm install --no-audit --no-fund --silent --prefix "$SLUICE_CACHE/npm" dynalite@4 >/dev/null ||
			echo "setup: npm install dynalite@4 failed" >&2
	else
		echo "setup: npm not found; dynalite tests will skip (fail under CI=true)" >&2
	fi
fi
if [ -f "$_dynalite_dir/cli.js" ]; then
	export SLUICE_DYNALITE="$_dynalite_dir"
fi
unset _dynalite_dir
