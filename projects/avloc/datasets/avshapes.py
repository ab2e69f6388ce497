"""The embedded AVShapes benchmark, generated on first use."""
from typing import Optional

from mmengine.dist import barrier, broadcast_object_list, is_distributed, is_main_process
from mmengine.logging import MMLogger

from avloc.registry import DATASETS
from .synthesis import AVShapesSettings, generate_avshapes, is_complete
from .synthesis.scenes import SHAPES
from .vggsound import VGGSoundDataset


@DATASETS.register_module()
class AVShapesDataset(VGGSoundDataset):
    """AVShapes clips (see :mod:`avloc.datasets.synthesis.avshapes_generator`).

    When ``data_root`` holds no finished dataset, rank 0 generates it first with
    ``generator`` settings while the other ranks wait.

    Args:
        generator (dict, optional): :class:`AVShapesSettings` fields, plus
            ``num_workers``. Defaults to None (the default settings).
        generate_if_missing (bool): Defaults to True.
        **kwargs: Passed to :class:`VGGSoundDataset`.
    """

    METAINFO = dict(classes=SHAPES)

    def __init__(self, data_root: str, generator: Optional[dict] = None,
                 generate_if_missing: bool = True, **kwargs) -> None:
        # Rank 0 decides, so that every rank takes the same path to the barrier.
        missing = [not is_complete(data_root)]
        if is_distributed():
            broadcast_object_list(missing, src=0)
        if missing[0]:
            if not generate_if_missing:
                raise FileNotFoundError(f'{data_root}: no finished AVShapes dataset; run '
                                        'tools/data/avshapes/generate.py')
            cfg = dict(generator or {})
            num_workers = cfg.pop('num_workers', 2)
            if is_main_process():
                MMLogger.get_current_instance().info(f'Generating AVShapes in {data_root}')
                generate_avshapes(data_root, AVShapesSettings(**cfg), num_workers)
            if is_distributed():
                barrier()
        kwargs.setdefault('box_file', 'vggss.json')
        super().__init__(data_root=data_root, **kwargs)
