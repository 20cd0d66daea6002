"""Building many small objects at once: drafts of long texts, exports of big decks, imports of big files."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a bulk build.

    Such builds allocate objects that stay alive and form no reference cycles, so the collector finds nothing; yet
    each full collection walks every object alive, so the bigger the input the more each pass costs, and work that
    should be linear is not. Reference counting still frees everything as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
