#!/usr/bin/env bash
# The main job: a catalog and a model ready, then the app (or, with no display, the command line).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/isaac-lens
shared=${SHARED:-../shared/isaac}

# A catalog from before the transformations, the price font, the altars or a hidden item's marks
# were imported is imported again.
info=$("$bin" info 2>/dev/null || true)
if ! "$bin" catalog show collectible:145 2>/dev/null | grep '^transformations:' >/dev/null \
  || ! grep '^price font: [0-9]' <<<"$info" >/dev/null \
  || ! grep '^altars: [0-9]' <<<"$info" >/dev/null \
  || grep '^hidden-item marks: 0' <<<"$info" >/dev/null; then
  echo "[run] importing the catalog from $shared"
  "$bin" catalog import --huiji "$shared/huiji" --eid "$shared/eid" --art "$shared/art-versions" --game-files "$shared/game-files" --entities "$shared/entities"
fi
# The player's own model, else the one shipped in models/default (built into the binary).
model_dir=$("$bin" info --model-dir)
if [ ! -f "$model_dir/manifest.json" ]; then
  echo "[run] this build carries no model: training one with the default recipe"
  "$bin" train
fi
"$bin" info
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && "$bin" app --help >/dev/null 2>&1; then
  exec "$bin" "$@"
fi
echo "[run] no display: recognising the real captures in $shared/real-examples instead"
"$bin" eval --labels "$shared/real-examples/labels.csv"
"$bin" predict --top 3 "$shared"/real-examples/*.png
