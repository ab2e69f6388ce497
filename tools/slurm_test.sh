#!/usr/bin/env bash
# Test on a Slurm cluster, one task per GPU (GPUS, GPUS_PER_NODE, CPUS_PER_TASK,
# SRUN_ARGS, PORT: see slurm_launch.sh).
#   GPUS=8 bash tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT \
#       [test.py options]
set -euo pipefail
if [ $# -lt 4 ]; then
    echo "usage: [GPUS=8] bash $0 PARTITION JOB_NAME CONFIG" \
         "CHECKPOINT [test.py options]" >&2
    exit 2
fi
exec bash "$(dirname "$0")/slurm_launch.sh" "$1" "$2" test.py "$3" "$4" "${@:5}"
