"""FNAC's head (Sun et al., CVPR 2023): every row it compares comes through
``AVEmbeddings.negatives``. Its numbers against the public code, term by term, are
checked through the model in tests/test_models/test_algorithms/test_fnac.py."""
import torch

from avloc.models.heads import FNACHead
from avloc.models.utils import AVEmbeddings


def test_head_gathers_every_row_it_compares_through_negatives():
    """With ``across_ranks`` the head asks for the audios, the visual maps, the
    foreground and the pooled features (in that order); outside a distributed run
    it gets them back as they are and the losses do not change."""
    head = FNACHead()
    gen = torch.Generator().manual_seed(0)
    visual, audio = torch.randn(3, 8, 4, 4, generator=gen), torch.randn(3, 8, generator=gen)
    asked = []

    class Recording(AVEmbeddings):
        def negatives(self, rows):
            asked.append(tuple(rows.shape))
            return super().negatives(rows)

    local = head.loss(AVEmbeddings(visual, audio))
    gathered = head.loss(Recording(visual, audio, across_ranks=True))
    assert asked == [(3, 8), (3, 8, 4, 4), (3, 8), (3, 8)]
    torch.testing.assert_close(gathered, local)
