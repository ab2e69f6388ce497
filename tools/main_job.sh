#!/usr/bin/env bash
# The main job: generate the embedded AVShapes benchmark (first run only), train
# SSL-TIE on it, score the test split and write heatmap overlays.
#   bash tools/main_job.sh [CONFIG]
# Scores print at the end (every protocol, per instance and with negative audio:
# tools/test.py --report, also in work_dirs/<config name>/report/); overlays go to
# work_dirs/<config name>/overlays/.
# WORK_DIR=DIR trains into DIR; METRICS_OUT=FILE also writes the scores to FILE as
# JSON (tools/test.py --metrics-out).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
CONFIG=${1:-configs/ssltie/ssltie_r18_1xb16-1e_avshapes.py}
NAME=$(basename "$CONFIG" .py)
WORK_DIR=${WORK_DIR:-work_dirs/$NAME}

python tools/train.py "$CONFIG" --work-dir "$WORK_DIR"
CHECKPOINT=$(cat "$WORK_DIR/last_checkpoint")
python tools/test.py "$CONFIG" "$CHECKPOINT" --work-dir "$WORK_DIR" --show-dir overlays \
    --report "$WORK_DIR/report" \
    ${METRICS_OUT:+--metrics-out "$METRICS_OUT"}
