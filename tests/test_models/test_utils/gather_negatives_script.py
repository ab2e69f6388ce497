"""One SSL-TIE (or FNAC) training step on a fixed batch of 2B clips: in one process
(python), or split over 2 gloo ranks under DDP (torchrun), with ``gather_negatives``
as given. Rank 0 writes the loss and every parameter's gradient. Used by
test_gather_negatives.py, which launches it once per process layout::

    python gather_negatives_script.py OUT_DIR gather,local ssltie,fnac

writes ``OUT_DIR/<method>_<mode>.pt`` for every method and mode.

BatchNorm runs in eval mode: its batch statistics stay per rank by design (no
SyncBN on CPU), and the comparison is about the contrastive negatives.
"""
import os
import sys

import torch
import torch.distributed as dist
from mmengine.registry import init_default_scope
from torch.nn.parallel import DistributedDataParallel

from avloc.registry import MODELS
from avloc.structures import AVDataSample

BATCH = 8  # 2B: the whole batch of the single process


def fixed_batch():
    gen = torch.Generator().manual_seed(3)
    imgs = torch.randint(0, 255, (BATCH, 2, 3, 32, 32), dtype=torch.uint8, generator=gen)
    spec = torch.randn(BATCH, 1, 16, 20, generator=gen)
    samples = []
    for i in range(BATCH):
        s = AVDataSample(metainfo=dict(clip_id=str(i)))
        flip = torch.tensor([[-1.0, 0, 32], [0, 1, 0], [0, 0, 1]])
        s.homography_matrices = torch.stack([torch.eye(3), flip])  # view 2 is flipped
        s.valid_masks = torch.ones(2, 32, 32, dtype=torch.bool)
        samples.append(s)
    return dict(inputs=dict(imgs=list(imgs), spec=list(spec)), data_samples=samples)


MODELS_UNDER_TEST = dict(
    ssltie=dict(
        type='SSLTIE', visual_encoder=dict(type='VisualResNet18'),
        audio_encoder=dict(type='AudioResNet18'),
        head=dict(type='LocalizationContrastiveHead'),
        equivariance_loss=dict(type='EquivarianceLoss', cells='shared', loss_weight=5.0)),
    # Dropout off: its draws would differ between one process and two. The
    # FNAC terms from the first step; 2 x 2 maps so that the foreground is a part.
    fnac=dict(
        type='FNAC', visual_encoder=dict(type='VisualResNet18', layer4_stride=1),
        audio_encoder=dict(type='AudioResNet18'), head=dict(type='FNACHead'),
        embed_dim=64, visual_dropout=0.0),
)


def step(out_path: str, gather: bool, method: str, world: int, rank: int) -> None:
    """One training step of ``method``; rank 0 saves its loss and gradients."""
    torch.manual_seed(0)  # the same initial weights on every rank
    model = MODELS.build(dict(MODELS_UNDER_TEST[method],
                              data_preprocessor=dict(type='AVDataPreprocessor'),
                              gather_negatives=gather))
    model.eval()  # BatchNorm with running statistics, see the module docstring
    data = model.data_preprocessor(fixed_batch(), True)
    share = BATCH // world
    inputs = {k: v[rank * share:(rank + 1) * share] for k, v in data['inputs'].items()}
    samples = data['data_samples'][rank * share:(rank + 1) * share]
    net = DistributedDataParallel(model) if world > 1 else model
    losses = net(inputs, samples, mode='loss')  # through DDP's forward, as in training
    loss = sum(losses.values())
    loss.backward()  # DDP averages the gradients over ranks
    loss = loss.detach()
    if world > 1:
        dist.all_reduce(loss)
        loss /= world
    if rank == 0:
        grads = {name: p.grad for name, p in model.named_parameters()}
        torch.save(dict(loss=loss, grads=grads), out_path)


def main(out_dir: str, modes: str, methods: str) -> None:
    world = int(os.environ.get('WORLD_SIZE', 1))
    rank = 0
    if world > 1:
        dist.init_process_group('gloo')
        rank = dist.get_rank()
    init_default_scope('avloc')
    for method in methods.split(','):
        for mode in modes.split(','):
            step(os.path.join(out_dir, f'{method}_{mode}.pt'), mode == 'gather', method,
                 world, rank)
    if world > 1:
        dist.destroy_process_group()


if __name__ == '__main__':
    main(*sys.argv[1:4])
