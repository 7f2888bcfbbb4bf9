#!/usr/bin/env bash
# Serves Engage with its scheduler beside it; Ctrl+C stops both (exit status 0).
#   HOST      address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)
#   PORT      port to listen on (default 5000)
#   BASE_URL  the address used in links inside emails; follows HOST and PORT unless set
# The banner is printed once the web app answers, with the address it actually serves.
set -euo pipefail
cd "$(dirname "$0")/.."
export FLASK_APP=engage

HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-5000}"
if ! [[ "$PORT" =~ ^[0-9]{1,5}$ ]] || ((10#$PORT < 1 || 10#$PORT > 65535)); then
  echo "PORT must be a number from 1 to 65535 (got '$PORT')" >&2
  exit 2
fi
PORT=$((10#$PORT))
if ! [[ "$HOST" =~ ^[A-Za-z0-9.:_-]{1,253}$ ]]; then
  echo "HOST must be a host name or an IP address (got '$HOST')" >&2
  exit 2
fi

# The address people (and emails) should use: a wildcard address is reached on loopback.
case "$HOST" in
  0.0.0.0) reach=127.0.0.1 ;;
  ::) reach=::1 ;;
  *) reach="$HOST" ;;
esac
if [[ "$reach" == *:* ]]; then url_host="[$reach]"; else url_host="$reach"; fi
url="http://$url_host:$PORT"
export BASE_URL="${BASE_URL:-$url}"

answers() { (exec 3<>"/dev/tcp/$reach/$PORT") 2>/dev/null; }

if answers; then
  echo "Something is already serving $url: stop it, or choose another port, e.g. PORT=5050 make run" >&2
  exit 1
fi

pids=()
stop() {
  trap - EXIT
  trap '' INT TERM # a second Ctrl+C while stopping changes nothing
  if ((${#pids[@]})); then
    kill -TERM "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
}
# Ctrl+C (the terminal signals the whole group; background children ignore SIGINT, so they are
# asked to stop with SIGTERM) or a supervisor's SIGTERM: stop both, then end with status 0.
trap 'echo; echo "Stopping Engage..."; stop; echo "Engage stopped."; exit 0' INT TERM
trap stop EXIT

.venv/bin/flask scheduler &
pids+=("$!")
.venv/bin/flask run --host "$HOST" --port "$PORT" --no-reload &
web=$!
pids+=("$web")

for _ in $(seq 600); do
  if answers; then
    echo
    echo "Engage is running: $url  (staff sign-in: $url/staff/sign-in)"
    echo "Links in emails use BASE_URL=$BASE_URL. Ctrl+C stops the web app and the scheduler."
    echo
    break
  fi
  if ! kill -0 "$web" 2>/dev/null; then
    break
  fi
  sleep 0.1
done

# Runs until Ctrl+C, or until either process ends by itself (then the other is stopped too).
status=0
wait -n "${pids[@]}" || status=$?
((status)) || status=1
echo "Engage stopped: the web app or the scheduler ended by itself (status $status)." >&2
exit "$status"
