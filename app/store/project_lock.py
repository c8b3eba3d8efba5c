"""One program at a time writes a project file: an exclusive lock, held while the project is open, on a
small file beside it (`NAME.labelassist-lock`, gone again when the project closes).

Two apps writing one project would each show a stale copy of what the other changed, and one's undo would
overwrite the other's edits; so the second is refused with a message. The lock is the operating system's
(flock, or a byte-range lock on Windows): it dies with its process, so a crashed or killed app never leaves
a project locked. Connections of one process (the app, its worker threads, an export) share one lock.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

from app.store.errors import ProjectInUseError

LOCK_SUFFIX = "-lock"

_guard = threading.Lock()
# lock file -> (its descriptor, how many opens of this process use it)
_held: dict[Path, tuple[int, int]] = {}


def lock_path(project: Path) -> Path:
    return project.with_name(project.name + LOCK_SUFFIX)


def acquire(project: Path) -> Path:
    """Lock `project` for this process (again, if it holds it already); returns what `release` takes.
    Raises ProjectInUseError when another process holds it."""
    path = lock_path(project.absolute())
    with _guard:
        if path in _held:
            fd, users = _held[path]
            _held[path] = (fd, users + 1)
            return path
        while True:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            if not _try_lock(fd):
                holder = _read_holder(fd)
                os.close(fd)
                raise ProjectInUseError(
                    f"'{project.name}' is open in another LabelAssist{holder}: close it there first. "
                    "Two programs writing one project would each miss what the other changed."
                )
            if _same_file(fd, path):  # not a lock file the last holder removed as we opened it
                break
            os.close(fd)
        if os.name != "nt":  # for the message another process shows (Windows cannot read a locked byte)
            try:
                os.ftruncate(fd, 0)
                os.write(fd, str(os.getpid()).encode())
            except OSError:
                pass  # a full disk: the message will not name the process, the lock holds all the same
        _held[path] = (fd, 1)
        return path


def release(path: Path) -> None:
    with _guard:
        fd, users = _held[path]
        if users > 1:
            _held[path] = (fd, users - 1)
            return
        del _held[path]
        if os.name != "nt":  # removed while still locked, so no one can lock the old file after us
            try:
                path.unlink()
            except OSError:
                pass
        os.close(fd)


def _try_lock(fd: int) -> bool:
    try:
        if sys.platform == "win32":
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except OSError:
        return False


def _read_holder(fd: int) -> str:
    """' (process N)' from what the holder wrote, or '' when it cannot be read."""
    try:
        pid = os.pread(fd, 32, 0).decode("ascii").strip()
    except (OSError, UnicodeDecodeError, AttributeError):  # Windows: no pread, and the locked byte reads not
        return ""
    return f" (process {pid})" if pid.isdigit() else ""
