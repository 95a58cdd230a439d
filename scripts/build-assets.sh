#!/usr/bin/env bash
# Build the web pages' static folder from the npm packages (GOV.UK Frontend, htmx) and our own
# files in src/listwarden/web/frontend. The output is not committed; `make assets` runs this.
set -euo pipefail
cd "$(dirname "$0")/.."

govuk=node_modules/govuk-frontend/dist/govuk
out=src/listwarden/web/static
for needed in "$govuk/govuk-frontend.min.css" node_modules/htmx.org/dist/htmx.min.js; do
  [ -f "$needed" ] || { echo "missing $needed: run 'npm ci' first" >&2; exit 1; }
done

rm -rf "$out"
mkdir -p "$out/assets"
cp "$govuk/govuk-frontend.min.css" "$govuk/govuk-frontend.min.js" "$out/"
cp -R "$govuk/assets/fonts" "$govuk/assets/images" "$govuk/assets/manifest.json" "$out/assets/"
cp node_modules/htmx.org/dist/htmx.min.js "$out/"
cp src/listwarden/web/frontend/* "$out/"
echo "built $out"
