#!/usr/bin/env bash
# make bench: seeds ledgers with `ledger seed`, serves each, and measures with wrk on 127.0.0.1.
#
# For each size: the ledger page and the list API filtered to one street (first and last page),
# one ticket page, ticket creation, the dashboard — at BENCH_CONNECTIONS connections — and, one
# request at a time, the dashboard, the stats API, the ranking and the dispatch report. Beside
# them the bare server (bench/bare.c) on the same file gives the limit. The server's peak memory
# (VmHWM) is read at the end. Results go to build/bench/results.md.
#
# Each size is seeded from nothing in the run (`ledger seed`, timed; BENCH_KEEP=1 reuses the
# seed of an earlier run in build/bench/seed-N.db); each server works on a copy, so the
# creations it makes do not accumulate. BENCH_VERIFY=1 also runs tally-check, audit-verify and
# integrity_check on the fresh seed. BENCH_OTHER=DIR measures a second tree's server (DIR
# holds its build/ledger, templates and static files: an earlier commit, say) on a copy of the
# same seed, beside the same bare server, for a before-and-after in one run. Besides the rates,
# each filter and search of the ledger is timed one request at a time (the first answer of a
# fresh server and the median of five).
set -euo pipefail

BUILD=${BUILD:-build}
OUT=$BUILD/bench
SIZES=${BENCH_SIZES:-"100000 1000000"}
SECONDS_EACH=${BENCH_SECONDS:-10}
ROUNDS=${BENCH_ROUNDS:-7} # a page and the bare server take turns this many times, ROUND_SECONDS each
ROUND_SECONDS=${BENCH_ROUND_SECONDS:-3}
CONNS=${BENCH_CONNECTIONS:-32}
STREET=XR
mkdir -p "$OUT"
RESULTS=$OUT/results.md
LEDGER=$BUILD/ledger
BARE=$BUILD/bench-bare

pids=()
cleanup() { for p in "${pids[@]+"${pids[@]}"}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# Starts a server whose first line of output names its URL; sets $url and $pid.
start() {
  local log=$1; shift
  "$@" >"$log" 2>&1 &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 1 600); do
    url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$log" | head -1 || true)
    [ -n "$url" ] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "server did not start:"; cat "$log"; exit 1
}

# wrk LABEL CONNECTIONS SECONDS URL [extra wrk args...] → "requests/s p50 p99 requests" (latencies
# as wrk writes them); fails on any error response.
run_wrk() {
  local label=$1 conns=$2 secs=$3 target=$4; shift 4
  local threads=$(( conns < 2 ? 1 : 2 ))
  local w
  w=$(wrk -t"$threads" -c"$conns" -d"${secs}s" --latency --timeout 10s "$@" "$target")
  local rps p50 p99 bad total
  rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$w")
  p50=$(awk '$1 == "50%" { print $2 }' <<<"$w")
  p99=$(awk '$1 == "99%" { print $2 }' <<<"$w")
  total=$(awk '/requests in/ { print $1 }' <<<"$w")
  bad=$(awk '/Non-2xx or 3xx responses:/ { print $5 }' <<<"$w")
  errs=$(awk '/Socket errors:/' <<<"$w")
  if [ -n "$bad" ] || [ -n "$errs" ]; then
    echo "$label: error responses ($bad) $errs" >&2; echo "$w" >&2; exit 1
  fi
  echo "  [$label] $total requests, $rps/s, p50 $p50, p99 $p99" >&2
  echo "$rps $p50 $p99 $total"
}

# CPU time (user and system, in clock ticks) a process has used so far.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# run_wrk against the server whose pid comes first → "requests/s p50 p99 CPU-µs-per-request".
cpu_wrk() {
  local pid=$1 c0 m rps p50 p99 n; shift
  c0=$(cpu_ticks "$pid")
  m=$(run_wrk "$@") || exit 1
  read -r rps p50 p99 n <<<"$m"
  echo "$rps $p50 $p99 $(( ($(cpu_ticks "$pid") - c0) * (1000000 / $(getconf CLK_TCK)) / n ))"
}

