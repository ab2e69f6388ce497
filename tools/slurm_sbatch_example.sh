#!/usr/bin/env bash
# Train on 2 nodes x 8 GPUs as a batch job. Submit from the repository root (sbatch
# runs a copy of this file, so the tools are found through SLURM_SUBMIT_DIR):
#   sbatch [-p PARTITION] tools/slurm_sbatch_example.sh CONFIG WORK_DIR [train.py options]
#   sbatch -p gpu tools/slurm_sbatch_example.sh \
#       configs/ssltie/ssltie_r18_1xb32-100e_vggsound144k.py work_dirs/ssltie_vggsound144k
# Inside the job, srun (through slurm_train.sh) starts one task per allocated GPU on
# the job's nodes; GPUS, GPUS_PER_NODE and CPUS_PER_TASK come from the lines below,
# so resizing the job means editing only them. The rendezvous port derives from the
# job id (slurm_launch.sh). WORK_DIR must be on a filesystem every node sees.
# The configs' batch size is per GPU (16 x 32 here, where the recipe is 1 x 32);
# --cfg-options auto_scale_lr.enable=True scales the learning rate linearly.
#SBATCH --job-name=avloc
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=8
#SBATCH --gres=gpu:8
#SBATCH --cpus-per-task=10
#SBATCH --time=2-00:00:00
#SBATCH --output=slurm-%j.out
set -euo pipefail
cd "${SLURM_SUBMIT_DIR:-.}"
if [ ! -f tools/slurm_train.sh ] || [ $# -lt 2 ]; then
    echo "usage: sbatch [-p PARTITION] tools/slurm_sbatch_example.sh CONFIG WORK_DIR" \
         "[train.py options], from the avloc repository root" >&2
    exit 2
fi
GPUS=$(( SLURM_JOB_NUM_NODES * SLURM_NTASKS_PER_NODE )) \
GPUS_PER_NODE=$SLURM_NTASKS_PER_NODE CPUS_PER_TASK=$SLURM_CPUS_PER_TASK \
    exec bash tools/slurm_train.sh "$SLURM_JOB_PARTITION" "$SLURM_JOB_NAME" "$@"
