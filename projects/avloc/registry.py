"""avloc's registries, each a child of MMEngine's root registry of the same kind.

Being children lets configs with ``default_scope='avloc'`` find avloc's own modules
first and fall back to MMEngine's (optimizers, runners, hooks, ...).

mmcv registers its transforms in MMEngine's root ``TRANSFORMS``, so under scope
avloc a name avloc does not define falls back to mmcv's transform of that name.
The names in :data:`RENAMED_TRANSFORMS` do not: avloc's transforms once had them,
and mmcv or mmpretrain use them for transforms that behave otherwise. Under scope
avloc they raise an error that names avloc's new name and mmcv's scoped one,
rather than quietly picking one reading for a pipeline written with the other.
"""
from typing import Optional, Type

from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import FUNCTIONS as MMENGINE_FUNCTIONS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import Registry

RUNNERS = Registry('runner', parent=MMENGINE_RUNNERS, locations=['avloc.engine'])
LOOPS = Registry('loop', parent=MMENGINE_LOOPS, locations=['avloc.engine'])
HOOKS = Registry('hook', parent=MMENGINE_HOOKS, locations=['avloc.engine.hooks'])
LOG_PROCESSORS = Registry('log processor', parent=MMENGINE_LOG_PROCESSORS,
                          locations=['avloc.engine'])

DATASETS = Registry('dataset', parent=MMENGINE_DATASETS, locations=['avloc.datasets'])
DATA_SAMPLERS = Registry('data sampler', parent=MMENGINE_DATA_SAMPLERS,
                         locations=['avloc.datasets'])
# Old avloc name -> the error for it. Each says what the name means elsewhere, what
# avloc's transform is called now, and how to ask for mmcv's own ('mmcv.Resize').
RENAMED_TRANSFORMS = {
    'Resize': (
        "type='Resize' is mmcv's Resize (an int scale makes a square, a (w, h) scale "
        "that size; no homography recorded), which avloc's Resize shadowed with "
        "another meaning of an int scale (the short side). Write type='ShortSideResize' "
        "(avloc's, int scale: the short side), type='FixedSizeResize' (avloc's, "
        "scale=(w, h)) or type='mmcv.Resize' for mmcv's own"),
    'CenterCrop': (
        "type='CenterCrop' is mmcv's CenterCrop (crop_size=..., shrunk or padded to "
        "the frame; no homography recorded), which avloc's CenterCrop(size=...) "
        "shadowed. Write type='ExactCenterCrop' for avloc's or type='mmcv.CenterCrop' "
        "for mmcv's own"),
    'RandomFlip': (
        "type='RandomFlip' is mmcv's RandomFlip (prob and direction; no homography "
        "recorded), which avloc's horizontal flip shadowed. Write "
        "type='RandomHorizontalFlip' for avloc's or type='mmcv.RandomFlip' for mmcv's own"),
    'RandomGrayscale': (
        "type='RandomGrayscale' is mmcv's RandomGrayscale (one channel, equal weights, "
        "BGR by default), which avloc's three-channel torchvision grey shadowed. Write "
        "type='RandomGrayscaleRGB' for avloc's or type='mmcv.RandomGrayscale' for mmcv's own"),
    'RandomResizedCrop': (
        "type='RandomResizedCrop' names mmpretrain's transform (scale is the output "
        "size) and avloc's former torchvision-style one (size, scale = area range). "
        "Write type='RandomAreaCrop' for avloc's"),
    'ColorJitter': (
        "type='ColorJitter' names mmpretrain's transform (jitters every frame) and "
        "avloc's former one (jitters with probability prob, 0.8 by default). Write "
        "type='RandomColorJitter' for avloc's (prob=1.0 jitters every frame)"),
}


class RenamedTransformError(KeyError):
    """A config names a transform by one of :data:`RENAMED_TRANSFORMS`."""

    def __str__(self) -> str:  # the message as written, not KeyError's repr of it
        return str(self.args[0])


class TransformRegistry(Registry):
    """avloc's ``TRANSFORMS``: :class:`Registry`, except that the names in
    :data:`RENAMED_TRANSFORMS`, bare or as ``avloc.<name>``, raise
    :class:`RenamedTransformError` instead of resolving to mmcv's transform.
    ``mmcv.<name>`` resolves to mmcv's as usual."""

    def get(self, key: str) -> Optional[Type]:
        if isinstance(key, str):
            scope, name = self.split_scope_key(key)
            if scope in (None, self.scope) and name in RENAMED_TRANSFORMS:
                raise RenamedTransformError(RENAMED_TRANSFORMS[name])
        return super().get(key)

    def __contains__(self, key: str) -> bool:
        scope, name = self.split_scope_key(key)
        if scope in (None, self.scope) and name in RENAMED_TRANSFORMS:
            return False
        return super().__contains__(key)


TRANSFORMS = TransformRegistry('transform', parent=MMENGINE_TRANSFORMS,
                               locations=['avloc.datasets.transforms'])

MODELS = Registry('model', parent=MMENGINE_MODELS, locations=['avloc.models'])
MODEL_WRAPPERS = Registry('model_wrapper', parent=MMENGINE_MODEL_WRAPPERS,
                          locations=['avloc.models'])
OPTIMIZERS = Registry('optimizer', parent=MMENGINE_OPTIMIZERS, locations=['avloc.engine'])
OPTIM_WRAPPERS = Registry('optim_wrapper', parent=MMENGINE_OPTIM_WRAPPERS,
                          locations=['avloc.engine'])
OPTIM_WRAPPER_CONSTRUCTORS = Registry('optimizer wrapper constructor',
                                      parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS,
                                      locations=['avloc.engine'])
PARAM_SCHEDULERS = Registry('parameter scheduler', parent=MMENGINE_PARAM_SCHEDULERS,
                            locations=['avloc.engine'])

METRICS = Registry('metric', parent=MMENGINE_METRICS, locations=['avloc.evaluation'])
EVALUATOR = Registry('evaluator', parent=MMENGINE_EVALUATOR, locations=['avloc.evaluation'])

VISUALIZERS = Registry('visualizer', parent=MMENGINE_VISUALIZERS,
                       locations=['avloc.visualization'])
VISBACKENDS = Registry('vis_backend', parent=MMENGINE_VISBACKENDS,
                       locations=['avloc.visualization'])

FUNCTIONS = Registry('function', parent=MMENGINE_FUNCTIONS, locations=['avloc.datasets'])
