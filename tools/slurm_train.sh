#!/usr/bin/env bash
# Train on a Slurm cluster, one task per GPU (GPUS, GPUS_PER_NODE, CPUS_PER_TASK,
# SRUN_ARGS, PORT: see slurm_launch.sh).
#   GPUS=16 bash tools/slurm_train.sh PARTITION JOB_NAME CONFIG WORK_DIR \
#       [train.py options]
set -euo pipefail
if [ $# -lt 4 ]; then
    echo "usage: [GPUS=8] bash $0 PARTITION JOB_NAME CONFIG" \
         "WORK_DIR [train.py options]" >&2
    exit 2
fi
exec bash "$(dirname "$0")/slurm_launch.sh" "$1" "$2" train.py "$3" --work-dir="$4" \
    "${@:5}"
