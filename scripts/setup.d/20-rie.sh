# shellcheck shell=bash
# Installs the Lambda Runtime Interface Emulator into $SLUICE_CACHE/bin and
# exports SLUICE_RIE, its path. The packaging test in platform/packager starts
# one emulator per function on free 127.0.0.1 ports and stops it itself.
_rie="$SLUICE_CACHE/bin/aws-lambda-rie"
if [ ! -x "$_rie" ]; then
	GOBIN="$SLUICE_CACHE/bin" go install \
		github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d ||
		echo "setup: go install aws-lambda-rie failed" >&2
fi
if [ -x "$_rie" ]; then
	export SLUICE_RIE="$_rie"
fi
unset _rie
