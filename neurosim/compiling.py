"""Saying once, on stderr, that a first run compiled the engine's functions, and how long that took.

numba compiles a function on its first call and keeps it in its cache beside
the package (`cache=True`), so only the first run on a machine (or after an
upgrade) waits; the wait is measured from numba's own compile events.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import IO

#: Compiling that took longer than this (seconds) is worth a line.
NOTICE_AFTER_S = 1.0


@contextlib.contextmanager
def compile_notice(err: IO[str], what: str, *, enabled: bool = True) -> Iterator[None]:
    """While inside, time numba's compiling; after, one line on `err` if it took longer than NOTICE_AFTER_S."""
    if not enabled:
        yield
        return
    from numba.core import event  # noqa: PLC0415 - loaded with the engines, after the arguments are parsed

    timer = event.TimingListener()  # type: ignore[no-untyped-call]
    with event.install_listener("numba:compile", timer):
        yield
    if timer.done and timer.duration > NOTICE_AFTER_S:
        print(
            f"neurosim: compiling {what} (first run), took {timer.duration:.1f} s; later runs load it from the cache",
            file=err,
        )
