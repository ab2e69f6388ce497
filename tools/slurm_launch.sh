#!/usr/bin/env bash
# Run a tool as a Slurm job step, one task per GPU; slurm_train.sh and slurm_test.sh
# call it. From a login node srun asks for the nodes itself; inside an sbatch job it
# starts the step on the job's nodes (tools/slurm_sbatch_example.sh, docs/cluster.md).
#   bash tools/slurm_launch.sh PARTITION JOB_NAME TOOL [tool arguments]
# TOOL is train.py or test.py; the tool gets --launcher=slurm after its arguments.
#
# Environment (mmpretrain's names):
#   GPUS           tasks (= GPUs) in all. Default 8.
#   GPUS_PER_NODE  tasks and GPUs per node. Default min(GPUS, 8).
#   CPUS_PER_TASK  CPUs per task. Default 10: the VGGSound configs run 8 dataloader
#                  workers per task; the train and val loaders and the audio-mixing
#                  hook's embedding loader (8 workers too) take turns, so 8 busy
#                  workers, the training process, and one CPU to spare (checkpoint
#                  writing, the process's own torch threads). Lower it together with
#                  num_workers on nodes with fewer cores.
#   SRUN_ARGS      more srun options, split on whitespace: "--time=2-00:00:00 --qos=high".
#   PORT           rendezvous port on the first node, exported to every task as
#                  MASTER_PORT (an exported MASTER_PORT serves when PORT is unset).
#                  Default: 20000 + SLURM_JOB_ID % 10000 inside a job (two jobs on a
#                  node collide only if their ids differ by a multiple of 10000), else
#                  a random port in 20000-29999. Two steps running at once in one job
#                  need a PORT each.
# MMEngine's slurm launcher reads SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID and the
# first host of SLURM_NODELIST (an exported MASTER_ADDR replaces that host).
set -euo pipefail
if [ $# -lt 3 ]; then
    echo "usage: [GPUS=8] [GPUS_PER_NODE=8] [CPUS_PER_TASK=10] [SRUN_ARGS=...]" \
         "[PORT=...] bash $0 PARTITION JOB_NAME TOOL [tool arguments]" >&2
    exit 2
fi
PARTITION=$1
JOB_NAME=$2
TOOL=$3
ROOT=$(cd "$(dirname "$0")/.." && pwd)
positive_int() {  # NAME VALUE
    if ! [[ $2 =~ ^[1-9][0-9]*$ ]]; then
        echo "$0: $1=$2 is not a positive integer" >&2
        exit 2
    fi
}
GPUS=${GPUS:-8}
positive_int GPUS "$GPUS"
GPUS_PER_NODE=${GPUS_PER_NODE:-$(( GPUS < 8 ? GPUS : 8 ))}
CPUS_PER_TASK=${CPUS_PER_TASK:-10}
read -r -a SRUN_EXTRA <<< "${SRUN_ARGS:-}"
if [[ ${SLURM_JOB_ID:-} =~ ^[0-9]+$ ]]; then
    DEFAULT_PORT=$(( 20000 + SLURM_JOB_ID % 10000 ))
else
    DEFAULT_PORT=$(( 20000 + RANDOM % 10000 ))
fi
PORT=${PORT:-${MASTER_PORT:-$DEFAULT_PORT}}
positive_int GPUS_PER_NODE "$GPUS_PER_NODE"
positive_int CPUS_PER_TASK "$CPUS_PER_TASK"
positive_int PORT "$PORT"
if (( PORT > 65535 )); then
    echo "$0: PORT=$PORT is not a port (1-65535)" >&2
    exit 2
fi
if [ ! -f "$ROOT/tools/$TOOL" ]; then
    echo "$0: no tool $ROOT/tools/$TOOL (train.py or test.py)" >&2
    exit 2
fi

export PYTHONPATH="$ROOT/projects${PYTHONPATH:+:$PYTHONPATH}"
export MASTER_PORT=$PORT
set -x
exec srun -p "$PARTITION" --job-name="$JOB_NAME" --gres=gpu:"$GPUS_PER_NODE" \
    --ntasks="$GPUS" --ntasks-per-node="$GPUS_PER_NODE" --cpus-per-task="$CPUS_PER_TASK" \
    --kill-on-bad-exit=1 "${SRUN_EXTRA[@]}" \
    python -u "$ROOT/tools/$TOOL" "${@:4}" --launcher=slurm
