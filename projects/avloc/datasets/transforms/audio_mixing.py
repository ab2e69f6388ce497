"""SSL-TIE's audio mixing (T_mix): blend a clip's waveform with its neighbour's."""
import os
from typing import Optional

import numpy as np
from mmcv.transforms import BaseTransform

from avloc.registry import TRANSFORMS
from .loading import LoadAudio


@TRANSFORMS.register_module()
class MixAudio(BaseTransform):
    """Replace ``audio`` by ``(1 - a) * own + a * neighbour`` with probability ``p``.

    The neighbour table, ``p`` and ``a`` come from a file that
    :class:`AudioMixingHook` rewrites after each epoch (it sets ``state_file`` before
    training). The file is re-read whenever it changes, so dataloader workers, even
    persistent ones and those of other DDP ranks, follow the hook. Without a file
    (the first epoch) the audio passes through unchanged.

    File contents (``.npz``): ``sources`` (N,) the audio source path of each
    training clip's neighbour, indexed by ``sample_idx``; ``prob`` and ``weight``.

    Args:
        loader (dict): The :class:`LoadAudio` settings used for the clip itself, to
            decode the neighbour's waveform the same way.
        state_file (str, optional): Set by :class:`AudioMixingHook`.
            Defaults to None.
    """

    def __init__(self, loader: dict, state_file: Optional[str] = None) -> None:
        loader = dict(loader)
        if loader.pop('type', 'LoadAudio') != 'LoadAudio':
            raise ValueError('MixAudio: loader must be a LoadAudio config')
        self.loader = LoadAudio(**loader)
        self.state_file = state_file
        self._stamp = None
        self._state = None

    def _load_state(self) -> Optional[dict]:
        try:
            stat = os.stat(self.state_file)
        except (TypeError, FileNotFoundError):
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            try:  # allow_pickle=False: an object array in the file is refused
                with np.load(self.state_file, allow_pickle=False) as f:
                    self._state = dict(sources=f['sources'], prob=float(f['prob']),
                                       weight=float(f['weight']))
            except (ValueError, OSError, KeyError) as err:
                raise ValueError(f'{self.state_file}: not an audio-mixing table written '
                                 f'by AudioMixingHook ({err})') from err
            self._stamp = stamp
        return self._state

    def transform(self, results: dict) -> dict:
        state = self._load_state()
        if state is None or np.random.rand() >= state['prob']:
            return results
        index = results['sample_idx']
        if index >= len(state['sources']):
            raise IndexError(f'{self.state_file}: no neighbour for clip {index}; the '
                             f'table has {len(state["sources"])} clips')
        source = str(state['sources'][index])
        neighbour = self.loader(dict(audio_path=source))['audio']
        weight = state['weight']
        results['audio'] = ((1 - weight) * results['audio'] + weight * neighbour).astype(
            np.float32)
        results['mixed_with'] = source
        return results
