# shellcheck shell=bash
# Installs the npm package asl-validator@4 (an independent ASL schema and
# path checker) into $SLUICE_CACHE/npm, reusing it when present, and exports
# SLUICE_ASL_VALIDATOR, the package folder. scripts/check.d/asl-validator.sh
# runs it on the compiled pipeline and the builder's golden files.
_aslv_dir="$SLUICE_CACHE/npm/node_modules/asl-validator"
if [ ! -f "$_aslv_dir/package.json" ]; then
	if command -v npm >/dev/null 2>&1; then
		npm install --no-audit --no-fund --silent --prefix "$SLUICE_CACHE/npm" asl-validator@4 >/dev/null ||
			echo "setup: npm install asl-validator@4 failed" >&2
	else
		echo "setup: npm not found; the asl-validator check will skip (fail under CI=true)" >&2
	fi
fi
if [ -f "$_aslv_dir/package.json" ]; then
	export SLUICE_ASL_VALIDATOR="$_aslv_dir"
fi
unset _aslv_dir
