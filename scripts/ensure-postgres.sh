#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:5432 with trust authentication for the
# tests: start the installed cluster if it is down, install Debian's server if there is none.
set -euo pipefail

answers() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

if command -v pg_isready >/dev/null && answers; then exit 0; fi

if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
  echo "PostgreSQL server not found: installing it from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
fi

version=$(ls /etc/postgresql | sort -V | tail -n 1)
conf=/etc/postgresql/$version/main
# Trust authentication on loopback, as on this machine kind; only for a test machine.
if ! grep -q "listwarden-test" "$conf/pg_hba.conf"; then
  sed -i '1i host all all 127.0.0.1/32 trust # listwarden-test\nhost all all ::1/128 trust # listwarden-test\nlocal all all trust # listwarden-test' "$conf/pg_hba.conf"
fi
grep -q "^listen_addresses" "$conf/postgresql.conf" || echo "listen_addresses = '127.0.0.1'" >> "$conf/postgresql.conf"
pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null \
  || pg_ctlcluster --skip-systemctl-redirect "$version" main restart

for _ in $(seq 1 30); do answers && exit 0; sleep 1; done
echo "PostgreSQL did not start on 127.0.0.1:5432" >&2
exit 1
