"""Every loader avloc has, attacked with crafted pickles: the payload never runs and
the error names the file."""
import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from crafted_checkpoints import HOSTILE
from crafted_pickles import ATTACKS, write_attack
from tool_runner import ROOT

from avloc.datasets.transforms import MixAudio
from avloc.evaluation import load_predictions
from avloc.models import AudioResNet18
from avloc.utils import UnsafeCheckpointError, load_checkpoint_file

spec = importlib.util.spec_from_file_location(
    'ssltie_to_avloc', os.path.join(ROOT, 'tools', 'model_converters', 'ssltie_to_avloc.py'))
converter = importlib.util.module_from_spec(spec)
spec.loader.exec_module(converter)


def _load_into_encoder(path):
    AudioResNet18(init_cfg=dict(type='Pretrained', checkpoint=path)).init_weights()


LOADERS = {
    'load_checkpoint_file': load_checkpoint_file,
    'converter.load_released': converter.load_released,
    'load_predictions (test.py --dump)': load_predictions,
    'encoder init_cfg Pretrained': _load_into_encoder,
}


@pytest.mark.parametrize('attack', sorted(ATTACKS))
@pytest.mark.parametrize('loader', sorted(LOADERS))
def test_crafted_pickle_is_refused_naming_the_file(tmp_path, attack, loader):
    marker = tmp_path / 'pwned'
    path = write_attack(str(tmp_path / 'evil.pth'), attack, str(marker))
    with pytest.raises(ValueError, match='evil.pth: .*GLOBAL'):
        LOADERS[loader](path)
    assert not marker.exists()


@pytest.mark.parametrize('hostile', sorted(HOSTILE))
@pytest.mark.parametrize('loader', sorted(LOADERS))
def test_hostile_checkpoints_are_refused_by_every_loader(tmp_path, hostile, loader):
    """A short or compressed record, shared nested dicts, an allocating call: each
    refused before torch reads the file (test_checkpoint_check.py has the details)."""
    path = HOSTILE[hostile](str(tmp_path / 'hostile.pth'))
    with pytest.raises(ValueError, match='hostile.pth: '):
        LOADERS[loader](path)


def test_the_error_says_what_the_pickle_asked_for(tmp_path):
    path = write_attack(str(tmp_path / 'evil.pth'), 'getattr chain', str(tmp_path / 'x'))
    with pytest.raises(UnsafeCheckpointError, match='asks for GLOBAL getattr'):
        load_checkpoint_file(path)


def test_numpy_scalars_load_only_when_asked_and_only_for_that_call(tmp_path):
    path = str(tmp_path / 'scores.pth')
    torch.save({'best_miou': np.float64(0.38), 'w': torch.ones(2)}, path)
    with pytest.raises(UnsafeCheckpointError, match='scores.pth'):
        load_checkpoint_file(path)
    assert load_checkpoint_file(path, allow_numpy_scalars=True)['best_miou'] == 0.38
    with pytest.raises(UnsafeCheckpointError):  # nothing stayed allowed
        load_checkpoint_file(path)
    array_path = str(tmp_path / 'array.pth')
    torch.save({'a': np.zeros(3)}, array_path)
    with pytest.raises(UnsafeCheckpointError, match='array.pth'):
        load_checkpoint_file(array_path, allow_numpy_scalars=True)


def test_truncated_and_missing_files_are_named(tmp_path):
    path = str(tmp_path / 'ckpt.pth')
    torch.save({'w': torch.ones(100)}, path)
    with open(path, 'rb') as f:
        head = f.read(200)
    with open(path, 'wb') as f:
        f.write(head)
    with pytest.raises(ValueError, match='ckpt.pth: not a readable torch checkpoint'):
        load_checkpoint_file(path)
    with pytest.raises(FileNotFoundError, match='nope.pth: checkpoint not found'):
        load_checkpoint_file(str(tmp_path / 'nope.pth'))


def test_audio_mixing_table_with_an_object_array_is_refused(tmp_path):
    marker = tmp_path / 'pwned'
    state = str(tmp_path / 'audio_mixing.npz')
    from crafted_pickles import _exec
    np.savez(state, sources=np.array([_exec(str(marker))], dtype=object), prob=1.0,
             weight=0.5)
    mixer = MixAudio(loader=dict(type='LoadAudio'), state_file=state)
    with pytest.raises(ValueError, match='audio_mixing.npz: not an audio-mixing table'):
        mixer(dict(audio=np.zeros(16000, np.float32), sample_idx=0))
    assert not marker.exists()


def test_importing_avloc_changes_no_torch_setting():
    """No global is added to torch's allow-list (torch adds its own, e.g. DTensor's,
    when its submodules are imported)."""
    code = ('import torch, avloc, avloc.engine\n'
            'added = [g for g in torch.serialization.get_safe_globals()\n'
            '         if not getattr(g, "__module__", "").startswith("torch")]\n'
            'assert not added, added')
    subprocess.run([sys.executable, '-c', code], check=True, cwd=ROOT)
