"""The batched on-device augmentations against the per-clip dataset transforms and
torchvision's own operations, with the same parameters."""
import numpy as np
import pytest
import torch
from torchvision.transforms.v2 import functional as TF

from avloc.datasets.transforms import AudioToSpectrogram
from avloc.models.data_preprocessors import (AVDataPreprocessor, BatchColorJitter,
                                             BatchGaussianBlur, BatchMelSpectrogram,
                                             BatchRandomGrayscale, BatchSpecAugment)


@pytest.fixture
def frames() -> torch.Tensor:
    """(4, 3, 40, 48) uint8: smooth colour gradients plus noise."""
    gen = torch.Generator().manual_seed(0)
    yy, xx = torch.meshgrid(torch.arange(40), torch.arange(48), indexing='ij')
    base = torch.stack([xx * 5, yy * 6, 255 - xx * 2 - yy * 3]).float()
    noisy = base[None] + torch.randint(-30, 30, (4, 3, 40, 48), generator=gen)
    return noisy.clamp(0, 255).to(torch.uint8)


def assert_close_uint8(a: torch.Tensor, b: torch.Tensor, max_diff: int = 1) -> None:
    diff = (a.int() - b.int()).abs()
    assert diff.max() <= max_diff, diff.max()
    assert diff.float().mean() < 0.05


def test_mel_spectrogram_equals_the_per_clip_transform():
    waves = torch.randn(3, 16000 * 2) * 0.1
    batched = BatchMelSpectrogram()(waves)
    per_clip = [AudioToSpectrogram()(dict(audio=w.numpy()))['spec'] for w in waves]
    assert batched.shape == (3, 1, 257, 134)
    torch.testing.assert_close(batched, torch.from_numpy(np.stack(per_clip)),
                               atol=1e-3, rtol=1e-4)


@pytest.mark.parametrize('options', [dict(), dict(sample_rate=22050),
                                     dict(n_mels=64, hop_length=250, normalized=False)])
def test_mel_spectrogram_is_torchaudios_step_for_step(options):
    import warnings
    torchaudio = pytest.importorskip('torchaudio', reason='the reference is torchaudio')
    with warnings.catch_warnings():  # the empty bands avloc keeps too (mel.py)
        warnings.filterwarnings('ignore', 'At least one mel filterbank has all zero')
        mel = torchaudio.transforms.MelSpectrogram(
            sample_rate=options.get('sample_rate', 16000), n_fft=512, power=2.0,
            hop_length=options.get('hop_length', 239), n_mels=options.get('n_mels', 257),
            normalized=options.get('normalized', True))
    waves = torch.randn(3, 16000) * 0.1
    waves[1] = 0  # silence: the -100 dB floor
    theirs = torchaudio.transforms.AmplitudeToDB(stype='power')(mel(waves))[:, None]
    ours = BatchMelSpectrogram(**options)
    torch.testing.assert_close(ours(waves), theirs, rtol=0, atol=1e-6)
    # The window and filterbank follow from the arguments: nothing in checkpoints.
    assert not ours.state_dict()


@pytest.mark.parametrize('op,fn', [(0, TF.adjust_brightness), (1, TF.adjust_contrast),
                                   (2, TF.adjust_saturation), (3, TF.adjust_hue)])
def test_each_colour_operation_matches_torchvision_per_image(frames, op, fn):
    factors = torch.tensor([0.6, 1.0, 1.3, 1.4]) if op < 3 else \
        torch.tensor([-0.1, 0.0, 0.05, 0.1])
    batched = BatchColorJitter.adjust(frames, op, factors)
    expected = torch.stack([fn(f, float(k)) for f, k in zip(frames, factors)])
    assert_close_uint8(batched, expected)


def test_colour_jitter_draws_per_image_and_respects_prob(frames):
    torch.manual_seed(0)
    out = BatchColorJitter(prob=1.0)(frames.repeat(8, 1, 1, 1))
    assert out.dtype == torch.uint8 and out.shape == (32, 3, 40, 48)
    # The same frame, jittered 8 times: 8 different results.
    copies = out.view(8, 4, 3, 40, 48)[:, 0].flatten(1).float()
    assert torch.cdist(copies, copies).fill_diagonal_(1e9).min() > 0
    assert torch.equal(BatchColorJitter(prob=0.0)(frames), frames)


def test_grayscale_matches_torchvision(frames):
    out = BatchRandomGrayscale(prob=1.0)(frames)
    torch.testing.assert_close(out, TF.rgb_to_grayscale(frames, num_output_channels=3))
    assert torch.equal(BatchRandomGrayscale(prob=0.0)(frames), frames)


def test_gaussian_blur_matches_torchvision_per_sigma(frames):
    blur = BatchGaussianBlur(kernel_size=23)
    sigmas = torch.tensor([0.1, 0.7, 1.3, 2.0])
    expected = torch.stack([TF.gaussian_blur(f, [23, 23], [float(s), float(s)])
                            for f, s in zip(frames, sigmas)])
    assert_close_uint8(blur.blur(frames, sigmas), expected)


def test_spec_augment_masks_one_span_each_way_per_clip():
    torch.manual_seed(0)
    spec = torch.zeros(64, 1, 50, 80)
    out = BatchSpecAugment(time_mask=20, freq_mask=10, prob=1.0)(spec)
    masked = out == -100.0
    times = masked[:, 0].all(dim=1).sum(dim=1)  # frames masked over every bin
    freqs = masked[:, 0].all(dim=2).sum(dim=1)  # bins masked over every frame
    assert times.max() < 20 and freqs.max() < 10 and len(set(times.tolist())) > 5
    # Masked cells are exactly the union of the two spans.
    rows, cols = masked[:, 0].all(dim=2), masked[:, 0].all(dim=1)
    assert torch.equal(masked[:, 0], rows[:, :, None] | cols[:, None, :])
    assert torch.equal(BatchSpecAugment(prob=0.0)(spec), spec)


def test_preprocessor_computes_the_spectrogram_and_augments_only_in_training(frames):
    pre = AVDataPreprocessor(spectrogram=dict(type='BatchMelSpectrogram'),
                             spec_augments=[dict(type='BatchSpecAugment', prob=1.0)],
                             frame_augments=[dict(type='BatchRandomGrayscale', prob=1.0)])
    waves = torch.randn(2, 16000) * 0.1
    data = dict(inputs=dict(audio=list(waves), imgs=list(frames.view(2, 2, 3, 40, 48))))
    test = pre(data, training=False)['inputs']
    train = pre(data, training=True)['inputs']
    torch.testing.assert_close(test['spec'], BatchMelSpectrogram()(waves))
    # (some mel bands are empty, at the -100 dB floor, even without masks)
    assert (train['spec'] == -100).sum() > (test['spec'] == -100).sum()
    grey = train['imgs'] * pre.std + pre.mean
    assert torch.allclose(grey[:, :, 0], grey[:, :, 1], atol=1e-3)  # all views grey
    assert not torch.allclose(test['imgs'][:, :, 0], test['imgs'][:, :, 1])
    with pytest.raises(ValueError, match='no spectrogram'):
        AVDataPreprocessor()(data)
