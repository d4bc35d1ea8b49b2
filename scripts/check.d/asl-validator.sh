#!/usr/bin/env bash
# Independent check of the ASL we generate: the compiled pipeline of every
# stack (`sluice asl --stack dev|prod`) and the builder's golden files are
# validated by the npm package asl-validator (JSON schemas, paths, ARNs),
# through its JS API on a copy of each definition (the API mutates its
# argument). Any error fails the script.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ -z "${SLUICE_ASL_VALIDATOR:-}" ] || ! command -v node >/dev/null 2>&1; then
	if [ "${CI:-}" = "true" ]; then
		echo "asl-validator: not installed (SLUICE_ASL_VALIDATOR unset or no node); run through scripts/test.sh" >&2
		exit 1
	fi
	echo "asl-validator: not installed; skipped (run through scripts/test.sh)"
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

files=()
for stack in dev prod; do
	go run ./cmd/sluice asl --stack "$stack" >"$tmp/pipeline-$stack.asl.json"
	files+=("$tmp/pipeline-$stack.asl.json")
done
for f in workflow/testdata/*.asl.json workflow/pipeline/testdata/batch-*.asl.json; do
	[ -e "$f" ] && files+=("$f")
done

node - "$SLUICE_ASL_VALIDATOR" "${files[@]}" <<'JS'
const [validatorDir, ...files] = process.argv.slice(2);
const fs = require("fs");
let validator = require(validatorDir);
if (typeof validator !== "function") validator = validator.default;
let bad = 0;
for (const file of files) {
  const definition = JSON.parse(fs.readFileSync(file, "utf8"));
  const { isValid, errorsText } = validator(structuredClone(definition), { checkPaths: true, checkArn: true });
  const name = file.replace(/^.*\//, "");
  if (isValid) {
    console.log(`asl-validator: ${name}: valid`);
  } else {
    bad++;
    console.error(`asl-validator: ${name}: INVALID\n  ${errorsText("\n  ")}`);
  }
}
if (bad > 0) {
  console.error(`asl-validator: ${bad} of ${files.length} definitions invalid`);
  process.exit(1);
}
JS
