"""LVS's localisation contrastive head against ssltie.md's formulas."""
import pytest
import torch

from avloc.models.heads import LocalizationContrastiveHead
from avloc.models.utils import AVEmbeddings, cosine_heatmaps


def transcribed_lvs_loss(cross, eps=0.65, eps2=0.4, tau=0.03, t=0.07, quirk=False):
    """ssltie.md's formulas, one image at a time, with Python loops."""
    b = cross.shape[0]
    sig = lambda x: 1 / (1 + torch.exp(-x))  # noqa: E731
    total = 0.0
    for i in range(b):
        a_ii = cross[i, i]
        p = sig((a_ii - eps) / tau)
        n = 1 - sig((a_ii - eps2) / tau)
        s_pos = (p * a_ii).sum() / p.sum()
        s_hn = (n * a_ii).sum() / n.sum()
        negs = []
        for j in range(b):
            pj = sig((cross[i, j] - eps) / tau)
            s = (pj * cross[i, j]).sum() / pj.sum()
            if j != i:
                negs.append(s)
            elif quirk:
                negs.append(s * -99)
        logits = torch.stack([s_pos, *negs, s_hn]) / t
        total += -(logits[0] - torch.logsumexp(logits, 0))
    return total / b


@pytest.mark.parametrize('quirk', [False, True])
def test_matches_transcription(quirk):
    torch.manual_seed(0)
    cross = torch.rand(5, 5, 6, 6, dtype=torch.float64) * 2 - 1
    loss = LocalizationContrastiveHead(diagonal_quirk=quirk).loss_from_maps(cross)
    torch.testing.assert_close(loss, transcribed_lvs_loss(cross, quirk=quirk).float()
                               if loss.dtype == torch.float32 else
                               transcribed_lvs_loss(cross, quirk=quirk), rtol=1e-4,
                               atol=1e-4)


def test_quirk_differs_when_a_positive_score_is_negative():
    cross = torch.full((3, 3, 4, 4), 0.3)
    cross[0, 0] = -0.5  # s_00 < 0: the -99 mask makes it a huge logit
    right = LocalizationContrastiveHead().loss_from_maps(cross)
    quirky = LocalizationContrastiveHead(diagonal_quirk=True).loss_from_maps(cross)
    assert quirky > right + 10


def test_prefers_matching_pairs():
    good = torch.full((4, 4, 5, 5), -0.2)
    for i in range(4):
        good[i, i, :2] = 0.9  # a bright region only for the own audio
    bad = good.flip(1)
    head = LocalizationContrastiveHead()
    assert head.loss_from_maps(good) < head.loss_from_maps(bad)


def test_loss_of_embeddings_is_the_loss_of_their_cosine_maps():
    torch.manual_seed(0)
    visual, audio = torch.randn(3, 8, 4, 4), torch.randn(3, 8)
    head = LocalizationContrastiveHead()
    losses = head.loss(AVEmbeddings(visual, audio))
    assert set(losses) == {'loss_cl'}
    torch.testing.assert_close(losses['loss_cl'],
                               head.loss_from_maps(cosine_heatmaps(visual, audio)))
