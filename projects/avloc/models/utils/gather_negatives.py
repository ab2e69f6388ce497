"""Audio embeddings of every rank, for contrastive negatives shared across GPUs."""
from typing import Tuple

import torch
import torch.distributed as torch_dist
from mmengine.dist import get_rank, get_world_size


class _GatherWithGradient(torch.autograd.Function):
    """All-gather whose backward returns to each rank the sum, over ranks, of the
    gradient on its rows (an all-reduce, then this rank's slice): every backend
    has all-reduce, and the tensors are small (W * B x C)."""

    @staticmethod
    def forward(ctx, embeddings: torch.Tensor) -> torch.Tensor:
        ctx.rows = len(embeddings)
        parts = [torch.empty_like(embeddings) for _ in range(get_world_size())]
        torch_dist.all_gather(parts, embeddings.contiguous())
        return torch.cat(parts)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        grad = grad.contiguous()
        torch_dist.all_reduce(grad)
        start = get_rank() * ctx.rows
        return grad[start:start + ctx.rows]


def gather_across_ranks(embeddings: torch.Tensor) -> Tuple[torch.Tensor, int]:
    """Concatenate every rank's embeddings, keeping the gradient to each rank's own.

    The backward pass sends each rank the gradient that every rank's loss puts on its
    embeddings, so with DDP's gradient averaging a run of ``W`` ranks at batch ``B``
    takes the same step as one process at ``W * B`` (up to BatchNorm statistics,
    which stay per rank).

    Args:
        embeddings (Tensor): (B, C) this rank's embeddings.

    Returns:
        tuple: (W * B, C) embeddings in rank order, and the offset of this rank's
        first row in them (``rank * B``). Outside a distributed run: the input
        and 0.

    Raises:
        ValueError: When the ranks' batch sizes differ (a last, partial batch):
            the positives would sit at unknown offsets.
    """
    world_size = get_world_size()
    if world_size == 1 or not torch_dist.is_initialized():
        return embeddings, 0
    size = torch.tensor([len(embeddings)], device=embeddings.device)
    sizes = [torch.empty_like(size) for _ in range(world_size)]
    torch_dist.all_gather(sizes, size)
    if len({int(s) for s in sizes}) > 1:
        raise ValueError(
            'negatives gathered across ranks need the same batch size on every rank, '
            f'got {[int(s) for s in sizes]}: set train_dataloader.drop_last=True')
    return _GatherWithGradient.apply(embeddings), get_rank() * len(embeddings)
