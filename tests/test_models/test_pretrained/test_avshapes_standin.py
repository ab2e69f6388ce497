"""The AVShapes stand-in for ImageNet ResNet-18 weights, built on a tiny AVShapes."""
import json
import os
import os.path as osp
import runpy
import shutil

import numpy as np
import pytest
import torch

import avloc.models.pretrained.avshapes_standin as standin_module
from avloc.datasets.synthesis import AVShapesSettings, synthesize_clip
from avloc.datasets.synthesis.scenes import SHAPES
from avloc.models import VisualResNet18
from avloc.models.pretrained import (StandinRecipe, ensure_avshapes_standin,
                                     require_avshapes_standin, standin_path)
from avloc.models.pretrained.avshapes_standin import record_path, split_training_list, stale_reason
from avloc.models.pretrained.standin_training import (MultiLabelResNet18, load_frames,
                                                      multilabel_scores, object_labels, predict)

# conftest.TINY's 40 training clips: about 34 trained on, 6 held out, 64 px frames.
TINY_RECIPE = StandinRecipe(clips=0, epochs=12, heldout_fraction=0.15, batch_size=8,
                            frame_size=64)
SCRIPT = osp.join(osp.dirname(__file__), '..', '..', '..', 'tools', 'misc',
                  'build_avshapes_standin.py')


def copy_of(root: str, dest) -> str:
    """A private copy of the session's tiny dataset, so its cache is this test's."""
    return shutil.copytree(root, str(dest / 'avshapes'))


@pytest.fixture(scope='module')
def built(tiny_avshapes, tmp_path_factory):
    """(data root, weights path) of a stand-in built once with TINY_RECIPE."""
    root = copy_of(tiny_avshapes, tmp_path_factory.mktemp('standin'))
    return root, ensure_avshapes_standin(root, TINY_RECIPE, progress=False)


def test_the_cache_and_its_record(built):
    root, weights = built
    assert weights == standin_path(root) == osp.join(root, 'standin',
                                                     'resnet18_avshapes_cls.pth')
    with open(record_path(weights)) as f:
        record = json.load(f)
    assert record['recipe']['epochs'] == 12 and record['recipe']['frame_size'] == 64
    assert set(record['recipe']['dataset']) == {'avshapes_meta.json', 'train.txt',
                                                'vggss.json'}
    train_ids, heldout_ids = split_training_list(root, TINY_RECIPE)
    assert record['clips'] == dict(training=len(train_ids), heldout=len(heldout_ids))
    assert record['scores']['training_frames']['frames'] == len(train_ids)
    assert record['seconds']['total'] > 0
    assert not [name for name in os.listdir(osp.dirname(weights)) if 'partial' in name]


def test_trained_only_on_training_split_frames(built):
    root, _ = built
    train_ids, heldout_ids = split_training_list(root, TINY_RECIPE)
    with open(osp.join(root, 'train.txt')) as f:
        listed = f.read().split()
    assert heldout_ids and sorted(train_ids + heldout_ids) == sorted(listed)
    assert not set(train_ids) & set(heldout_ids)


def test_weights_load_strictly_into_the_visual_encoder(built):
    _, weights = built
    state = torch.load(weights, weights_only=True)
    assert {k for k in state if k.startswith('fc.')} == {'fc.weight', 'fc.bias'}
    trunk = {k: v for k, v in state.items() if not k.startswith('fc.')}
    for stride in (1, 2):  # SSL-TIE/LVS layout and torchvision's
        VisualResNet18(layer4_stride=stride).load_state_dict(trunk, strict=True)
    # Through MMEngine's init_cfg, as a config (or an OGL object_encoder) gives it.
    encoder = VisualResNet18(init_cfg=dict(type='Pretrained', checkpoint=weights))
    encoder.init_weights()
    for key, value in encoder.state_dict().items():
        torch.testing.assert_close(value, trunk[key], atol=0, rtol=0, msg=key)


def generator_labels(root: str, clip_ids) -> torch.Tensor:
    """Multi-hot targets made again from the generator's own draws, independently of
    the annotation file the builder reads."""
    with open(osp.join(root, 'avshapes_meta.json')) as f:
        meta = json.load(f)
    settings = AVShapesSettings(**{k: tuple(v) if isinstance(v, list) else v
                                   for k, v in meta.items()})
    targets = torch.zeros(len(clip_ids), len(SHAPES))
    for row, clip_id in enumerate(clip_ids):
        _, _, annotation = synthesize_clip(settings, int(clip_id.rsplit('_', 1)[1]))
        for obj in annotation['objects']:
            targets[row, SHAPES.index(obj['class'])] = 1
    return targets


