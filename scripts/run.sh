#!/usr/bin/env bash
# What `make run` runs: the demo district, filled on first use, served.
# Usage: scripts/run.sh BUILD DB PORT
#  - no database yet: create it with the demo district (`ledger init --demo`: units, users, seed
#    000's campaign and one under way today) and fill it with DEMO_TICKETS tickets of the last
#    eight weeks (`ledger seed`), photos of evidence included;
#  - a database already there: migrate it and serve it as it is (nothing is added).
set -euo pipefail
BUILD=${1:-build}
DB=${2:-ledger.db}
PORT=${3:-8080}
DEMO_TICKETS=${DEMO_TICKETS:-3000}
LEDGER="$BUILD/ledger"

if [ -e "$DB" ]; then
  "$LEDGER" init --db "$DB" --demo
else
  "$LEDGER" init --db "$DB" --demo
  echo "正在生成演示问题（$DEMO_TICKETS 件，近八周）……"
  "$LEDGER" seed --db "$DB" --tickets "$DEMO_TICKETS" | tail -n 1
fi
echo "打开 http://127.0.0.1:$PORT/ （Ctrl-C 停止）"
exec "$LEDGER" serve --db "$DB" --port "$PORT"
