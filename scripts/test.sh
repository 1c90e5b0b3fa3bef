#!/usr/bin/env bash
# Install the project with its test extras, start a private redis-server, run lint, types and tests.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -e ".[test]"

# redis-server for the scale-out tests: installed from Debian's packages when missing, on a free port,
# stopped by pid on exit.
if ! command -v redis-server >/dev/null 2>&1; then
    (apt-get update -qq && apt-get install -y -qq redis-server) >/dev/null 2>&1 || echo "warning: could not install redis-server" >&2
fi
if command -v redis-server >/dev/null 2>&1; then
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    rdir=$(mktemp -d)
    redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no --dir "$rdir" --daemonize no >"$rdir/log" 2>&1 &
    rpid=$!
    trap 'kill "$rpid" 2>/dev/null || true; wait "$rpid" 2>/dev/null || true; rm -rf "$rdir"' EXIT
    for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    export NEWS_ARCHIVE_TEST_REDIS="redis://127.0.0.1:$port/0"
fi

ruff check .
ruff format --check .
mypy archive
python3 -m pytest -q -p no:cacheprovider "$@"
