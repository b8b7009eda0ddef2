"""The local backend: a sweep's points in this process (one worker) or in a pool of worker processes.

The workers ignore Ctrl-C (sent to the whole terminal's process group: the
sweep decides) and are terminated when the sweep stops early; a worker that
dies fails the sweep (which point it ran is not known).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import ctypes
import multiprocessing
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from neurosim import api, memory
from neurosim.backends.protocol import POLL_S, Finished, PointTask
from neurosim.errors import RunInterrupted
from neurosim.scenarios.sweep import Point

#: prctl(2)'s option: the signal a process gets when its parent ends.
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True, slots=True)
class LocalDispatch:
    """Points in this process (`slots` 1) or in `slots` worker processes."""

    slots: int
    capacity: int

    @classmethod
    def sized(cls, workers: int | None) -> LocalDispatch:
        """As many workers as asked, at most one per available core; all of them by default."""
        cores = memory.cores()
        return cls(slots=cores if workers is None else max(1, min(workers, cores)), capacity=cores)

    def finished(self, todo: Sequence[Point], task: PointTask, stop: api.Stop) -> Finished:
        """Each point as it finishes; on leaving early, the workers are terminated mid-point."""
        if self.slots == 1:
            yield from _in_process(todo, task, stop)
            return
        context = multiprocessing.get_context("spawn")  # no fork of a process with BLAS or event-loop threads
        pool = cf.ProcessPoolExecutor(max_workers=self.slots, mp_context=context, initializer=_worker_signals)
        pending = {pool.submit(task, p): p for p in todo}
        try:
            while pending and stop.signum is None:
                done, _ = cf.wait(pending, timeout=POLL_S, return_when=cf.FIRST_COMPLETED)
                for future in sorted(done, key=lambda fut: pending[fut].index):
                    point = pending.pop(future)
                    try:
                        rows = future.result()
                    except cf.process.BrokenProcessPool as exc:  # a worker died: which point it ran is not known
                        yield point, f"a worker process died ({api.fault_text(exc)})"
                        return
                    except Exception as exc:
                        yield point, f"point {point.index}: {api.fault_text(exc)}"
                        return
                    yield point, rows
        finally:
            _stop_pool(pool, wait=not pending)


def _in_process(todo: Sequence[Point], task: PointTask, stop: api.Stop) -> Finished:
    for point in todo:
        if stop.signum is not None:
            return
        try:
            rows = task(point, stop=stop)
        except RunInterrupted:
            raise
        except Exception as exc:  # any error of a point fails it, and stops the sweep
            yield point, f"point {point.index}: {api.fault_text(exc)}"
            return
        yield point, rows


def _worker_signals() -> None:
    """A worker ignores Ctrl-C (sent to the whole terminal's process group): its sweep decides, and stops it.

    On Linux it also asks to be terminated when its sweep's process ends, however that ends (even killed).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _stop_pool(pool: cf.ProcessPoolExecutor, *, wait: bool) -> None:
    """Shut the pool down: after its work (`wait`), or now, terminating the workers mid-point."""
    if wait:
        pool.shutdown(wait=True)
        return
    # Python 3.11's executor has no way to stop a busy worker (3.14 adds terminate_workers): its processes
    processes = list((pool._processes or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=1.0)
        if process.is_alive():
            process.kill()
            process.join()
