#!/usr/bin/env bash
# Fails unless `turbo run build test` is served entirely from turbo's cache, which proves the
# tasks are deterministic and declare their inputs and outputs. Run it after a full build.
set -euo pipefail
cd "$(dirname "$0")/.."
output=$(pnpm exec turbo run build test --output-logs=none 2>&1)
echo "$output" | tail -n 5
if ! echo "$output" | grep -q "FULL TURBO"; then
  echo "turbo cache check: build/test were not all cache hits" >&2
  exit 1
fi
