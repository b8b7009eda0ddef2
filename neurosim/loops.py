"""Running a coroutine to its end from plain code, also where an event loop already runs (a notebook's)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def loop_running() -> bool:
    """Whether this thread runs an event loop already (inside Jupyter, or a coroutine calling plain code)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def run_in_worker_thread(
    main: Callable[[], Coroutine[Any, Any, T]],
    loop_factory: Callable[[], asyncio.AbstractEventLoop],
    on_interrupt: Callable[[], None],
) -> T:
    """Run `main()` on a loop of its own in a worker thread, wait for it, and return its result or raise its error.

    The caller's loop is left alone (not patched to nest): it waits, as for any plain call. A
    KeyboardInterrupt while waiting (interrupting a Jupyter kernel) calls `on_interrupt`, and the wait
    goes on until the coroutine has ended.
    """
    outcome: list[T] = []
    failure: list[BaseException] = []

    def work() -> None:
        try:
            with asyncio.Runner(loop_factory=loop_factory) as runner:
                outcome.append(runner.run(main()))
        except BaseException as exc:  # handed to the caller's thread as it is
            failure.append(exc)

    worker = threading.Thread(target=work, name="neurosim-run")
    worker.start()
    while worker.is_alive():
        try:
            worker.join()
        except KeyboardInterrupt:
            on_interrupt()
    if failure:
        raise failure[0]
    return outcome[0]
