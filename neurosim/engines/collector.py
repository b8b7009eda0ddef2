"""Pausing Python's cyclic garbage collector for the length of a run."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import AsyncIterator


@contextlib.asynccontextmanager
async def collector_paused(*, collect: bool = True) -> AsyncIterator[None]:
    """Pause the cyclic garbage collector while a run's recalls run.

    With thousands of live tasks every collection walks them all, which makes a
    run 2-4 times slower (docs/performance.md); the runtime creates no reference cycles per
    wake-up, so pausing it only delays freeing a few cycles until the run ends.
    The kernel's runs pause it too, without the collection first (a full one
    costs tens of milliseconds once numba is loaded, more than a short kernel
    run): their finished trials pile up, and a full collection walks them all.
    The collection first is of the young generations only: an earlier run's
    objects were made while the collector was paused, so they are young, and a
    full collection would walk every module numba loaded (0.1-0.3 s, most of a
    small sweep point's time).
    """
    was_enabled = gc.isenabled()
    if collect:
        gc.collect(1)
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if was_enabled:
            gc.enable()
