"""The refusal of a checkpoint that does not fit counts and lists every kind of
mismatch the same way, and reads the model type from the saved config without
running it."""
import re

import torch

from avloc.models.converters.checkpoint_fit import (key_mismatch, saved_config_value,
                                                    trained_model_type)
from avloc.models.converters.key_lists import LISTED


def test_every_part_counts_its_true_length_and_lists_the_same_way():
    model = torch.nn.Sequential(*(torch.nn.Linear(2, 2) for _ in range(6)))  # 12 keys
    own = model.state_dict()
    state = {k: v for k, v in own.items() if not k.startswith(('0.', '1.', '2.', '3.'))}
    state.update({'x.a': torch.zeros(1), 'x.b': torch.zeros(1), 'x.c': torch.zeros(1)})
    state['4.weight'] = torch.zeros(3, 4)
    state['5.bias'] = torch.zeros(5)
    parts = key_mismatch(model, state)
    assert parts == [
        '8 missing keys (first 5: 0.weight, 0.bias, 1.weight, 1.bias, 2.weight)',
        '3 unexpected keys (x.a, x.b, x.c)',
        '2 shape mismatches (4.weight: checkpoint (3, 4) vs model (2, 2), 5.bias: '
        'checkpoint (5,) vs model (2,))']
    for part in parts:  # the count is the list's length, or the list is cut at LISTED
        count, listed = re.fullmatch(r'(\d+) [a-z ]+ \((?:first \d+: )?(.*)\)', part).groups()
        names = re.findall(r'(?:^|, )([\w.]+)(?=, |:|$)', listed)
        assert len(names) == min(int(count), LISTED), part
    assert key_mismatch(model, own) == []


def test_the_model_type_is_read_from_the_text_without_running_it():
    text = ("raise SystemExit('ran')\nmodel = dict(\n    audio_encoder=dict(type='A'),\n"
            "    type='EZVSL')\nmodel = {'type': 'FNAC'}\n")  # the last assignment wins
    assert saved_config_value(text, 'model', 'type') == 'FNAC'
    assert saved_config_value(text, 'model', 'audio_encoder', 'type') is None
    assert trained_model_type({'meta': {'cfg': text}}) == 'FNAC'
    assert trained_model_type({'meta': {'cfg': 'model = dict(type=name)'}}) is None
    assert trained_model_type({'state_dict': {}}) is None
    assert trained_model_type({'meta': {'cfg': 'model = ('}}) is None
