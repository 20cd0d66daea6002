"""Writing files whole or not at all."""

from __future__ import annotations

import os
import re
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from quizgen.core.errors import Terminated, WriteError

if sys.platform != "win32":
    import fcntl

# Signals that end a write but leave us time to remove what we had begun (SIGKILL leaves none).
CLEANUP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


def final_target(path: Path) -> Path:
    """The file ``path`` names once symlinks are followed: writing there keeps a link a link."""
    return Path(os.path.realpath(path))


def not_regular(path: Path) -> str | None:
    """What ``path`` (followed through symlinks) is, if it exists and is not a regular file: "a folder", "a device",
    "a FIFO", "a socket"; None if it is a regular file or does not exist.

    Only stat'd, never opened: opening a FIFO waits for a writer, and reading a device like /dev/full never ends.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return None
    except OSError as ex:
        raise WriteError(f"cannot write {path}: {ex.strerror or ex}") from None
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device"


def read_prefix(path: Path, limit: int) -> bytes | None:
    """At most ``limit`` bytes from the start of ``path`` if it is a regular file, else None (unreadable too)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None
            return fh.read(limit)
        except OSError:
            return None


@contextmanager
def cleanup_on_signals() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into a ``Terminated`` exception for the duration, so the cleanup of whatever is being
    written runs as it does for Ctrl-C; the handlers before are restored after.

    A signal someone chose to ignore (``nohup``) or handle stays theirs, and so does every signal when this runs off
    the main thread (where Python cannot set handlers).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    taken = [signum for signum in CLEANUP_SIGNALS if signal.getsignal(signum) == signal.SIG_DFL]

    def stop(signum: int, _frame: object) -> None:
        # A second signal must not cut short the cleanup the first one started.
        for other in taken:
            signal.signal(other, signal.SIG_IGN)
        raise Terminated(signum)

    for signum in taken:
        signal.signal(signum, stop)
    try:
        yield
    finally:
        for signum in taken:
            signal.signal(signum, signal.SIG_DFL)


def _new_file_mode() -> int:
    """The mode ``open()`` gives a new file under the current umask (which can only be read by setting it)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def _hold(fd: int) -> None:
    """Lock a partial file while it is being written, so another run can tell it from one a killed run left."""
    if sys.platform != "win32":
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _abandoned(path: Path) -> bool:
    """True if nobody is writing the partial file ``path`` (its lock is free)."""
    if sys.platform == "win32":
        return False
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    finally:
        os.close(fd)
    return True


def remove_stale_partials(target: Path) -> None:
    """Remove the partial files of ``target`` that runs killed mid-write (SIGKILL, a power cut) left beside it."""
    # The names mkstemp gives in ``replacing``, and only those: another file's partials stay.
    own = re.compile(rf"\.{re.escape(target.name)}\.[a-z0-9_]{{8}}\.partial")
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return
    for entry in entries:
        if own.fullmatch(entry.name) and entry.is_file(follow_symlinks=False) and _abandoned(Path(entry.path)):
            Path(entry.path).unlink(missing_ok=True)


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` that replaces it only once written completely, so a failure mid-way (a full
    disk, Ctrl-C, SIGTERM) leaves the old file, or no file, never half of one.

    A symlink stays a link: the file it points to gets the new content. A new file gets the mode the umask gives,
    a replaced one keeps its mode. Anything but a regular file (a device, a FIFO) is refused, never replaced.
    """
    target = final_target(path)
    kind = not_regular(target)
    if kind:
        raise WriteError(f"{path} is {kind}, not a regular file; not writing to it")
    with cleanup_on_signals():
        remove_stale_partials(target)
        try:
            mode = stat.S_IMODE(os.stat(target).st_mode) & 0o777
        except OSError:
            mode = _new_file_mode()
        try:
            fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
        except OSError as ex:
            raise WriteError(f"cannot write in {target.parent}: {ex.strerror or ex}") from None
        partial = Path(name)
        try:
            _hold(fd)
            os.chmod(partial, mode)
            yield partial
            os.replace(partial, target)
        except OSError as ex:
            raise WriteError(f"cannot write {path}: {ex.strerror or ex}") from None
        finally:
            partial.unlink(missing_ok=True)
            os.close(fd)
