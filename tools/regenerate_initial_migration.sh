#!/usr/bin/env bash
# Until the first release there is one migration; after a model change, regenerate it from an
# empty database. (Once a release is deployed, add ordinary `flask db migrate` revisions instead.)
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
rm -f migrations/versions/*.py
DATABASE_URL="sqlite:///$scratch/empty.db" HOTLINE_INSTANCE="$scratch" \
  .venv/bin/flask --app hotline db migrate -m "initial schema" >/dev/null 2>&1
ls migrations/versions/
