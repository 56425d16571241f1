#!/usr/bin/env bash
# Regenerates the API reference and fails when it differs from the committed docs/api/, so the
# reference on GitHub never goes stale. TypeDoc itself fails first when a public export has no
# TSDoc (validation.notDocumented with treatWarningsAsErrors in typedoc.json).
set -euo pipefail
cd "$(dirname "$0")/.."

npm run docs:api --silent

if ! git diff --exit-code --stat -- docs/api; then
  echo 'docs/api/ is stale: run `npm run docs:api` and commit the result' >&2
  exit 1
fi
untracked=$(git ls-files --others --exclude-standard -- docs/api)
if [ -n "$untracked" ]; then
  printf '%s\n' "$untracked" >&2
  echo 'docs/api/ has files that are not committed: run `npm run docs:api` and commit the result' >&2
  exit 1
fi
echo 'docs/api/ matches the source'
