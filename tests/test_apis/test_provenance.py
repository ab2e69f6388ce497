"""init_localizer never runs random weights unasked, refuses a checkpoint trained as
another model, and records where the weights come from (``model.provenance``)."""
import os

import numpy as np
import pytest
import torch
from mmengine.config import Config
from tool_runner import ROOT

from avloc.apis.init_localizer import MissingWeightsError, init_localizer
from avloc.apis.provenance import (PARTLY_RANDOM, RANDOM, RELEASED_SSLTIE, TRAINED, Provenance,
                                   training_set, weights_provenance)
from avloc.models.converters import CheckpointMismatchError, expected_shapes

SSLTIE = os.path.join(ROOT, 'configs', 'ssltie', 'ssltie_r18_1xb16-1e_avshapes.py')
LVS = os.path.join(ROOT, 'configs', 'lvs', 'lvs_r18_1xb16-2e_avshapes1k.py')
MAIN_JOB = 'ssltie_r18_1xb16-1e_avshapes'


@pytest.fixture(scope='module')
def ssltie():
    return init_localizer(SSLTIE, random_weights=True)


def save_trained(path, model, config_path: str, epoch: int = 1) -> str:
    """A checkpoint as MMEngine's runner writes it: meta holds the config's text."""
    meta = dict(epoch=epoch, cfg=Config.fromfile(config_path).pretty_text)
    torch.save(dict(state_dict=model.state_dict(), meta=meta), str(path))
    return str(path)


def test_no_checkpoint_is_an_error_unless_random_weights_are_asked_for(ssltie):
    with pytest.raises(MissingWeightsError, match='ssltie_r18_1xb16-1e_avshapes: no '
                       'checkpoint given.*random_weights=True'):
        init_localizer(SSLTIE)
    assert ssltie.provenance == Provenance(MAIN_JOB, RANDOM)
    assert ssltie.provenance.describe() == (
        f'{MAIN_JOB}, random (untrained) weights: its heatmaps mean nothing')


def test_a_zoo_entry_without_weights_is_an_error_unless_asked(hub):
    with pytest.raises(MissingWeightsError, match=f'the zoo has no weights for {MAIN_JOB}'):
        init_localizer(MAIN_JOB)
    assert init_localizer(MAIN_JOB, random_weights=True).provenance.weights == RANDOM


def test_a_trained_checkpoint_says_what_it_was_trained_on(ssltie, tmp_path):
    path = save_trained(tmp_path / 'epoch_3.pth', ssltie, SSLTIE, epoch=3)
    model = init_localizer(SSLTIE, path)
    assert model.provenance == Provenance(
        MAIN_JOB, TRAINED, path, "AVShapes (synthetic coloured shapes: it knows only "
        "AVShapes' classes)", os.path.join('data', 'avshapes', 'train.txt'), 3)
    assert model.provenance.describe() == (
        f'{MAIN_JOB}, checkpoint {path} (epoch 3), trained on AVShapes (synthetic '
        "coloured shapes: it knows only AVShapes' classes)")


def test_a_bare_state_dict_was_trained_on_something_unknown(ssltie, tmp_path):
    path = str(tmp_path / 'bare.pth')
    torch.save(ssltie.state_dict(), path)
    assert init_localizer(SSLTIE, path).provenance.describe() == (
        f'{MAIN_JOB}, checkpoint {path}, trained on unknown')


def test_a_checkpoint_of_another_model_type_is_refused(ssltie, tmp_path):
    """LVS and SSL-TIE hold the same tensors: only the saved config tells them apart."""
    path = save_trained(tmp_path / 'ssltie.pth', ssltie, SSLTIE)
    with pytest.raises(CheckpointMismatchError, match=(
            r'ssltie.pth: does not fit the model of this config: this checkpoint was '
            r"trained with SSLTIE \(its meta.cfg says model.type='SSLTIE'\), this "
            r'config builds LVS \(random_weights=True')):
        init_localizer(LVS, path)
    with pytest.warns(UserWarning, match='trained with SSLTIE'):
        lvs = init_localizer(LVS, path, random_weights=True)
    assert lvs.provenance.weights == PARTLY_RANDOM
    assert lvs.provenance.describe() == (
        f'lvs_r18_1xb16-2e_avshapes1k, checkpoint {path} (epoch 1), which does not fit '
        'this config (loaded where it fits, the rest random), trained on AVShapes '
        "(synthetic coloured shapes: it knows only AVShapes' classes)")
    for key, value in ssltie.state_dict().items():  # every tensor fitted, so loaded
        assert torch.equal(lvs.state_dict()[key], value)


