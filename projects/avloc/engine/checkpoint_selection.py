"""The public SSL-TIE code's checkpoint selection on the test set, as an option that
labels every score it leads to.

SSL-TIE's ``main.py`` (https://github.com/jinxiang-liu/SSL-TIE, c49e6a9) validates
on the test list after every epoch, with its training batch size (32) and
``drop_last=True``, and keeps the epoch with the highest cIoU@0.5 (``mean_ciou >
best_miou``): 4,896 of the 4,911 VGG-SS clips and 224 of the 249 Flickr clips are
scored. Selecting on the test set makes the test score an optimistic one, so
avloc's paper configs validate on a held-out share of the training list instead.
``select_on_test=True`` in a config (the ``_select-on-test`` configs, or
``--cfg-options select_on_test=True``) reproduces the public selection:

    python tools/train.py \\
        configs/ssltie/ssltie_r18_1xb32-100e_vggsound144k-mix_select-on-test.py

and marks what it produces: the validation scores are logged as
``selected-on-test-set/cIoU@0.5`` (so the best checkpoint is
``best_selected-on-test-set_cIoU@0.5_epoch_<n>.pth``), the metric's log line
starts with ``[checkpoint selected on the test set]``, and every checkpoint of the
run carries ``meta['checkpoint_selection'] = 'test set'``, which ``tools/test.py``
reads back into its table header, its log and ``--metrics-out``, whatever config
it is given.

The public code ran on one GPU. On several, each process drops its own last partial
batch of a sampler that pads the list to a multiple of the process count, so only
a single-process run scores exactly the public clips.
"""
import copy
from typing import Union

from mmengine.config import Config, ConfigDict
from mmengine.hooks import Hook

from avloc.datasets import VGGSoundDataset
from avloc.registry import DATASETS

SELECTED_ON_TEST = 'checkpoint selected on the test set'
SELECTION_PREFIX = 'selected-on-test-set'  # the validation metric's key prefix
META_KEY = 'checkpoint_selection'  # in a checkpoint's meta and the message hub
TEST_SET = 'test set'


def _ciou_evaluator(evaluator: Union[dict, list, None]) -> dict:
    """The one ``CIoUMetric`` of a test evaluator config."""
    cfgs = evaluator if isinstance(evaluator, (list, tuple)) else [evaluator]
    found = [c for c in cfgs if isinstance(c, dict) and c.get('type') == 'CIoUMetric']
    if len(found) != 1:
        raise ValueError('select_on_test=True selects the checkpoint by the test '
                         "evaluator's cIoU@0.5, so the test evaluator must hold exactly "
                         f'one CIoUMetric; found {len(found)} in {evaluator}')
    return found[0]


def apply_select_on_test(cfg: Union[Config, ConfigDict]) -> Union[Config, ConfigDict]:
    """A copy of ``cfg`` that, when it sets ``select_on_test=True``, validates and
    keeps its best checkpoint as the public SSL-TIE code does.

    The validation loader becomes the test loader (same list, order and batch size)
    with ``drop_last=True``; the validation metric, the test's ``CIoUMetric`` under
    the prefix ``selected-on-test-set`` and with the label
    ``'checkpoint selected on the test set'``; validation runs every epoch, and the
    checkpoint hook keeps the best cIoU@0.5 (a later epoch must beat it, as
    ``mean_ciou > best_miou`` in the public code). The test loader is left whole:
    ``tools/test.py`` scores every test clip.

    Args:
        cfg: The run's config. ``select_on_test`` may be absent, False or True.

    Returns:
        The config itself when the option is off, else a changed copy.

    Raises:
        ValueError: ``select_on_test`` is neither True nor False, or the test
            evaluator does not hold exactly one ``CIoUMetric``.
    """
    option = cfg.get('select_on_test', False)
    if option is False or option is None:
        return cfg
    if option is not True:
        raise ValueError(f'select_on_test must be True or False, got {option!r}')
    cfg = copy.deepcopy(cfg)
    ciou = _ciou_evaluator(cfg.get('test_evaluator'))
    val_loader = copy.deepcopy(cfg['test_dataloader'])
    val_loader['drop_last'] = True  # the public code scores only whole batches
    dataset = val_loader['dataset']
    dataset_cls = DATASETS.get(dataset['type']) if isinstance(dataset['type'], str) \
        else dataset['type']
    if isinstance(dataset_cls, type) and issubclass(dataset_cls, VGGSoundDataset):
        # Fewer clips than a batch would leave no batch to score: say so at load.
        dataset['min_clips'] = val_loader['batch_size']
    cfg['val_dataloader'] = val_loader
    cfg['val_evaluator'] = dict(copy.deepcopy(ciou), prefix=SELECTION_PREFIX,
                                label=SELECTED_ON_TEST)
    cfg['val_cfg'] = cfg.get('val_cfg') or dict(type='ValLoop')
    cfg['train_cfg']['val_interval'] = 1  # eval_freq 1 from eval_start 1
    threshold = ciou.get('threshold', 0.5)
    cfg['default_hooks']['checkpoint'].update(
        save_best=f'{SELECTION_PREFIX}/cIoU@{threshold:g}', rule='greater')
    return cfg


def loaded_selection(runner) -> bool:
    """Whether the checkpoint this runner loaded was selected on the test set (its
    meta says so, see :class:`CheckpointSelectionHook`)."""
    return runner.message_hub.get_info(META_KEY) == TEST_SET


class CheckpointSelectionHook(Hook):
    """Carry the selection on the test set from a run to its checkpoints, and from a
    loaded checkpoint to the test scores.

    Every checkpoint of a run with ``select_on_test=True``, or of a run that
    started from such a checkpoint, is saved with ``meta['checkpoint_selection']
    = 'test set'``. Loading such a checkpoint logs a warning and labels the test's
    ``CIoUMetric`` log lines; ``tools/test.py`` also says it above its table
    (:func:`loaded_selection`). :class:`~avloc.engine.AVLocRunner` registers it.
    """

    priority = 'VERY_LOW'  # before PlainCheckpointHook, which saves the meta last

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if runner.cfg.get('select_on_test') is True or loaded_selection(runner):
            checkpoint.setdefault('meta', {})[META_KEY] = TEST_SET

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        meta = checkpoint.get('meta') if isinstance(checkpoint, dict) else None
        if isinstance(meta, dict) and meta.get(META_KEY) == TEST_SET:
            runner.message_hub.update_info(META_KEY, TEST_SET)
            runner.logger.warning(
                f'{SELECTED_ON_TEST}: this checkpoint comes from a run that chose its '
                'epoch by cIoU@0.5 on the test set (select_on_test=True, as the public '
                'SSL-TIE code does), so its scores on that test set are not held-out '
                'scores')

    def before_test(self, runner) -> None:
        if not loaded_selection(runner):
            return
        for metric in runner.test_evaluator.metrics:
            if hasattr(metric, 'label') and not metric.label:
                metric.label = SELECTED_ON_TEST
