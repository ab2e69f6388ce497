"""The config set-up shared by ``tools/train.py`` and ``tools/test.py``."""
import os.path as osp
from typing import Optional

from mmengine.config import Config


def load_run_config(config: str, cfg_options: Optional[dict] = None,
                    work_dir: Optional[str] = None, launcher: str = 'none') -> Config:
    """Read ``config`` and apply the options every tool takes.

    Args:
        config: Path of the config file.
        cfg_options: ``--cfg-options`` overrides. Defaults to None.
        work_dir: ``--work-dir``; without it the config's own, else
            ``work_dirs/<config name>``. Defaults to None.
        launcher: ``--launcher``. Defaults to 'none'.
    """
    cfg = Config.fromfile(config)
    cfg.launcher = launcher
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if work_dir:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('work_dirs', osp.splitext(osp.basename(config))[0])
    return cfg
