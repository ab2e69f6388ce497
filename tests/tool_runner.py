"""Running the command-line tools from tests on a tiny generated dataset."""
import os
import subprocess
import sys
from typing import List

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_tool(*args: str, env: dict = None) -> str:
    """Run ``python <args>`` (or ``bash <script>``) in the repository; return its log."""
    cmd = ['bash', *args] if args[0].endswith('.sh') else [sys.executable, *args]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, **(env or {})))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def data_options(root: str) -> List[str]:
    """--cfg-options pointing every split at ``root``, without worker processes."""
    return [f'{split}_dataloader.dataset.data_root={root}' for split in
            ('train', 'val', 'test')] + [
        'train_dataloader.num_workers=0', 'val_dataloader.num_workers=0',
        'test_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False',
        'val_dataloader.persistent_workers=False', 'test_dataloader.persistent_workers=False']
