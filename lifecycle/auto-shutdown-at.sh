#!/bin/bash
# Stop this space every day at a fixed local time (HH:MM or HH:MM:SS), for
# spaces that must not run overnight. Starts a small background waiter.
set -euo pipefail
STOP_AT="${STOP_AT:-20:00}"

mkdir -p "$HOME/.smstudio"
PIDFILE="$HOME/.smstudio/auto-shutdown.pid"
# One waiter per space: replace the one an earlier start left behind.
if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
  kill "$(cat "$PIDFILE")" 2>/dev/null || true
fi
nohup python3 - "$STOP_AT" >>"$HOME/.smstudio/auto-shutdown.log" 2>&1 <<'PY' &
import datetime, os, sys, time

from jupyter_smstudio.client import Client

parts = [int(p) for p in sys.argv[1].split(":")]
now = datetime.datetime.now()
at = now.replace(hour=parts[0], minute=parts[1], second=parts[2] if len(parts) > 2 else 0,
                 microsecond=0)
if at <= now:
    at += datetime.timedelta(days=1)
print(f"{now:%F %T} space {os.environ['SMSTUDIO_SPACE']} will stop at {at:%F %T}", flush=True)
time.sleep((at - now).total_seconds())
# Logged first: stopping the space ends everything its lifecycle scripts started, this too.
print(f"{datetime.datetime.now():%F %T} stopping the space", flush=True)
Client().stop_space(os.environ["SMSTUDIO_SPACE"])
PY
echo $! >"$PIDFILE"
echo "This space will stop at $STOP_AT (log: ~/.smstudio/auto-shutdown.log)"
