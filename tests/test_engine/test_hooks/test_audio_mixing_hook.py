"""Audio mixing's neighbour search and its refresh during training (1 and 2 ranks)."""
import os

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import init_default_scope
from tool_runner import ROOT, data_options, run_tool

from avloc.engine.hooks import AudioMixingHook, nearest_in_queue
from avloc.registry import DATASETS, MODELS

CONFIG = os.path.join(ROOT, 'configs', 'ssltie', 'ablation',
                      'ssltie_r18_1xb16-2e_avshapes1k_e-mixing.py')


def brute_force_neighbours(emb, queue):
    sims = emb @ emb[queue].T  # (N, Q)
    sims[queue, np.arange(len(queue))] = -np.inf  # a clip is not its own neighbour
    return queue[sims.argmax(1)], sims.max(1)


class Batches(list):
    """A data loader stand-in: the batches, and the dataset's length."""

    def __init__(self, batches, size):
        super().__init__(batches)
        self.dataset = range(size)


def test_the_hook_embeds_audio_as_the_model_does_projection_included():
    init_default_scope('avloc')
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='EZVSL', data_preprocessor=dict(type='AVDataPreprocessor'),
        visual_encoder=dict(type='VisualResNet18'), audio_encoder=dict(type='AudioResNet18'),
        head=dict(type='MaxMILContrastiveHead'), embed_dim=16))
    specs = [torch.randn(1, 16, 20) for _ in range(5)]
    hook = AudioMixingHook(pipeline=[])
    hook._loader = Batches([dict(inputs=dict(spec=specs[:3])),
                            dict(inputs=dict(spec=specs[3:]))], size=5)
    runner = type('Runner', (), dict(model=model))()
    embedded = hook._embed(runner)
    model.eval()
    with torch.no_grad():
        spec = model.data_preprocessor(dict(inputs=dict(spec=specs)), False)['inputs']['spec']
        expected = F.normalize(model.embed_audio(spec), dim=1).numpy()
    assert embedded.shape == (5, 16)  # the projection's size, not the encoder's 512
    np.testing.assert_allclose(embedded, expected, atol=1e-6)


def test_nearest_in_queue_equals_brute_force():
    rng = np.random.default_rng(0)
    emb = rng.normal(size=(300, 32)).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    queue = rng.choice(300, 50, replace=False)
    neighbours, sims = nearest_in_queue(emb, queue)
    expected, expected_sims = brute_force_neighbours(emb, queue)
    np.testing.assert_array_equal(neighbours, expected)
    np.testing.assert_allclose(sims, expected_sims, atol=1e-5)
    assert not np.any(neighbours == np.arange(300))


def test_nearest_in_queue_needs_two_clips():
    with pytest.raises(ValueError, match='at least 2 clips'):
        nearest_in_queue(np.ones((3, 4), np.float32), np.array([0]))


def expected_table(work_dir, data_root, seed):
    """Recompute the table written after epoch 1 from that epoch's checkpoint."""
    init_default_scope('avloc')
    cfg = Config.fromfile(CONFIG)
    model = MODELS.build(cfg.model).eval()
    state = torch.load(os.path.join(work_dir, 'epoch_1.pth'), map_location='cpu',
                       weights_only=True)['state_dict']
    model.load_state_dict(state)
    hook = next(h for h in cfg.custom_hooks if h['type'] == 'AudioMixingHook')
    dataset = DATASETS.build(dict(cfg.train_dataloader.dataset, data_root=data_root,
                                  pipeline=hook['pipeline']))
    with torch.no_grad():
        specs = [dataset[i]['inputs']['spec'] for i in range(len(dataset))]
        spec = model.data_preprocessor(dict(inputs=dict(spec=specs)), False)['inputs']['spec']
        emb = F.normalize(model.audio_encoder(spec), dim=1).numpy()
    queue = np.random.default_rng([seed, 1]).choice(len(emb), min(4000, len(emb)),
                                                    replace=False)
    neighbours, _ = brute_force_neighbours(emb, queue)
    return [dataset.get_data_info(int(i))['video_path'] for i in neighbours]


@pytest.mark.parametrize('num_procs', [1, 2])
def test_hook_writes_the_neighbours_of_the_current_encoder(
        tiny_avshapes, tmp_path, num_procs):
    work_dir = str(tmp_path / 'work')
    options = ['--work-dir', work_dir, '--cfg-options', *data_options(tiny_avshapes),
               'train_dataloader.batch_size=8', 'randomness.seed=5',
               'default_hooks.checkpoint.max_keep_ckpts=2']
    if num_procs == 1:
        log = run_tool('tools/train.py', CONFIG, *options)
    else:
        log = run_tool('tools/dist_train.sh', CONFIG, '2', *options, env=dict(PORT='29541'))
    assert 'Audio mixing: 40 clips embedded' in log
    assert 'next epoch mixes with p=0.11, a=0.01' in log
    with np.load(os.path.join(work_dir, 'audio_mixing.npz')) as table:
        assert int(table['epoch']) == 1
        assert list(table['sources']) == expected_table(work_dir, tiny_avshapes, seed=5)
