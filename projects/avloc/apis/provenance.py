"""Where a localiser's weights come from, in one line a demo can show beside its
heatmaps: a model trained on AVShapes' eight coloured shapes says nothing about a
dog in a real video, and an untrained one says nothing at all.

    model = init_localizer('configs/ssltie/ssltie_r18_1xb16-1e_avshapes.py',
                           'work_dirs/ssltie_r18_1xb16-1e_avshapes/epoch_1.pth')
    print(model.provenance.describe())
    # ssltie_r18_1xb16-1e_avshapes, checkpoint work_dirs/.../epoch_1.pth (epoch 1),
    # trained on AVShapes (synthetic coloured shapes: it knows only AVShapes' classes)

What a checkpoint was trained on is read from the config its runner saved in it
(``meta['cfg']``), parsed without running it; a released SSL-TIE file says nothing
of the kind, so its zoo entry's ``Training Data`` is taken instead.
"""
import os.path as osp
from dataclasses import dataclass
from typing import Any, Optional, Tuple

from avloc.models.converters.checkpoint_fit import saved_config_text, saved_config_value

TRAINED = 'trained checkpoint'
RELEASED_SSLTIE = 'released SSL-TIE weights (converted)'
RANDOM = 'random (untrained)'
PARTLY_RANDOM = 'checkpoint loaded where it fits (the rest random)'
UNKNOWN = 'unknown'

_AVSHAPES = "AVShapes (synthetic coloured shapes: it knows only AVShapes' classes)"
#: A training set's dataset type -> what it means for what the model can localise.
DATASET_WORDS = {
    'AVShapesDataset': _AVSHAPES,
    'AVShapesInstancesDataset': _AVSHAPES,
    'VGGSoundDataset': 'VGG-Sound (YouTube videos of everyday sound sources)',
    'FlickrSoundNetDataset': 'Flickr-SoundNet (unlabelled Flickr videos, mostly outdoors)',
    'AVSBenchS4Dataset': 'AVSBench S4 (YouTube clips, one sounding object each)',
    'AVSBenchMS3Dataset': 'AVSBench MS3 (YouTube clips, several sounding objects)',
    'IS3Dataset': 'IS3 (synthetic frames of two sound-making objects)',
    'GroundingListDataset': 'a frames + audio + boxes list (GroundingListDataset)',
}
# Datasets that wrap another under ``dataset=`` (MMEngine's), followed inwards.
_WRAPPERS = ('RepeatDataset', 'ClassBalancedDataset')


@dataclass(frozen=True)
class Provenance:
    """What a localiser's weights are and what they were trained on.

    Args:
        config: The config's name (its file name without ``.py``) or zoo name.
        weights: One of :data:`TRAINED`, :data:`RELEASED_SSLTIE`,
            :data:`RANDOM`, :data:`PARTLY_RANDOM`.
        checkpoint: The checkpoint file, or None for random weights.
        trained_on: The training set in words (:data:`DATASET_WORDS`), or
            :data:`UNKNOWN`.
        train_list: The training list (``data_root/ann_file``) when known.
        epoch: The epoch the checkpoint was saved after, when known.
    """
    config: str
    weights: str
    checkpoint: Optional[str] = None
    trained_on: str = UNKNOWN
    train_list: Optional[str] = None
    epoch: Optional[int] = None

    def describe(self) -> str:
        """One line: the config, the weights and what they were trained on."""
        if self.weights == RANDOM:
            return f'{self.config}, random (untrained) weights: its heatmaps mean nothing'
        epoch = f' (epoch {self.epoch})' if self.epoch is not None else ''
        kind = RELEASED_SSLTIE if self.weights == RELEASED_SSLTIE else 'checkpoint'
        partly = (', which does not fit this config (loaded where it fits, the rest '
                  'random)') if self.weights == PARTLY_RANDOM else ''
        return (f'{self.config}, {kind} {self.checkpoint}{epoch}{partly}, trained on '
                f'{self.trained_on}')


def config_name(config: Any) -> str:
    """A config file's name without ``.py`` (a Config's own file, when it has one)."""
    path = config if isinstance(config, str) else getattr(config, 'filename', None)
    return osp.splitext(osp.basename(path))[0] if path else 'config'


def training_set(checkpoint: Any) -> Tuple[Optional[str], Optional[str]]:
    """The dataset type and list of ``train_dataloader`` in a checkpoint's saved
    config, or Nones when it has no saved config or does not say.

    Returns:
        tuple: ``(dataset type, 'data_root/ann_file' or None)``.
    """
    text = saved_config_text(checkpoint)
    if text is None:
        return None, None
    path = ['train_dataloader', 'dataset']
    kind = saved_config_value(text, *path, 'type')
    while kind in _WRAPPERS:
        path.append('dataset')
        kind = saved_config_value(text, *path, 'type')
    ann_file = saved_config_value(text, *path, 'ann_file')
    root = saved_config_value(text, *path, 'data_root')
    listed = osp.join(root, ann_file) if isinstance(root, str) and isinstance(
        ann_file, str) else ann_file if isinstance(ann_file, str) else None
    return (kind if isinstance(kind, str) else None), listed


def released_training_data(checkpoint_path: str) -> Optional[str]:
    """The ``Training Data`` of the first zoo entry whose released SSL-TIE file is
    saved under this checkpoint's name (the zoo's ``filename``), or None."""
    try:
        from avloc.apis.model_zoo import models
        entries = models().values()
    except (ImportError, OSError):  # no zoo in this install
        return None
    name = osp.basename(checkpoint_path)
    return next((e.training_data for e in entries
                 if e.converter == 'ssltie' and e.filename == name), None)


def weights_provenance(config: str, checkpoint_path: Optional[str], loaded: Any = None,
                       released: bool = False, fits: bool = True,
                       zoo_training_data: Optional[str] = None) -> Provenance:
    """The :class:`Provenance` of weights that :func:`init_localizer` set.

    Args:
        config: The config's or zoo entry's name.
        checkpoint_path: The checkpoint loaded, or None for random weights.
        loaded: The checkpoint file's contents (its meta and epoch are read).
        released: Whether it was a released SSL-TIE file, converted on loading.
        fits: False when only the tensors that fit were loaded.
        zoo_training_data: The zoo entry's ``Training Data``, when the model was
            named by the zoo.

    Returns:
        Provenance: ``trained_on`` from the saved config's training set, else for
        a released file the zoo's record of that release, else the zoo entry's,
        else :data:`UNKNOWN`.
    """
    if checkpoint_path is None:
        return Provenance(config, RANDOM)
    loaded = loaded if isinstance(loaded, dict) else {}
    kind, listed = training_set(loaded)
    if kind is not None:
        trained_on = DATASET_WORDS.get(kind, kind)
    elif released:
        trained_on = zoo_training_data or released_training_data(checkpoint_path) or UNKNOWN
    else:
        trained_on = zoo_training_data or UNKNOWN
    meta = loaded.get('meta')
    # MMEngine keeps the epoch in meta; the public SSL-TIE code at the top level.
    epoch = meta.get('epoch') if isinstance(meta, dict) else loaded.get('epoch')
    weights = PARTLY_RANDOM if not fits else RELEASED_SSLTIE if released else TRAINED
    return Provenance(config, weights, checkpoint_path, trained_on, listed,
                      epoch if isinstance(epoch, int) else None)
