import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner import load_checkpoint

import avloc  # noqa: F401  (registers the allowed types)
from avloc.models import AudioResNet18


def test_state_dict_only_file_loads_into_a_model(tmp_path):
    source, target = AudioResNet18(), AudioResNet18()
    path = str(tmp_path / 'weights.pth')
    torch.save(source.state_dict(), path)
    load_checkpoint(target, path, map_location='cpu')
    for a, b in zip(source.state_dict().values(), target.state_dict().values()):
        torch.testing.assert_close(a, b)


def test_mmengine_runtime_state_loads_restricted(tmp_path):
    buffer = HistoryBuffer()
    buffer.update(np.float64(0.5))
    path = str(tmp_path / 'ckpt.pth')
    torch.save({'message_hub': {'log_scalars': {'loss': buffer}},
                'meta': {'best': np.float64(0.7)}}, path)
    loaded = torch.load(path, weights_only=True)
    assert loaded['message_hub']['log_scalars']['loss'].current() == 0.5


def test_arbitrary_callables_stay_refused(tmp_path):
    import os
    import pickle

    import pytest

    class Evil:
        def __reduce__(self):
            return (os.system, ('true',))

    path = tmp_path / 'evil.pth'
    with open(path, 'wb') as f:
        pickle.dump(Evil(), f)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(str(path), weights_only=True)
