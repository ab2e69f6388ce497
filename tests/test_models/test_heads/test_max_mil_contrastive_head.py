"""EZ-VSL's multiple-instance contrastive head."""
import torch
import torch.nn.functional as F

from avloc.models.heads import MaxMILContrastiveHead
from avloc.models.utils import AVEmbeddings, cosine_heatmaps


def test_logits_and_both_directions_match_transcription():
    """EZ-VSL: logits[n, k] = max over locations of A0[n, k] / tau; CE both ways."""
    torch.manual_seed(0)
    cross = torch.rand(4, 4, 3, 3) * 2 - 1
    tau = 0.03
    logits = [[max(cross[n, k].flatten().tolist()) / tau for k in range(4)]
              for n in range(4)]
    total = 0.0
    for i in range(4):
        row = torch.tensor(logits[i])
        col = torch.tensor([logits[n][i] for n in range(4)])
        total += -(row[i] - torch.logsumexp(row, 0)) - (col[i] - torch.logsumexp(col, 0))
    expected = total / 4
    head = MaxMILContrastiveHead(tau)
    logits = head.logits(cross)
    target = torch.arange(4)
    got = F.cross_entropy(logits, target) + F.cross_entropy(logits.t(), target)
    torch.testing.assert_close(got, expected.float())


def test_loss_of_embeddings_sums_image_to_audio_and_audio_to_image():
    torch.manual_seed(0)
    visual, audio = torch.randn(4, 8, 3, 3), torch.randn(4, 8)
    head = MaxMILContrastiveHead()
    logits = head.logits(cosine_heatmaps(visual, audio))
    target = torch.arange(4)
    expected = F.cross_entropy(logits, target) + F.cross_entropy(logits.t(), target)
    torch.testing.assert_close(head.loss(AVEmbeddings(visual, audio))['loss_mil'], expected)
