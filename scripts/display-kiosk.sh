#!/usr/bin/env bash
# Start the waiting-room display: Chromium full screen on /display, allowed to speak unattended.
# Usage: scripts/display-kiosk.sh [URL]   (default http://127.0.0.1:8000/display)
# The flags are in config/display-chromium.flags (one place for every launcher).
set -euo pipefail
cd "$(dirname "$0")/.."
URL=${1:-${STATION_DISPLAY_URL:-http://127.0.0.1:8000/display}}
FLAGS=()
while IFS= read -r line; do
  line=${line%%#*}; line=${line//[$'\t\r ']/}
  [ -n "$line" ] && FLAGS+=("$line")
done < config/display-chromium.flags
BROWSER=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome)}
# A profile of its own: no restore prompts, no other tabs.
exec "$BROWSER" "${FLAGS[@]}" --user-data-dir="${XDG_STATE_HOME:-$HOME/.local/state}/station-display" --app="$URL"
