# shellcheck shell=bash
# Finds headless Chromium for the HTML report test (local/report_browser_test.go)
# and exports SLUICE_CHROMIUM, the browser's path. When none is on PATH and
# apt-get can be used (root, Debian), installs Debian's chromium package
# (about 100 MB, a minute or two; once per machine). Without it the test skips,
# or fails under CI=true.
_chromium=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$_chromium" ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
	echo "setup: installing chromium (apt-get)" >&2
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; } >/dev/null 2>&1 ||
		echo "setup: apt-get install chromium failed; the report browser test will skip (fail under CI=true)" >&2
	_chromium=$(command -v chromium || true)
fi
if [ -n "$_chromium" ]; then
	export SLUICE_CHROMIUM="$_chromium"
else
	echo "setup: chromium not found; the report browser test will skip (fail under CI=true)" >&2
fi
unset _chromium
