#!/usr/bin/env bash
# Every GitHub Actions workflow passes actionlint.
set -euo pipefail
"${SLUICE_ACTIONLINT:?run through scripts/test.sh}" -color=false .github/workflows/*.yml
echo "actionlint: $(ls .github/workflows/*.yml | wc -l) workflow files clean"