# The same as one table row: | label | connections | requests/s | p50 | p99 |, the latencies
# wrk's (only the POST row, which no probe can ask for).
measure() {
  local m rps p50 p99
  m=$(run_wrk "$@") || exit 1
  read -r rps p50 p99 _ <<<"$m"
  printf '| %s | %s | %s | %s | %s |' "$1" "$2" "$rps" "$p50" "$p99"
}

# probe URL SECONDS OUT [PAUSE_MS]: bench/probe.mjs with the reviewer's cookie, appending to OUT.
# Beside wrk it waits 10 ms between requests, about a hundred a second, so that its own CPU
# takes little from the server it measures.
probe() { node bench/probe.mjs "$1" "$cookie" "$2" "$3" "${4:-0}"; }

# The P-th percentile (50, 99) of the times in FILE, in ms, and how many there are.
percentile() { sort -n "$1" | awk -v p="$2" '{ v[NR] = $1 } END { i = int(NR * p / 100); if (i < 1) i = 1; printf "%.2f", v[i] }'; }

# A row measured by wrk with a probe beside it: | label | connections | requests/s | p50 | p99 |,
# the rate wrk's, the latencies the probe's. CONNECTIONS 1: the probe alone, its own rate.
measure_probed() { # label connections seconds url
  local m rps t=$OUT/probe-times
  rm -f "$t"
  if [ "$2" = 1 ]; then
    probe "$4" "$3" "$t" || exit 1
    rps=$(( $(wc -l <"$t") / $3 ))
  else
    probe "$4" "$3" "$t" 10 & local p=$!
    m=$(run_wrk "$1" "$2" "$3" "$4" -H "Cookie: $cookie") || exit 1
    wait "$p" || exit 1
    read -r rps _ <<<"$m"
  fi
  printf '| %s | %s | %s | %sms | %sms |' "$1" "$2" "$rps" "$(percentile "$t" 50)" "$(percentile "$t" 99)"
}

# Middle value of numbers given as arguments.
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# Checks that a URL answers 200 for the session before it is measured.
check() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "$1")
  [ "$code" = 200 ] || { echo "$1 answered $code"; exit 1; }
}

{
  echo "## make bench — $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), " \
       "$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); wrk with 2 threads, ${SECONDS_EACH} s per row;" \
       "p50 and p99 from a probe asking one request at a time beside wrk's load (bench/probe.mjs);" \
       "each page and the bare server in ${ROUNDS} alternating rounds of ${ROUND_SECONDS} s;" \
       "SQLite $(sqlite3 --version | cut -d' ' -f1), synchronous=FULL."
} >"$RESULTS"

