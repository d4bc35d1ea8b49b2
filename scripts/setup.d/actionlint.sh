# Installs actionlint (Go) for the workflow-file check in scripts/check.d.
ACTIONLINT_VERSION=v1.7.12
export SLUICE_ACTIONLINT="$SLUICE_CACHE/bin/actionlint"
if ! "$SLUICE_ACTIONLINT" -version 2>/dev/null | grep -qx "$ACTIONLINT_VERSION"; then
	GOBIN="$SLUICE_CACHE/bin" GOFLAGS= go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
fi
"$SLUICE_ACTIONLINT" -version | head -1
