"""One training run per work dir at a time."""
import fcntl
import os
import os.path as osp
import socket
from typing import IO, Optional


class WorkDirLockedError(RuntimeError):
    """Another run holds the work dir."""


class WorkDirLock:
    """An exclusive lock on ``<work_dir>/.train.lock``, held for the life of the
    process.

    The operating system releases it when the process ends, however it ends
    (``kill -9`` included), so a crashed run never leaves a stale lock behind. It is
    a POSIX record lock (``lockf``): dataloader workers forked by the run do not
    inherit it, so orphaned workers of a killed run cannot keep the dir locked. The
    file records who holds it, for the error the second run prints.

    Args:
        work_dir: The run's work dir (created if missing).
    """

    def __init__(self, work_dir: str) -> None:
        os.makedirs(work_dir, exist_ok=True)
        self.path = osp.join(work_dir, '.train.lock')
        self._file: Optional[IO[str]] = None

    def acquire(self) -> 'WorkDirLock':
        """Take the lock, or raise :class:`WorkDirLockedError` naming the holder."""
        handle = open(self.path, 'a+')
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or 'another process'
            handle.close()
            raise WorkDirLockedError(
                f'{osp.dirname(self.path)}: another training run is using this work '
                f'dir ({holder}); wait for it to end or choose another --work-dir')
        handle.seek(0)
        handle.truncate()
        handle.write(f'pid {os.getpid()} on {socket.gethostname()}\n')
        handle.flush()
        self._file = handle
        return self

    def release(self) -> None:
        """Give the lock back (also done by the OS when the process ends)."""
        if self._file is not None:
            fcntl.lockf(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