def test_the_classifier_beats_chance_on_its_training_frames(built):
    root, weights = built
    train_ids, _ = split_training_list(root, TINY_RECIPE)
    frames, _ = load_frames(root, train_ids, object_labels(osp.join(root, 'vggss.json')),
                            TINY_RECIPE.frame_size, progress=False)
    targets = generator_labels(root, train_ids)
    model = MultiLabelResNet18()
    model.load_state_dict(torch.load(weights, weights_only=True), strict=True)
    probs = predict(model, frames)
    scored = multilabel_scores(probs, targets)['mAP']
    # Chance, measured: the same predictions against the frames' labels shuffled
    # across frames. A model trained on shuffled labels memorises them and lands in
    # this distribution against the true ones.
    rng = np.random.default_rng(0)
    shuffled = [multilabel_scores(probs, targets[rng.permutation(len(targets))])['mAP']
                for _ in range(200)]
    assert scored > max(shuffled) + 0.05, (scored, max(shuffled))
    assert scored > 0.8


def test_reused_then_rebuilt_when_the_recipe_changes(tiny_avshapes, tmp_path,
                                                     monkeypatch):
    root = copy_of(tiny_avshapes, tmp_path)
    quick = StandinRecipe(clips=16, epochs=1, heldout_fraction=0.15, batch_size=8,
                          frame_size=32)
    weights = ensure_avshapes_standin(root, quick, progress=False)
    first = os.stat(weights).st_mtime_ns, open(record_path(weights)).read()

    real_build = standin_module.build_standin
    calls = []

    def counting_build(*args, **kwargs):
        calls.append(args)
        return real_build(*args, **kwargs)
    monkeypatch.setattr(standin_module, 'build_standin', counting_build)
    assert ensure_avshapes_standin(root, quick, progress=False) == weights
    assert not calls
    assert (os.stat(weights).st_mtime_ns, open(record_path(weights)).read()) == first

    other = StandinRecipe(clips=16, epochs=2, heldout_fraction=0.15, batch_size=8,
                          frame_size=32)
    reason = stale_reason(weights, standin_module.full_recipe(root, other))
    assert reason == 'the recipe differs: epochs: 1 in the cache, 2 now'
    ensure_avshapes_standin(root, other, progress=False)
    assert len(calls) == 1
    with open(record_path(weights)) as f:
        assert json.load(f)['recipe']['epochs'] == 2
    assert stale_reason(weights, standin_module.full_recipe(root, other)) is None

    # Another dataset in the same root (here: another training list) rebuilds too.
    with open(osp.join(root, 'train.txt'), 'a') as f:
        f.write('avshapes_000040\n')
    recipe = standin_module.full_recipe(root, other)
    assert 'dataset.train.txt' in stale_reason(weights, recipe)


def test_a_killed_write_leaves_the_previous_cache_whole(tiny_avshapes, tmp_path, monkeypatch):
    root = copy_of(tiny_avshapes, tmp_path)
    quick = StandinRecipe(clips=16, epochs=1, heldout_fraction=0.15, batch_size=8,
                          frame_size=32)
    weights = ensure_avshapes_standin(root, quick, progress=False)
    before = open(weights, 'rb').read(), open(record_path(weights)).read()

    def dying_save(obj, path):  # half a file, then the process "dies"
        with open(path, 'wb') as f:
            f.write(b'PK\x03\x04 half')
        raise KeyboardInterrupt
    monkeypatch.setattr(standin_module.torch, 'save', dying_save)
    with pytest.raises(KeyboardInterrupt):
        ensure_avshapes_standin(root, StandinRecipe(clips=16, epochs=2, batch_size=8,
                                                    heldout_fraction=0.15, frame_size=32),
                                progress=False)
    assert (open(weights, 'rb').read(), open(record_path(weights)).read()) == before
    assert sorted(os.listdir(osp.dirname(weights))) == [
        'resnet18_avshapes_cls.json', 'resnet18_avshapes_cls.pth']
    assert stale_reason(weights, standin_module.full_recipe(root, quick)) is None

    # Weights replaced without their record (killed between the two renames).
    with open(weights, 'ab') as f:
        f.write(b'\0')
    assert 'is not the file' in stale_reason(weights,
                                             standin_module.full_recipe(root, quick))


def test_a_missing_standin_names_the_command_that_builds_it(tmp_path):
    checkpoint = str(tmp_path / 'avshapes' / 'standin' / 'resnet18_avshapes_cls.pth')
    with pytest.raises(FileNotFoundError, match=(
            r'not built yet.*python tools/misc/build_avshapes_standin.py --data-root '
            + str(tmp_path / 'avshapes'))):
        require_avshapes_standin(checkpoint)
    with pytest.raises(FileNotFoundError, match='generate it first'):
        ensure_avshapes_standin(str(tmp_path / 'nothing'), progress=False)


def test_the_script_checks_the_cache(built, capsys):
    root, weights = built
    main = runpy.run_path(SCRIPT)['main']
    flags = ['--data-root', root, '--clips', '0', '--epochs', '12', '--heldout-fraction',
             '0.15', '--batch-size', '8', '--frame-size', '64', '--quiet']
    assert main([*flags, '--check']) == 0
    assert 'current' in capsys.readouterr().out
    assert main([*flags[:-1], '--epochs', '13', '--check']) == 1
    assert 'epochs: 12 in the cache, 13 now' in capsys.readouterr().out
    assert main(flags) == 0  # reuses: nothing rebuilt
    assert weights in capsys.readouterr().out
