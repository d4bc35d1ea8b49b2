# shellcheck shell=bash
# Finds cfn-lint (the CloudFormation linter) for the template test in
# platform/cfn and exports SLUICE_CFN_LINT, its path. The Go machine image
# ships cfn-lint 1.x (pip); where it is missing, Debian's cfn-lint package
# (trixie and later) is installed with apt-get when we are root, else pip is
# tried. Without it the test skips, or fails under CI=true.
_cfnlint=$(command -v cfn-lint || true)
if [ -z "$_cfnlint" ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
	if { apt-get update -qq && apt-cache show cfn-lint; } >/dev/null 2>&1; then
		echo "setup: installing cfn-lint (apt-get)" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends cfn-lint >/dev/null 2>&1 ||
			echo "setup: apt-get install cfn-lint failed" >&2
	fi
	_cfnlint=$(command -v cfn-lint || true)
fi
if [ -z "$_cfnlint" ] && command -v python3 >/dev/null 2>&1; then
	echo "setup: installing cfn-lint (pip) into $SLUICE_CACHE/cfn-lint" >&2
	python3 -m pip install --quiet --disable-pip-version-check --target "$SLUICE_CACHE/cfn-lint" 'cfn-lint>=1.20,<2' >/dev/null 2>&1 &&
		[ -x "$SLUICE_CACHE/cfn-lint/bin/cfn-lint" ] && _cfnlint="$SLUICE_CACHE/cfn-lint/bin/cfn-lint"
	if [ -n "$_cfnlint" ]; then
		export PYTHONPATH="$SLUICE_CACHE/cfn-lint${PYTHONPATH:+:$PYTHONPATH}"
	fi
fi
if [ -n "$_cfnlint" ]; then
	export SLUICE_CFN_LINT="$_cfnlint"
	echo "cfn-lint: $("$_cfnlint" --version 2>&1)"
else
	echo "setup: cfn-lint not found (no package, no pip); the template lint test will skip (fail under CI=true)" >&2
fi
unset _cfnlint
