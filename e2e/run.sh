#!/usr/bin/env bash
# `make e2e`: the bot on a fresh demo workbook, the Microsoft 365 Agents Playground in front
# of it, and scenario.mjs driving the Playground in headless Chromium; then every card the
# bot sends through the Adaptive Cards renderer (render_cards.mjs). Both servers run on free
# loopback ports in their own process groups and are always stopped, whatever happens.
#
# Needs what `make e2e` installs first: .venv, e2e/node_modules and /usr/bin/chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=$ROOT/.venv/bin
E2E=$ROOT/e2e
ARTIFACTS=$E2E/artifacts
# Helår 2026 is open on this day, so the run does not depend on today's date.
TODAY=${E2E_TODAY:-2026-12-15}
PLAYGROUND_USER=alexw@example.com # the Playground's signed-in user, Alex Wilber
STARTUP_SECONDS=60

work=$(mktemp -d "${TMPDIR:-/tmp}/ikbot-e2e.XXXXXX")
bot_pid=""
playground_pid=""
child_pid=""
child_name=""

say() { printf 'e2e: %s\n' "$*"; }

# Stop a process group (its leader's pid): TERM, then KILL after five seconds.
stop_group() {
  local pid=$1 name=$2
  [ -n "$pid" ] || return 0
  kill -0 -- "-$pid" 2>/dev/null || return 0
  kill -TERM -- "-$pid" 2>/dev/null || true
  for _ in $(seq 50); do
    kill -0 -- "-$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  say "$name stannade inte på TERM; avslutar med KILL."
  kill -KILL -- "-$pid" 2>/dev/null || true
}

