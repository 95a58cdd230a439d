#!/usr/bin/env bash
# Install the Debian packages the test suite drives for real, when missing:
# softhsm2 (the PKCS#11 key provider), age (recipients open disclosure packages with it),
# Chromium (the browser tests drive it through Playwright), wrk (the HTTPS bench's load
# generator), npm (it builds the web assets) and
# pango (WeasyPrint renders the oversight reports as PDF with it).
set -euo pipefail

missing=()
[ -e /usr/lib/softhsm/libsofthsm2.so ] || missing+=(softhsm2)
command -v age >/dev/null || missing+=(age)
command -v pg_isready >/dev/null || missing+=(postgresql-client)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v wrk >/dev/null || missing+=(wrk)
command -v npm >/dev/null || missing+=(npm)
ldconfig -p | grep -q 'libpango-1.0.so.0' || missing+=(libpango-1.0-0)
ldconfig -p | grep -q 'libpangoft2-1.0.so.0' || missing+=(libpangoft2-1.0-0)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "missing Debian packages: ${missing[*]} (run as root to install them)" >&2
    exit 1
  fi
  echo "installing Debian packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
