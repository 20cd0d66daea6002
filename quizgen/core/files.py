"""Writing files whole or not at all."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from quizgen.core.errors import WriteError


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` that replaces it only once written completely, so a failure mid-way (a full
    disk, Ctrl-C) leaves the old file, or no file, never half of one."""
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    except OSError as ex:
        raise WriteError(f"cannot write in {path.parent}: {ex.strerror or ex}") from None
    os.close(fd)
    partial = Path(name)
    try:
        yield partial
        os.replace(partial, path)
    except OSError as ex:
        raise WriteError(f"cannot write {path}: {ex.strerror or ex}") from None
    finally:
        partial.unlink(missing_ok=True)