cleanup() {
  local code=$?
  trap - EXIT INT TERM
  stop_group "$child_pid" "$child_name"
  stop_group "$playground_pid" "Playground"
  stop_group "$bot_pid" "boten"
  for pid in $child_pid $playground_pid $bot_pid; do
    if kill -0 -- "-$pid" 2>/dev/null; then
      say "processgrupp $pid lever fortfarande."
      code=1
    fi
  done
  mkdir -p "$ARTIFACTS"
  [ -f "$work/bot.log" ] && cp "$work/bot.log" "$ARTIFACTS/bot.log"
  [ -f "$work/playground.log" ] && cp "$work/playground.log" "$ARTIFACTS/playground.log"
  [ -d "$work/devTools" ] && cp -r "$work/devTools" "$ARTIFACTS/playground-devTools"
  if [ "$code" -ne 0 ]; then
    if [ -s "$work/bot.log" ]; then
      echo "----- botens logg (sista 40 raderna) -----"
      tail -n 40 "$work/bot.log"
    fi
    if [ -s "$work/playground.log" ]; then
      echo "----- Playgrounds logg (sista 20 raderna) -----"
      tail -n 20 "$work/playground.log"
    fi
    echo "------------------------------------------"
    say "MISSLYCKADES. Loggar och skärmbilder: $ARTIFACTS"
  fi
  rm -rf "$work"
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Run a command with a time limit. `timeout` leads its own process group (Chromium and all),
# which cleanup stops if the run is interrupted meanwhile.
run_bounded() {
  local seconds=$1 code=0
  child_name=$2
  shift 2
  timeout -k 10 "$seconds" "$@" &
  child_pid=$!
  wait "$child_pid" || code=$?
  child_pid=""
  return "$code"
}

# A port the kernel just handed out on loopback (free unless someone grabs it meanwhile).
free_port() {
  "$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Wait until a process is alive and a loopback port accepts connections.
wait_for_port() {
  local port=$1 pid=$2 name=$3
  for _ in $(seq $((STARTUP_SECONDS * 10))); do
    if ! kill -0 "$pid" 2>/dev/null; then
      say "$name avslutades under starten (se loggen nedan)."
      return 1
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  say "$name lyssnar inte på port $port efter $STARTUP_SECONDS s."
  return 1
}

rm -rf "$ARTIFACTS"
mkdir -p "$ARTIFACTS"

# The bot: `ikbot serve --demo` in a temporary data dir, anonymous on loopback. Settings a
# developer may have in the shell (a workbook, SharePoint, strategists, Bot Framework
# credentials) are cleared so the run always serves the demo the same way.
bot_port=$(free_port)
unset IKBOT_WORKBOOK IKBOT_STRATEGISTS IKBOT_STRATEGIST_GROUP_ID
for name in $(compgen -e); do
  case $name in IKBOT_GRAPH_* | CONNECTIONS__* | CONNECTIONSMAP__*) unset "$name" ;; esac
done
export IKBOT_DATA_DIR="$work/data" IKBOT_TODAY="$TODAY" IKBOT_HOST=127.0.0.1 IKBOT_PORT="$bot_port"
# No background reminder sweep (it would post whenever the run meets Swedish working hours):
# the scenario runs one sweep itself with `ikbot remind --at`.
export IKBOT_REMINDER_INTERVAL=0
say "startar boten på 127.0.0.1:$bot_port (demoarbetsböcker, IKBOT_TODAY=$TODAY)"
setsid "$BIN/ikbot" serve --demo >"$work/bot.log" 2>&1 </dev/null &
bot_pid=$!
wait_for_port "$bot_port" "$bot_pid" "Boten"

# The Playground, offline, pointed at the bot. It picks another port if the one asked for
# is taken, so the port it reports is the one used. It writes a devTools/ log folder into
# its working directory: the temporary one.
asked_port=$(free_port)
say "startar Microsoft 365 Agents Playground"
# The log exists before the background start opens it: the loop below may read it first,
# and under `set -e -o pipefail` a sed on a missing file would end the run.
: >"$work/playground.log"
(
  cd "$work"
  TEAMSAPPTESTER_BROWSER=none exec setsid "$E2E/node_modules/.bin/agentsplayground" start \
    -e "http://127.0.0.1:$bot_port/api/messages" -c msteams --disable-telemetry -p "$asked_port"
) >"$work/playground.log" 2>&1 </dev/null &
playground_pid=$!
playground_port=""
for _ in $(seq $((STARTUP_SECONDS * 10))); do
  playground_port=$(sed -n 's/^Listening on \([0-9]*\).*/\1/p' "$work/playground.log" | head -n 1) || true
  [ -n "$playground_port" ] && break
  if ! kill -0 "$playground_pid" 2>/dev/null; then break; fi
  sleep 0.1
done
if [ -z "$playground_port" ]; then
  say "Playground startade inte."
  exit 1
fi
wait_for_port "$playground_port" "$playground_pid" "Playground"
say "Playground på http://127.0.0.1:$playground_port/"

# The scenario in headless Chromium; the servers are stopped whatever it finds.
say "kör scenariot i Chromium"
scenario_code=0
E2E_PLAYGROUND="http://127.0.0.1:$playground_port/" E2E_WORKBOOK="$IKBOT_DATA_DIR/demo" \
  E2E_IKBOT="$BIN/ikbot" E2E_PYTHON="$BIN/python" E2E_ARTIFACTS="$ARTIFACTS" \
  E2E_USER="$PLAYGROUND_USER" run_bounded 240 scenariot node "$E2E/scenario.mjs" ||
  scenario_code=$?

stop_group "$playground_pid" "Playground"
stop_group "$bot_pid" "boten"

# Every card kind, built by the real card builders, through the renderer.
say "renderar alla korttyper med adaptivecards (Teams host config)"
render_code=0
"$BIN/python" -m e2e.dump_cards "$work/cards"
run_bounded 120 kortkontrollen node "$E2E/render_cards.mjs" "$work/cards" "$ARTIFACTS/cards" ||
  render_code=$?
# The same cards at a phone's width (340 px): none may need sideways scrolling.
say "mäter alla korttyper i 340 px bredd (telefon)"
run_bounded 120 telefonkontrollen node "$E2E/measure_cards.mjs" "$work/cards" "$ARTIFACTS/phone" \
  >"$ARTIFACTS/phone.md" || render_code=$?

verdict() { if [ "$1" -eq 0 ]; then echo ok; else echo "FEL (kod $1)"; fi; }
if [ "$scenario_code" -ne 0 ] || [ "$render_code" -ne 0 ]; then
  say "scenariot: $(verdict "$scenario_code"), kortkontrollen: $(verdict "$render_code")"
  exit 1
fi
say "allt gick igenom. Skärmbilder: $ARTIFACTS"
