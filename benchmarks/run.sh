#!/usr/bin/env bash
# benchmarks/run.sh NAME [args...]   (issue 9 section 5)
#
# Builds the benchmark in Release, starts what it needs under a temporary folder (its own PostgreSQL cluster, a
# nats-server, the registry's Release build), runs it, stops everything (also on Ctrl-C or failure) and prints the
# benchmark's JSON result line as its very last line. Extra arguments go to the benchmark.
#
#   benchmarks/run.sh health                       # the health monitor with the registry's PostgreSQL store
#   benchmarks/run.sh health --store memory --plugins 2000
#   benchmarks/run.sh audit-ingest --duration 30s --chaos 30s
#
# Environment: KEEP_WORK=1 keeps the temporary folder (logs of PostgreSQL, nats-server, the registry).
#   FABRIX_BENCH_NATS_MONITOR=PORT opens nats-server's monitoring endpoint (/varz, /connz) on that port;
#   FABRIX_BENCH_NATS_PROFILE=PORT its Go profiler (/debug/pprof; read a CPU profile with benchmarks/tools/pprof-top.py).
set -euo pipefail

# One line per benchmark: NAME | project | what it needs | arguments that come first.
#   postgres     a private PostgreSQL cluster (fsync on, track_commit_timestamp on): FABRIX_BENCH_POSTGRES
#   nats         a nats-server with JetStream: FABRIX_BENCH_NATS (nats://127.0.0.1:port)
#   nats-binary  the nats-server binary and the work folder, for a benchmark that kills and restarts it itself:
#                --nats-server <path> --work <folder>
#   registry     the registry's Release build: --registry <Fabrix.Core.Registry.dll>
#   gateway      the gateway's Release build and the work folder: --gateway <Fabrix.Core.Gateway.dll> --work <folder>
#   wrk          wrk on the PATH (apt-get install -y wrk, as root, when missing)
#   proxy        Core.Proxy's Release build and the work folder: --proxy <Fabrix.Core.Proxy.dll> --work <folder>
#   tinyproxy    tinyproxy on the PATH (apt-get install -y tinyproxy-bin, as root, when missing)
#   events       Core.Events' Release build and the work folder: --events <Fabrix.Core.Events.dll> --work <folder>
BENCHMARKS=(
  "health       | benchmarks/Fabrix.Benchmarks      | postgres                      | health --store postgres"
  "audit-ingest | benchmarks/Fabrix.Benchmarks      | postgres,nats-binary,registry | audit-ingest"
  "lane-tokens  | benchmarks/Fabrix.Benchmarks.Lanes | -                             | lane-tokens"
  "gateway-http | benchmarks/Fabrix.Benchmarks      | postgres,nats,registry,gateway,wrk | gateway-http"
  "gateway-grpc | benchmarks/Fabrix.Benchmarks      | postgres,nats,registry,gateway | gateway-grpc"
  "operator-policy | benchmarks/Fabrix.Benchmarks.Lanes | -                          | operator-policy"
  "proxy-http   | benchmarks/Fabrix.Benchmarks      | postgres,nats,registry,proxy,wrk,tinyproxy | proxy-http"
  "proxy-connect | benchmarks/Fabrix.Benchmarks     | postgres,nats,registry,proxy  | proxy-connect"
  "events-publish | benchmarks/Fabrix.Benchmarks    | postgres,nats,registry,events | events-publish"
  "events-faults | benchmarks/Fabrix.Benchmarks     | postgres,nats-binary,registry,events | events-faults"
  "webhooks     | benchmarks/Fabrix.Benchmarks      | postgres,nats,registry,events | webhooks"
)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
usage() {
  echo "usage: benchmarks/run.sh NAME [args...]" >&2
  echo "NAME is one of:$(for line in "${BENCHMARKS[@]}"; do printf ' %s' "$(echo "${line%%|*}" | xargs)"; done)" >&2
  exit 2
}
[[ $# -ge 1 ]] || usage
NAME="$1"; shift

PROJECT=""; NEEDS=""; PREFIX=""
for line in "${BENCHMARKS[@]}"; do
  IFS='|' read -r name project needs prefix <<<"$line"
  if [[ "$(echo "$name" | xargs)" == "$NAME" ]]; then
    PROJECT="$(echo "$project" | xargs)"; NEEDS="$(echo "$needs" | xargs)"; PREFIX="$(echo "$prefix" | xargs)"
  fi
done
[[ -n "$PROJECT" ]] || usage
[[ -d "$ROOT/$PROJECT" ]] || { echo "benchmark project $PROJECT does not exist (yet)" >&2; exit 2; }
needs() { [[ ",$NEEDS," == *",$1,"* ]]; }

WORK="$(mktemp -d /tmp/fabrix-bench-XXXXXX)"; chmod 755 "$WORK"
PGBIN=/usr/lib/postgresql/15/bin
PGDATA="$WORK/pg/data"
as_postgres() { if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() { for _ in $(seq 1 150); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 did not open" >&2; return 1; }

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  # Servers the benchmark started itself (it writes their pid files) and the ones started here.
  for pidfile in "$WORK"/*.pid; do
    [[ -f "$pidfile" ]] && kill -9 "$(cat "$pidfile")" 2>/dev/null || true
  done
  if [[ -f "$PGDATA/postmaster.pid" ]]; then
    as_postgres "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  if [[ "${KEEP_WORK:-}" == 1 ]]; then echo "work folder kept: $WORK" >&2; else rm -rf "$WORK"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A fresh machine lacks PostgreSQL and nats-server: eng/setup.sh installs what is missing (instant when nothing is).
if needs postgres || needs nats || needs nats-binary; then
  bash "$ROOT/eng/setup.sh" >&2
fi

echo "building $PROJECT (Release)" >&2
dotnet build "$ROOT/$PROJECT" -c Release -nologo -clp:ErrorsOnly -v quiet >&2

ARGS=($PREFIX)
if needs postgres; then
  PGPORT="$(free_port)"
  mkdir -p "$WORK/pg"; [[ $EUID -eq 0 ]] && chown -R postgres:postgres "$WORK/pg"
  as_postgres "$PGBIN/initdb" -D "$PGDATA" -U postgres -A trust -E UTF8 --locale=C >/dev/null
  # fsync stays on: a commit costs what it costs in production. Commit timestamps give publish-to-commit latencies.
  as_postgres "$PGBIN/pg_ctl" -D "$PGDATA" -l "$WORK/pg/pg.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $PGPORT -k $WORK/pg -c track_commit_timestamp=on -c max_connections=200" start >/dev/null
  export FABRIX_BENCH_POSTGRES="Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=postgres"
fi
if needs nats; then
  NATSPORT="$(free_port)"
  nats-server -a 127.0.0.1 -p "$NATSPORT" ${FABRIX_BENCH_NATS_PROFILE:+--profile "$FABRIX_BENCH_NATS_PROFILE"} ${FABRIX_BENCH_NATS_MONITOR:+-m "$FABRIX_BENCH_NATS_MONITOR"} -js -sd "$WORK/nats" -l "$WORK/nats.log" -P "$WORK/nats-fixed.pid" </dev/null >/dev/null 2>&1 &
  wait_port "$NATSPORT"
  export FABRIX_BENCH_NATS="nats://127.0.0.1:$NATSPORT"
fi
if needs nats-binary; then
  ARGS+=(--nats-server "$(command -v nats-server || echo /usr/sbin/nats-server)" --work "$WORK")
fi
if needs registry; then
  dotnet build "$ROOT/Core.Registry" -c Release -nologo -clp:ErrorsOnly -v quiet >&2
  ARGS+=(--registry "$ROOT/Core.Registry/bin/Release/net10.0/Fabrix.Core.Registry.dll")
fi
if needs gateway; then
  dotnet build "$ROOT/Core.Gateway" -c Release -nologo -clp:ErrorsOnly -v quiet >&2
  ARGS+=(--gateway "$ROOT/Core.Gateway/bin/Release/net10.0/Fabrix.Core.Gateway.dll" --work "$WORK")
fi
if needs proxy; then
  dotnet build "$ROOT/Core.Proxy" -c Release -nologo -clp:ErrorsOnly -v quiet >&2
  ARGS+=(--proxy "$ROOT/Core.Proxy/bin/Release/net10.0/Fabrix.Core.Proxy.dll" --work "$WORK")
fi
if needs events; then
  dotnet build "$ROOT/Core.Events" -c Release -nologo -clp:ErrorsOnly -v quiet >&2
  ARGS+=(--events "$ROOT/Core.Events/bin/Release/net10.0/Fabrix.Core.Events.dll" --work "$WORK")
fi
if needs tinyproxy && ! command -v tinyproxy >/dev/null; then
  [[ $EUID -eq 0 ]] || { echo "tinyproxy is missing: apt-get install -y tinyproxy-bin (as root)" >&2; exit 2; }
  # The binary only (Debian's tinyproxy-bin): the benchmark starts it with its own configuration, no system service.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q tinyproxy-bin >&2
fi
if needs wrk && ! command -v wrk >/dev/null; then
  [[ $EUID -eq 0 ]] || { echo "wrk is missing: apt-get install -y wrk (as root)" >&2; exit 2; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >&2
fi

set +e
dotnet run --no-build -c Release --project "$ROOT/$PROJECT" -- "${ARGS[@]}" "$@" 2>&1 | tee "$WORK/output.log" >&2
STATUS=${PIPESTATUS[0]}
set -e
LINE="$(grep -E '^\{"bench":' "$WORK/output.log" | tail -n 1 || true)"
if [[ -z "$LINE" ]]; then
  LINE="{\"bench\":\"$NAME\",\"error\":\"no result line (exit code $STATUS)\"}"
  [[ $STATUS -ne 0 ]] || STATUS=1
fi
echo "$LINE"
exit "$STATUS"
