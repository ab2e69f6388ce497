"""SLAVC's head (Mo & Morgado, NeurIPS 2022): its targets, positives at an offset and
negatives gathered across ranks. Its numbers against the public code are checked
through the model in tests/test_models/test_algorithms/test_slavc.py."""
import pytest
import torch

from avloc.models.heads import SLAVCHead
from avloc.models.utils import AVEmbeddings

TAU = 0.03


def unit(x):
    """Each of the two D-dim projections L2-normalised, as SLAVC embeds."""
    return torch.cat([torch.nn.functional.normalize(h, dim=1) for h in x.chunk(2, 1)], 1)


def test_head_needs_targets_and_finds_positives_at_an_offset():
    head = SLAVCHead(tau=TAU)
    visual, audio = unit(torch.randn(2, 8, 3, 3)), unit(torch.randn(2, 8))
    with pytest.raises(ValueError, match='visual_target and audio_target'):
        head.loss(AVEmbeddings(visual, audio))
    other = unit(torch.randn(2, 8))
    wide = head.log_scores(visual, torch.cat([other, audio]))  # own audios at offset 2
    narrow = head.log_scores(visual, audio)
    assert wide.shape == (2, 4)
    # the location softmax is per audio: the own-audio columns' second factor is
    # unchanged, the first (over audios) only gains candidates
    assert (wide[:, 2:] <= narrow + 1e-6).all()


def _head_on_rank(rank, world, init_file, inputs, out):
    """One rank's share of the batch through SLAVCHead with negatives gathered;
    the gradient each rank's embeddings receive, summed over ranks' losses."""
    import torch.distributed as dist
    dist.init_process_group('gloo', init_method=f'file://{init_file}', rank=rank,
                            world_size=world)
    share = len(inputs[0]) // world
    parts = [t[rank * share:(rank + 1) * share].clone().requires_grad_(i < 2)
             for i, t in enumerate(inputs)]  # the online rows need a gradient
    loss = SLAVCHead(tau=TAU).loss(AVEmbeddings(*parts, across_ranks=True))['loss_slavc']
    loss.backward()  # DDP would average the ranks' gradients: the mean loss's
    total = loss.detach().clone()
    dist.all_reduce(total)
    torch.save(dict(loss=total / world, grads=[p.grad for p in parts[:2]]),
               f'{out}.{rank}')
    dist.destroy_process_group()


def test_gathered_negatives_equal_one_process_at_twice_the_batch(tmp_path):
    """2 ranks x B with across_ranks: the mean loss equals the one-process loss at 2B
    and each rank's online embeddings get their rows of its gradient (divided by the
    world size, as DDP averages)."""
    gen = torch.Generator().manual_seed(0)
    inputs = [unit(torch.randn(4, 8, 3, 3, generator=gen)),
              unit(torch.randn(4, 8, generator=gen)),
              unit(torch.randn(4, 8, 3, 3, generator=gen)),
              unit(torch.randn(4, 8, generator=gen))]
    whole = [t.clone().requires_grad_(i < 2) for i, t in enumerate(inputs)]
    loss = SLAVCHead(tau=TAU).loss(AVEmbeddings(*whole))['loss_slavc']
    loss.backward()
    out = str(tmp_path / 'rank')
    torch.multiprocessing.spawn(_head_on_rank, nprocs=2,
                                args=(2, str(tmp_path / 'init'), inputs, out))
    ranks = [torch.load(f'{out}.{r}', weights_only=True) for r in range(2)]
    torch.testing.assert_close(ranks[0]['loss'], loss.detach(), rtol=1e-5, atol=1e-6)
    for which in (0, 1):  # online visual maps (own rows) and audios (gathered)
        gathered = torch.cat([r['grads'][which] for r in ranks]) / 2
        torch.testing.assert_close(gathered, whole[which].grad, rtol=1e-4, atol=1e-6)