for n in $SIZES; do
  seed=$OUT/seed-$n.db
  seeded="kept from an earlier run"
  if [ ! -f "$seed" ] || [ "${BENCH_KEEP:-0}" != 1 ]; then
    rm -rf "$seed" "$seed-wal" "$seed-shm" "$OUT/seed-data-$n"
    "$LEDGER" init --db "$seed" --demo >/dev/null 2>&1
    echo "seeding $n tickets into $seed"
    /usr/bin/time -o "$OUT/seed-time" -f "%e %M" "$LEDGER" seed --db "$seed" --tickets "$n" --data "$OUT/seed-data-$n" \
      2>/dev/null | tail -1
    read -r secs kb <"$OUT/seed-time"
    seeded="seeded in this run: ${secs} s, peak memory $(( kb / 1024 )) MB"
    if [ "${BENCH_VERIFY:-0}" = 1 ]; then
      "$LEDGER" tally-check --db "$seed" 2>/dev/null | tail -1 | grep -q '0 rows of difference' || { echo "tally-check failed"; exit 1; }
      "$LEDGER" audit-verify --db "$seed" >/dev/null 2>&1 || { echo "audit-verify failed"; exit 1; }
      [ "$(sqlite3 "$seed" 'PRAGMA integrity_check')" = ok ] || { echo "integrity_check failed"; exit 1; }
      seeded="$seeded; tally-check, audit-verify and integrity_check pass"
    fi
  fi
  # A kept seed takes the migrations added since it was made once, not every run's copy.
  "$LEDGER" init --db "$seed" >/dev/null
  # A server's first pass over a fresh ledger issues its backlog of cards and sign-overdue
  # notices (SPEC section 9): done once on the seed and timed, so that every server measured
  # below starts as one that has been running does (its own first pass then finds little).
  sweeps=""
  if [ "$(sqlite3 "$seed" 'SELECT count(*) FROM cards')" = 0 ]; then
    start "$OUT/sweep-$n.log" "$LEDGER" serve --db "$seed" --port 0 --data "$OUT/seed-data-$n"
    for _ in $(seq 1 3000); do grep -q 'sweep:' "$OUT/sweep-$n.log" && break; sleep 0.1; done
    kill "$pid"; wait "$pid" 2>/dev/null || true
    sweeps="first pass over the seed: $(grep -o 'issued.*' "$OUT/sweep-$n.log" | head -1)"
  fi
  sqlite3 "$seed" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null # the copy below takes the main file only
  work=$OUT/work-$n.db
  rm -f "$work" "$work-wal" "$work-shm"
  cp "$seed" "$work"

  start "$OUT/serve-$n.log" "$LEDGER" serve --db "$work" --port 0 --data "$OUT/data-$n"
  base=$url; server=$pid
  for _ in $(seq 1 600); do grep -q 'sweep:' "$OUT/serve-$n.log" && break; sleep 0.1; done
  sweeps="${sweeps:+$sweeps; }a running server's pass (cards and notices, every 10 minutes): $(grep -o 'issued.*' "$OUT/serve-$n.log" | head -1)"
  login() {
    curl -s -D "$OUT/headers" -H 'Content-Type: application/json' \
      -d "{\"login\":\"$1\",\"password\":\"Demo#2023\"}" "$base/api/v1/session"
  }
  # Signs the reviewer and a street's staff in at $base: $cookie, $staff_cookie, $staff_csrf.
  sign_in() {
    body=$(login zhongxin)
    cookie=$(grep -i '^set-cookie:' "$OUT/headers" | sed 's/^[^:]*: //; s/;.*//')
    staff_body=$(login xingren)
    staff_cookie=$(grep -i '^set-cookie:' "$OUT/headers" | sed 's/^[^:]*: //; s/;.*//')
    staff_csrf=$(sed 's/.*"csrf_token": *"\([^"]*\)".*/\1/' <<<"$staff_body")
    [ -n "$body" ] && [ -n "$cookie" ] && [ -n "$staff_cookie" ] || { echo "sign-in failed"; exit 1; }
  }
  sign_in

  total=$(curl -s -H "Cookie: $cookie" "$base/api/v1/tickets?unit=$STREET&per_page=1" | sed 's/.*"total": *\([0-9]*\).*/\1/')
  last_page=$(( (total + 49) / 50 ))
  ticket=$(sqlite3 "$work" "SELECT id FROM tickets WHERE unit_id = (SELECT id FROM units WHERE code = '$STREET') ORDER BY id LIMIT 1 OFFSET $(( total / 2 ))")
  urls=("$base/tickets?unit=$STREET" "$base/tickets?unit=$STREET&last=1" "$base/api/v1/tickets?unit=$STREET&per_page=50"
        "$base/api/v1/tickets?unit=$STREET&per_page=50&page=$last_page" "$base/tickets/$ticket" "$base/"
        "$base/api/v1/stats" "$base/reports/ranking" "$base/reports/dispatch" "$base/reports/assessment"
        "$base/api/v1/assessment")
  for u in "${urls[@]}"; do check "$u"; done

  start "$OUT/bare-$n.log" "$BARE" "$work" 0 "$STREET"
  bare=$url; bare_pid=$pid

  {
    echo
    echo "### $n tickets ($(du -m "$work" | cut -f1) MB, $(( $(stat -c %s "$work") / n )) bytes a ticket; street $STREET holds $total; $seeded)"
    echo
    echo "| request | connections | requests/s | p50 | p99 | bare server requests/s | share of bare (each round) | CPU a request, server / bare |"
    echo "|---|---|---|---|---|---|---|---|"
  } >>"$RESULTS"
  # The page and the bare server take turns, ROUNDS times: the machine's speed drifts from one
  # moment to the next, so each round compares the two at nearly the same moment. Reported:
  # the median requests/s of each, the p50 and p99 of a probe (bench/probe.mjs, one more
  # connection, paced) asking for the page beside the load in every round, the median of the rounds'
  # shares with every round's share beside it, and the median CPU time (user and system, from
  # /proc) each server spent per wrk request (the probe's few hundred included): what a request
  # cost, where the rate also says what the machine managed in those seconds.
  pair() { # label ledger-url bare-url
    local i m rps p c b bc shares=() ours=() theirs=() cpu=() bare_cpu=() t=$OUT/probe-times
    rm -f "$t"
    for i in $(seq 1 "$ROUNDS"); do
      probe "$2" "$ROUND_SECONDS" "$t" 10 & p=$!
      m=$(cpu_wrk "$server" "$1" "$CONNS" "$ROUND_SECONDS" "$2" -H "Cookie: $cookie") || exit 1
      wait "$p" || exit 1
      read -r rps _ _ c <<<"$m"
      ours+=("$rps"); cpu+=("$c")
      m=$(cpu_wrk "$bare_pid" "bare server" "$CONNS" "$ROUND_SECONDS" "$3") || exit 1
      read -r b _ _ bc <<<"$m"
      theirs+=("$b"); shares+=("$(( rps * 100 / b ))"); bare_cpu+=("$bc")
    done
    printf '| %s | %s | %s | %sms | %sms | %s | %s%% (%s) | %s / %s µs |\n' "$1" "$CONNS" "$(median "${ours[@]}")" \
      "$(percentile "$t" 50)" "$(percentile "$t" 99)" "$(median "${theirs[@]}")" "$(median "${shares[@]}")" \
      "$(IFS=,; echo "${shares[*]}" | sed 's/,/, /g')" "$(median "${cpu[@]}")" "$(median "${bare_cpu[@]}")" >>"$RESULTS"
  }
  # The pages measured against the bare server, then the dashboard under load (both trees).
  pages() {
    pair "ledger page, street $STREET, first page" "$base/tickets?unit=$STREET" "$bare/list"
    pair "ledger page, street $STREET, last page" "$base/tickets?unit=$STREET&last=1" "$bare/list"
    pair "list API, street $STREET, first page (50)" "$base/api/v1/tickets?unit=$STREET&per_page=50" "$bare/list"
    pair "list API, street $STREET, last page (50)" "$base/api/v1/tickets?unit=$STREET&per_page=50&page=$last_page" "$bare/list"
    pair "one ticket page" "$base/tickets/$ticket" "$bare/ticket/$ticket"
    echo "$(measure_probed "dashboard /" "$CONNS" "$SECONDS_EACH" "$base/") — | — | — |" >>"$RESULTS"
  }
  pages
  echo "$(measure_probed "stats API" "$CONNS" "$SECONDS_EACH" "$base/api/v1/stats") — | — | — |" >>"$RESULTS"
  before=$(sqlite3 "$work" 'SELECT count(*) FROM tickets')
  row=$(BENCH_COOKIE=$staff_cookie BENCH_CSRF=$staff_csrf measure "ticket creation (POST, 201; wrk's latencies)" "$CONNS" "$SECONDS_EACH" \
        "$base/api/v1/tickets" -s bench/create.lua)
  echo "$row — | — | — |" >>"$RESULTS"
  after=$(sqlite3 "$work" 'SELECT count(*) FROM tickets')
  echo "  created: $(( after - before )) tickets in the database" >&2
  for pair_ in "dashboard /|$base/" "stats API|$base/api/v1/stats" "ranking|$base/reports/ranking" \
               "dispatch report (week)|$base/reports/dispatch" "assessment page (last month)|$base/reports/assessment" \
               "assessment API (last month)|$base/api/v1/assessment"; do
    echo "$(measure_probed "${pair_%%|*}, one at a time" 1 5 "${pair_#*|}") — | — | — |" >>"$RESULTS"
  done
  # Filing the street's ledger (SPEC section 12) while a person reads a ticket page and another
  # logs tickets, each one request at a time: the sealing reads outside the writer and the
  # writer stores the filing in parts, so both go on while it runs.
  campaign=$(sqlite3 "$work" "SELECT code FROM campaigns WHERE active = 1 ORDER BY id DESC LIMIT 1")
  phase=$(sqlite3 "$work" "SELECT p.name FROM campaign_phases p JOIN campaigns c ON c.id = p.campaign_id WHERE c.code = '$campaign' AND p.kind = 'self_check'")
  rm -f "$OUT/filing-reads" "$OUT/filing-writes" "$OUT/filing-answer"
  curl -s -o "$OUT/filing-answer" -w '%{http_code} %{time_total}\n' -H "Cookie: $staff_cookie" -H "X-CSRF-Token: $staff_csrf" \
    -H 'Content-Type: application/json' -d "{\"campaign\":\"$campaign\",\"phase\":\"$phase\",\"kind\":\"ledger\"}" \
    "$base/api/v1/filings" >"$OUT/filing-time" & filing_pid=$!
  create_body='{"source":"hotline12345","category":"complaint","domain":"rural_water","title":"基准测试：报送期间登记","description":"报送期间写入的问题","unit":"XR"}'
  (while kill -0 "$filing_pid" 2>/dev/null; do
     curl -s -o /dev/null -w '%{time_total}\n' -H "Cookie: $cookie" "$base/tickets/$ticket" >>"$OUT/filing-reads"; done) & reads_pid=$!
  (while kill -0 "$filing_pid" 2>/dev/null; do
     curl -s -o /dev/null -w '%{time_total}\n' -H "Cookie: $staff_cookie" -H "X-CSRF-Token: $staff_csrf" \
       -H 'Content-Type: application/json' -d "$create_body" "$base/api/v1/tickets" >>"$OUT/filing-writes"; done) & writes_pid=$!
  wait "$filing_pid"; wait "$reads_pid" "$writes_pid" 2>/dev/null || true
  read -r filing_code filing_s <"$OUT/filing-time"
  [ "$filing_code" = 201 ] || { echo "filing answered $filing_code: $(cat "$OUT/filing-answer")"; exit 1; }
  sealed=$(sed 's/.*"ticket_count": *\([0-9]*\).*/\1/' "$OUT/filing-answer")
  ms() { awk '{ printf "%s\n", $1 * 1000 }' "$1" >"$1.ms"; echo "p50 $(percentile "$1.ms" 50) ms, p99 $(percentile "$1.ms" 99) ms, max $(sort -n "$1.ms" | tail -1 | awk '{ printf "%.1f", $1 }') ms over $(wc -l <"$1.ms")"; }
  {
    echo
    echo "Filing street $STREET's ledger ($sealed tickets sealed): $(awk -v t="$filing_s" 'BEGIN { printf "%.2f", t }') s." \
      "Meanwhile, one at a time: the ticket page $(ms "$OUT/filing-reads"); ticket creation $(ms "$OUT/filing-writes")."
  } >>"$RESULTS"
  hwm=$(awk '/VmHWM/ { printf "%.0f MB", $2 / 1024 }' "/proc/$server/status")
  echo >>"$RESULTS"
  echo "Tickets created during the run: $(( after - before )). Server peak memory (VmHWM): $hwm." >>"$RESULTS"
  echo "" >>"$RESULTS"
  echo "Cards and reminders (the server's own passes): $sweeps." >>"$RESULTS"
  kill "$server"; wait "$server" 2>/dev/null || true

  # Each filter and search, one request at a time, on a fresh server (its first answer is the
  # cold one a person meets), then the median of five more.
  rm -f "$work" "$work-wal" "$work-shm"; cp "$seed" "$work"
  start "$OUT/serve-$n.log" "$LEDGER" serve --db "$work" --port 0 --data "$OUT/data-$n"
  base=$url; server=$pid
  sign_in
  code_of=$(sqlite3 "$work" "SELECT code FROM tickets ORDER BY id DESC LIMIT 1")
  ref_of=$(sqlite3 "$work" "SELECT coalesce(max(source_ref), 'none') FROM tickets")
  from_30=$(date -d '-30 days' +%F); from_3=$(date -d '-2 days' +%F); today=$(date +%F)
  enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }
  {
    echo
    echo "Filters and searches, one request at a time (ms; the list page, first page with its total):"
    echo
    echo "| filter | first answer | median of 5 |"
    echo "|---|---|---|"
  } >>"$RESULTS"
  for f in "q=$(enc 水)|one character 水" "q=$(enc 供水)|two characters 供水" "q=$(enc 噪声 扰民)|two words" \
           "q=$(enc "$code_of")|a ticket's code" "q=$(enc "$ref_of")|a 原工单号" "q=$(enc 水)&unit=$STREET|水, street $STREET" \
           "from=2020-01-01&to=$today|the whole ledger's days" "from=$from_30&to=$today|the last 30 days" \
           "from=$from_3&to=$today|the last 3 days" "unit=$STREET&from=$from_3&to=$today|street $STREET, the last 3 days" \
           "q=$(enc 水)&from=$from_30&to=$today|水, the last 30 days" "q=$(enc 水)&from=$from_3&to=$today|水, the last 3 days" \
           "sort=code|ordered by code" "sort=-code|ordered by code, reversed" "sort=deadline|ordered by deadline" \
           "sort=-created|ordered by 登记日期, newest first" "sort=status|ordered by state" \
           "sort=-created&p=50|newest first, page 50" "unit=$STREET&sort=deadline|street $STREET by deadline"; do
    u="$base/tickets?${f%%|*}"
    t0=$(curl -s -o /dev/null -w '%{time_total}' -H "Cookie: $cookie" "$u")
    ts=(); for _ in 1 2 3 4 5; do ts+=("$(curl -s -o /dev/null -w '%{time_total}' -H "Cookie: $cookie" "$u")"); done
    printf '| %s | %.1f | %.1f |\n' "${f#*|}" "$(awk -v t="$t0" 'BEGIN { print t * 1000 }')" \
      "$(awk -v t="$(median "${ts[@]}")" 'BEGIN { print t * 1000 }')" >>"$RESULTS"
  done
  kill "$server"; wait "$server" 2>/dev/null || true

  if [ -n "${BENCH_OTHER:-}" ]; then
    # The other tree's server on a fresh copy of the same seed, beside the same bare server.
    rm -f "$work" "$work-wal" "$work-shm"; cp "$seed" "$work"
    (cd "$BENCH_OTHER" && exec build/ledger serve --db "$OLDPWD/$work" --port 0 --data "$OLDPWD/$OUT/data-$n") \
      >"$OUT/other-$n.log" 2>&1 &
    pid=$!; pids+=("$pid")
    for _ in $(seq 1 600); do
      url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$OUT/other-$n.log" | head -1 || true)
      [ -n "$url" ] && break; sleep 0.1
    done
    [ -n "$url" ] || { echo "the other server did not start"; cat "$OUT/other-$n.log"; exit 1; }
    base=$url; server=$pid
    sign_in
    {
      echo
      echo "The other tree ($(cd "$BENCH_OTHER" && git log -1 --format='%h %s' | cut -c1-70)) on the same seed:"
      echo
      echo "| request | connections | requests/s | p50 | p99 | bare server requests/s | share of bare (each round) | CPU a request, server / bare |"
      echo "|---|---|---|---|---|---|---|---|"
    } >>"$RESULTS"
    pages
    row=$(BENCH_COOKIE=$staff_cookie BENCH_CSRF=$staff_csrf measure "ticket creation (POST, 201; wrk's latencies)" "$CONNS" "$SECONDS_EACH" \
          "$base/api/v1/tickets" -s bench/create.lua)
    echo "$row — | — | — |" >>"$RESULTS"
    hwm=$(awk '/VmHWM/ { printf "%.0f MB", $2 / 1024 }' "/proc/$server/status")
    echo >>"$RESULTS"
    echo "The other server's peak memory (VmHWM): $hwm." >>"$RESULTS"
    kill "$server"; wait "$server" 2>/dev/null || true
  fi
  kill "$bare_pid"; wait "$bare_pid" 2>/dev/null || true
  rm -f "$work" "$work-wal" "$work-shm"
done
echo
cat "$RESULTS"