def test_random_weights_loads_what_fits_and_leaves_the_rest(ssltie, tmp_path):
    state = dict(ssltie.state_dict())
    state.pop('audio_encoder.conv1.weight')
    state['visual_encoder.bn1.bias'] = torch.full((3,), 9.0)
    path = str(tmp_path / 'half.pth')
    torch.save(state, path)
    with pytest.raises(CheckpointMismatchError, match='1 missing key'):
        init_localizer(SSLTIE, path)
    with pytest.warns(UserWarning, match=r'1 missing key \(audio_encoder.conv1.weight\); '
                      r'1 shape mismatch \(visual_encoder.bn1.bias'):
        model = init_localizer(SSLTIE, path, random_weights=True)
    own = model.state_dict()
    assert torch.equal(own['visual_encoder.layer1.0.conv1.weight'],
                       state['visual_encoder.layer1.0.conv1.weight'])
    assert not torch.equal(own['visual_encoder.bn1.bias'], state['visual_encoder.bn1.bias'])
    assert model.provenance.weights == PARTLY_RANDOM


def test_a_released_ssltie_file_is_trained_on_what_the_zoo_records(tmp_path):
    released = {f'module.{k}': torch.zeros(shape) for k, shape in expected_shapes().items()}
    path = str(tmp_path / 'ssltie_flickr10k.pth.tar')  # the zoo's file name
    torch.save(dict(epoch=42, state_dict=released, best_miou=np.float64(0.4)), path)
    model = init_localizer(SSLTIE, path)
    assert model.provenance.weights == RELEASED_SSLTIE and model.provenance.epoch == 42
    assert model.provenance.describe() == (
        f'{MAIN_JOB}, released SSL-TIE weights (converted) {path} (epoch 42), trained on '
        "Flickr-SoundNet 10k (SSL-TIE's list, ssltie_train_flickr_10k.txt)")
    renamed = str(tmp_path / 'mine.pth.tar')
    os.replace(path, renamed)
    assert init_localizer(SSLTIE, renamed).provenance.trained_on == 'unknown'


def test_training_set_is_read_without_running_the_config():
    """The saved text is parsed, not executed: code in it never runs."""
    text = ("import os\nos.system('touch /tmp/should_not_exist')\n"
            "train_dataloader = dict(batch_size=2, dataset=dict(type='RepeatDataset', "
            "times=3, dataset=dict(type='VGGSoundDataset', data_root='data/vggsound', "
            "ann_file='meta/x.txt')))\n")
    assert training_set({'meta': {'cfg': text}}) == (
        'VGGSoundDataset', os.path.join('data/vggsound', 'meta/x.txt'))
    assert training_set({'meta': {'cfg': 'train_dataloader = dict(('}}) == (None, None)
    assert training_set({'meta': {}}) == (None, None)
    unknown = weights_provenance('c', 'x.pth', {'meta': {'cfg': text.replace(
        'VGGSoundDataset', 'MyDataset')}})
    assert unknown.trained_on == 'MyDataset'  # a type without words keeps its name


def test_a_config_path_with_a_typo_is_a_missing_file_not_an_unknown_model():
    typo = os.path.join(ROOT, 'configs', 'ssltie', 'ssltie_r18_typo.py')
    with pytest.raises(FileNotFoundError, match='ssltie_r18_typo.py: no such config file'):
        init_localizer(typo, random_weights=True)
