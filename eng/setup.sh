#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks to run and test Fabrix: PostgreSQL, the NATS server and Chromium
# (issue 2 section 5). Idempotent: it checks first and installs only what is missing, so a second run is instant.
# Installs nothing else. Runs apt-get directly as root, through sudo otherwise.
set -euo pipefail

missing=()

# PostgreSQL: Debian keeps initdb in /usr/lib/postgresql/<major>/bin, off PATH (the AppHost looks there too).
if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null && ! command -v initdb >/dev/null 2>&1; then
  missing+=(postgresql)
fi

# nats-server lives in /usr/sbin, which a non-root PATH may lack.
if ! command -v nats-server >/dev/null 2>&1 && [[ ! -x /usr/sbin/nats-server ]]; then
  missing+=(nats-server)
fi

if ! command -v chromium >/dev/null 2>&1 && [[ ! -x /usr/bin/chromium ]]; then
  missing+=(chromium)
fi

if ((${#missing[@]} == 0)); then
  echo "setup: postgresql, nats-server and chromium are installed"
  exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "setup: missing ${missing[*]}; run as root: apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update
"${as_root[@]}" apt-get install -y "${missing[@]}"
echo "setup: done"
