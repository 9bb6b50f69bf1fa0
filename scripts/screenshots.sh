#!/usr/bin/env bash
# Runs the real app under Xvfb with openbox, a "capture card" window showing a room with a
# real item capture in it, captures that window live through xcap, freezes, draws a box with
# xdotool, and saves screenshots (taken with xcap too) to docs/screenshots/ for people to look at.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${SHARED:-../shared/isaac}
out=${OUT:-docs/screenshots}
bin=target/release/isaac-lens
mkdir -p "$out"
cargo build --release --example frame_viewer >/dev/null
viewer=target/release/examples/frame_viewer

display=:${SCREEN_NUMBER:-77}
export DISPLAY=$display
Xvfb "$display" -screen 0 1920x1080x24 >/dev/null 2>&1 &
pids=($!)
cleanup() { kill "${pids[@]}" 2>/dev/null || true; }
trap cleanup EXIT
sleep 1
openbox >/dev/null 2>&1 &
pids+=($!)
sleep 1

"$viewer" "$shared/backgrounds/rooms/Stage_Basement_room.jpg" "$shared/real-examples/test_00022.png" "Capture card (OBS)" >/dev/null 2>&1 &
pids+=($!)
sleep 2
xdotool search --sync --name "Capture card" windowmove 0 0

shot() { "$bin" capture --out "$out/$1.png" ${2:+--window "$2"} >/dev/null; echo "[screenshots] $out/$1.png"; }
app_window() { xdotool search --sync --name "Isaac Lens · 以撒识图" | head -n 1; }

# Lookup: live capture of the viewer window, frozen, a box drawn around the item.
"$bin" app --source "Capture card" >/dev/null 2>&1 &
app=$!
pids+=($app)
sleep 8
win=$(app_window)
xdotool windowmove "$win" 620 40 windowsize "$win" 1280 820
sleep 2
xdotool windowactivate --sync "$win" key F8 || xdotool key F8
sleep 1
# The canvas fills the window left of the 340 px results column, below the tab and source bars.
eval "$(xdotool getwindowgeometry --shell "$win")"
cx=$((X + (WIDTH - 350) / 2)); cy=$((Y + 100 + (HEIGHT - 100) / 2))
xdotool mousemove $((cx - 85)) $((cy - 75)) mousedown 1 mousemove $((cx - 20)) $((cy - 10)) sleep 0.2 \
  mousemove $((cx + 85)) $((cy + 75)) sleep 0.2 mouseup 1
sleep 3
shot lookup
kill "$app"; sleep 1

for tab in catalog training; do
  "$bin" app --tab "$tab" >/dev/null 2>&1 &
  app=$!
  pids+=($app)
  sleep 6
  win=$(app_window)
  xdotool windowmove "$win" 0 0 windowsize "$win" 1280 820
  sleep 2
  if [ "$tab" = catalog ]; then
    eval "$(xdotool getwindowgeometry --shell "$win")"
    xdotool mousemove $((X + 100)) $((Y + 110)) click 1 sleep 0.3 type "onion"
    sleep 0.5
    xdotool mousemove $((X + 80)) $((Y + 170)) click 1
  fi
  sleep 2
  shot "$tab" "Isaac Lens · 以撒识图"
  kill "$app"; sleep 1
done
