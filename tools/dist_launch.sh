#!/usr/bin/env bash
# Run a tool under torchrun; dist_train.sh and dist_test.sh call it.
#   bash tools/dist_launch.sh TOOL NPROC [tool arguments]   (TOOL: train.py or test.py)
# Without CUDA the processes talk over gloo on the CPU.
set -e
TOOL=$1
NPROC=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
ROOT=$(cd "$(dirname "$0")/.." && pwd)

PYTHONPATH="$ROOT/projects:$PYTHONPATH" \
torchrun --nnodes="$NNODES" --node_rank="$NODE_RANK" --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$NPROC" --master_port="$PORT" \
    "$ROOT/tools/$TOOL" "${@:3}" --launcher pytorch
