import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope

from avloc.datasets import AVShapesDataset, other_audio_partners
from avloc.registry import MODELS

PIPELINE = [
    dict(type='LoadFrame'),
    dict(type='LoadAudio', duration=1.0),
    dict(type='AudioToSpectrogram', sample_rate=16000, n_fft=512, hop_length=250,
         n_mels=32),
    dict(type='PackAVInputs'),
]


def dataset(root, **kwargs):
    init_default_scope('avloc')
    return AVShapesDataset(data_root=root, ann_file='train.txt', pipeline=PIPELINE,
                           generate_if_missing=False, **kwargs)


@pytest.mark.parametrize('n', [2, 3, 10, 501])
def test_partners_are_a_fixed_derangement(n):
    partners = other_audio_partners(n)
    assert sorted(partners) == list(range(n))  # every audio is used once
    assert not np.any(partners == np.arange(n))
    np.testing.assert_array_equal(partners, other_audio_partners(n))
    with pytest.raises(ValueError, match='two clips'):
        other_audio_partners(1)


def test_test_mode_samples_carry_the_partner_audio(tiny_avshapes):
    ds = dataset(tiny_avshapes, test_mode=True)
    partners = other_audio_partners(len(ds))
    for idx in (0, 5):
        sample = ds[idx]
        partner = ds[int(partners[idx])]
        torch.testing.assert_close(sample['inputs']['other_spec'], partner['inputs']['spec'])
        assert not torch.equal(sample['inputs']['other_spec'], sample['inputs']['spec'])
    assert 'other_spec' not in dataset(tiny_avshapes)[0]['inputs']  # training
    off = dataset(tiny_avshapes, test_mode=True, other_audio_control=False)
    assert 'other_spec' not in off[0]['inputs']
    one = dataset(tiny_avshapes, test_mode=True, indices=1)
    assert 'other_spec' not in one[0]['inputs']


def test_partner_audio_decodes_no_frame(tiny_avshapes, monkeypatch):
    """The partner's pass runs the audio transforms only: one frame decode per clip."""
    from avloc.datasets.transforms import LoadFrame
    decoded = []
    read = LoadFrame.transform
    monkeypatch.setattr(LoadFrame, 'transform',
                        lambda self, results: decoded.append(1) or read(self, results))
    ds = dataset(tiny_avshapes, test_mode=True)
    sample = ds[0]
    assert len(decoded) == 1
    assert sample['inputs']['other_spec'].shape == sample['inputs']['spec'].shape


def test_control_does_not_depend_on_the_batch_size(tiny_avshapes):
    """The control heatmaps (and so avc/accuracy) are the same at any batch size or
    sharding: pairing follows dataset indices, not positions in a batch."""
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='SSLTIE', data_preprocessor=dict(type='AVDataPreprocessor'),
        visual_encoder=dict(type='VisualResNet18'), audio_encoder=dict(type='AudioResNet18'),
        head=dict(type='LocalizationContrastiveHead'))).eval()
    ds = dataset(tiny_avshapes, test_mode=True, indices=6)

    def controls(order, batch_size):
        out = {}
        for start in range(0, len(order), batch_size):
            batch = pseudo_collate([ds[i] for i in order[start:start + batch_size]])
            for s in model.test_step(batch):
                out[s.clip_id] = s.pred_heatmap_other_audio
        return out

    whole = controls(list(range(6)), 6)
    for order, batch_size in (([0, 1, 2, 3, 4, 5], 1), ([5, 3, 1, 0, 2, 4], 4)):
        other = controls(order, batch_size)  # e.g. one rank's shard, another batch size
        for clip_id, heatmap in whole.items():
            torch.testing.assert_close(other[clip_id], heatmap, atol=1e-5, rtol=1e-5)


def test_negative_audio_replaces_the_clip_waveform(tiny_avshapes):
    """silence_spec / noise_spec are the clip's own pipeline run on zeros and on
    seeded N(0, 1) noise of the window's length: the same on every read, different
    from the clip's audio and from each other."""
    plain = [dict(t) for t in PIPELINE]
    plain[-2] = dict(type='PackAVInputs')  # keep the waveform to compare samples
    init_default_scope('avloc')
    ds = AVShapesDataset(data_root=tiny_avshapes, ann_file='train.txt', pipeline=plain[:2]
                         + plain[3:], generate_if_missing=False, test_mode=True,
                         negative_audio=['silence', 'noise'])
    sample = ds[3]['inputs']
    assert sample['silence_audio'].shape == sample['audio'].shape
    assert not sample['silence_audio'].any()
    noise = sample['noise_audio'].numpy()
    np.testing.assert_array_equal(
        noise, np.random.default_rng(3).standard_normal(noise.shape[-1]).astype(np.float32))
    torch.testing.assert_close(ds[3]['inputs']['noise_audio'], sample['noise_audio'])
    assert not torch.equal(ds[4]['inputs']['noise_audio'], sample['noise_audio'])
    spec = dataset(tiny_avshapes, test_mode=True, negative_audio=('silence',))[0]['inputs']
    assert spec['silence_spec'].shape == spec['spec'].shape
    assert 'noise_spec' not in spec
    assert 'silence_spec' not in dataset(tiny_avshapes, test_mode=True)[0]['inputs']


@pytest.mark.parametrize('bad', ['silence', ['music'], ['offscreen']])
def test_negative_audio_names_are_checked(tiny_avshapes, bad):
    with pytest.raises(ValueError, match='negative_audio'):
        dataset(tiny_avshapes, test_mode=True, negative_audio=bad)
