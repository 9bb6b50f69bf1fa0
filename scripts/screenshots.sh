#!/usr/bin/env bash
# Runs the real app under Xvfb with openbox, a "capture card" window showing a room with a
# real item capture in it, captures that window live through xcap, freezes, draws a box with
# xdotool, and saves screenshots (taken with xcap too) to docs/screenshots/ for people to look at.
# Then a shop built from a real room render training never saw, with held-out real art around
# its items (`scan_validation::room_frames`), in the viewer, watched in companion mode: the
# scan's boxes over the frame and the room's items in the floating panel; and the same shop
# under the Curse of the Blind.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${SHARED:-../shared/isaac}
out=${OUT:-docs/screenshots}
bin=target/release/isaac-lens
mkdir -p "$out"
cargo build --release --example frame_viewer --example frame_samples >/dev/null
viewer=target/release/examples/frame_viewer
target/release/examples/frame_samples out/screenshot-frames 2 >/dev/null

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
# The main window: the app's first visible window (the results panel comes later).
app_window() { xdotool search --sync --onlyvisible --pid "$app" | head -n 1; }

# Lookup: live capture of the viewer window, frozen, a box drawn around the item.
# Side by side: an X server without a compositor captures covered parts of a window as black.
"$bin" app --source "Capture card" >/dev/null 2>&1 &
app=$!
pids+=($app)
sleep 8
win=$(app_window)
xdotool windowmove "$win" 960 0 windowsize "$win" 960 1000
sleep 3
xdotool windowactivate --sync "$win" key F8 || xdotool key F8
sleep 1
# The canvas fills the window left of the results column, below the tab and source bars; the
# 960x600 frame is fitted into it, with the item capture (164x140) in the middle.
eval "$(xdotool getwindowgeometry --shell "$win")"
cw=$((WIDTH - 360)); ch=$((HEIGHT - 103))
cx=$((X + 12 + (WIDTH - 330) / 2)); cy=$((Y + 62 + (HEIGHT - 70) / 2))
fit=$(( (cw * 1000 / 960) < (ch * 1000 / 600) ? (cw * 1000 / 960) : (ch * 1000 / 600) ))
hw=$((95 * fit / 1000)); hh=$((80 * fit / 1000))
xdotool mousemove $((cx - hw)) $((cy - hh)) mousedown 1 mousemove $((cx - hw + 20)) $((cy - hh + 20)) sleep 0.2 \
  mousemove $((cx + hw)) $((cy + hh)) sleep 0.2 mouseup 1
sleep 3
# The floating panel below the viewer, off the main window.
xdotool search --sync --name "results" | head -n 1 | xargs -I{} xdotool windowmove {} 40 600
sleep 1
shot lookup
kill "$app"; sleep 1

# Companion mode: the viewer shows FRAME; the app scans it as soon as the picture settles and
# the floating panel lists the room's items; the shot is saved as NAME. The panel goes below
# the viewer: an X server without a compositor captures a covered window as black, and a
# window over the captured one would be scanned too.
companion_shot() {
  local frame=$1 name=$2
  kill "$(xdotool search --name "Capture card" getwindowpid)" 2>/dev/null || true
  # The old viewer's window gone first (at most 5 s), so the search below finds the new one.
  for _ in $(seq 25); do xdotool search --name "Capture card" >/dev/null || break; sleep 0.2; done
  "$viewer" "$frame" - "Capture card (OBS)" >/dev/null 2>&1 &
  pids+=($!)
  sleep 2
  local viewer_win
  viewer_win=$(xdotool search --sync --name "Capture card" | head -n 1)
  xdotool windowmove "$viewer_win" 0 0
  "$bin" app --source "Capture card" --companion >/dev/null 2>&1 &
  app=$!
  pids+=($app)
  sleep 8
  win=$(app_window)
  xdotool windowmove "$win" 960 0 windowsize "$win" 960 1000
  eval "$(xdotool getwindowgeometry --shell "$viewer_win")"
  xdotool search --sync --name "results" | head -n 1 |
    xargs -I{} xdotool windowmove {} 40 $((Y + HEIGHT + 40))
  sleep 6
  shot "$name"
  kill "$app"; sleep 1
}
companion_shot out/screenshot-frames/room_1.png scan
# Curse of the Blind: a shop whose items all show the catalog's "?"
# (`scan_validation::blind_room_frames`): the panel lists hidden items, with their prices.
companion_shot out/screenshot-frames/blind_room_1.png blind

for tab in catalog training settings; do
  "$bin" app --tab "$tab" >/dev/null 2>&1 &
  app=$!
  pids+=($app)
  sleep 6
  win=$(app_window)
  xdotool windowmove "$win" 0 0 windowsize "$win" 1280 820
  sleep 2
  if [ "$tab" = catalog ]; then
    eval "$(xdotool getwindowgeometry --shell "$win")"
    xdotool windowactivate --sync "$win" mousemove --window "$win" 90 110 click 1
  elif [ "$tab" = training ]; then
    # "Default recipe" (next to the Recipe heading), then a short look at live training:
    # curves, throughput, ETA (the run is discarded on exit). A run from the current model first
    # checks that model on the held-out sets (about a minute on 2 cores).
    xdotool windowactivate --sync "$win" mousemove --window "$win" 130 47 sleep 0.5 click 1
    sleep 1
    xdotool mousemove --window "$win" 428 52 sleep 0.5 click 1
    sleep 110
  fi
  sleep 2
  shot "$tab" "Isaac Lens"
  kill "$app"; sleep 1
done

# The Run tab after a short run played through the app in companion mode: feh shows a room
# with three items, then the first taken, then a shop, then one bought (`run_frames`); The D6
# in the HUD. Data and settings of its own; the floating panel kept off the main window.
cargo build --release --example run_frames >/dev/null
target/release/examples/run_frames out/run-frames
cp out/run-frames/a1.png out/run-frames/live.png
feh --title "Isaac room (feh)" --reload 1 --geometry +0+0 out/run-frames/live.png >/dev/null 2>&1 &
pids+=($!)
rundata=$(mktemp -d)
ISAAC_LENS_DATA=$rundata XDG_DATA_HOME=$rundata/xdg "$bin" --catalog "$("$bin" info | sed -n 's/^data folder: //p')/catalog" \
  app --companion --source "Isaac room" --tab run --model models/default >/dev/null 2>&1 &
app=$!
pids+=($app)
place() {
  local panel; panel=$(xdotool search --name "results" 2>/dev/null | head -n 1)
  for w in $(xdotool search --pid "$app" 2>/dev/null); do
    if [ "$w" = "$panel" ]; then xdotool windowmove "$w" 1700 0; else xdotool windowmove "$w" 970 0 windowsize "$w" 720 1000; fi
  done
}
sleep 10; place
for step in a1:8 a2:6 b1:8 b2:6; do
  cp "out/run-frames/${step%:*}.png" out/run-frames/live.tmp.png
  mv out/run-frames/live.tmp.png out/run-frames/live.png
  sleep "${step#*:}"; place
done
"$bin" capture --out "$out/run.png" --window "Isaac Lens · 以" >/dev/null
echo "[screenshots] $out/run.png"
kill "$app"; rm -rf "$rundata"
