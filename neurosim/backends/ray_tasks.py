"""The Ray backend: a sweep's points as Ray tasks, on a local instance started for the run or on a cluster.

Without an address the run starts a Ray instance of its own on this machine,
one CPU per available core, every service on the loopback interface, with no
dashboard, no usage reporting and an access token of its own (held in its
environment, not saved in the home directory), and stops it at the end. With
`--address HOST:PORT` it connects to a running cluster (`ray start --head`
prints the address) and only disconnects at the end. Each point is one task
of one CPU that is never retried (a point whose worker dies fails the sweep,
as locally); at most twice the slots are queued at once, so that a stop
cancels little. A stop signal, a failure or an error cancels the tasks still
running, killing their worker processes. `connected` is the connection
alone (the settings, the start, the stop), on which `session` builds the
dispatch of points.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import signal
import socket
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from neurosim import api, memory
from neurosim.backends.protocol import POLL_S, Finished, PointTask, StartInterrupted
from neurosim.errors import OutputError
from neurosim.rundir import Row
from neurosim.scenarios.sweep import Point

#: Ray's settings for the instance a run starts on this machine (a setting already in the environment wins).
LOCAL_SETTINGS = {
    # a single-machine instance: Ray puts its services on loopback (it reads this when it is imported)
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
    "RAY_USAGE_STATS_ENABLED": "0",
}
#: Names that mean this machine in an address: a cluster there listens on loopback only.
LOOPBACK = ("127.0.0.1", "localhost", "::1")
#: Seconds to wait for a cluster's head to answer before refusing its address (Ray itself retries for minutes).
CONNECT_TIMEOUT_S = 5.0
#: Points queued per slot: enough to keep every CPU busy between two looks, few to cancel at a stop.
QUEUED_PER_SLOT = 2


@dataclass(frozen=True, slots=True)
class RayDispatch:
    """Points as Ray tasks of one CPU each, `slots` at once at most."""

    slots: int
    capacity: int

    def finished(self, todo: Sequence[Point], task: PointTask, stop: api.Stop) -> Finished:
        """Each point as it finishes; on leaving early, the tasks still queued or running are cancelled."""
        import ray  # noqa: PLC0415 - imported by `session`, which opened the connection this uses

        remote = ray.remote(num_cpus=1, max_retries=0)(_run)
        died = _died()
        queue = list(reversed(todo))
        pending: dict[Any, Point] = {}
        try:
            while (pending or queue) and stop.signum is None:
                while queue and len(pending) < QUEUED_PER_SLOT * self.slots:
                    point = queue.pop()
                    pending[remote.remote(task, point)] = point
                try:
                    ready, _ = ray.wait(list(pending), num_returns=1, timeout=POLL_S)
                    if ready:  # and any other that finished meanwhile, in the order of their points
                        ready, _ = ray.wait(list(pending), num_returns=len(pending), timeout=0)
                except Exception as exc:  # the cluster itself failed: no point is to blame
                    yield min(pending.values(), key=lambda p: p.index), f"Ray failed: {_first_line(exc)}"
                    return
                for ref in sorted(ready, key=lambda r: pending[r].index):
                    point = pending.pop(ref)
                    try:
                        rows = ray.get(ref)
                    except ray.exceptions.RayTaskError as exc:  # the point's own error, raised in its task
                        yield point, f"point {point.index}: {api.fault_text(exc.cause or exc)}"
                        return
                    except died as exc:
                        yield point, f"point {point.index}: its worker process died ({_first_line(exc)})"
                        return
                    except ray.exceptions.RayError as exc:  # Ray could not run it (its arguments, the store)
                        yield point, f"point {point.index}: {_first_line(exc)}"
                        return
                    yield point, rows
        finally:
            _cancel(ray, list(pending))


def _died() -> tuple[type[BaseException], ...]:
    """Ray's errors for a task whose worker process, or the machine it ran on, died."""
    import ray.exceptions as errors  # noqa: PLC0415 - only once Ray is in use

    return (errors.WorkerCrashedError, errors.NodeDiedError, errors.LocalRayletDiedError, errors.OutOfMemoryError)


def _run(task: PointTask, point: Point) -> list[Row]:
    """A point in a Ray worker (a module-level function: a worker imports it by name)."""
    return task(point)


def _cancel(ray: Any, refs: list[Any]) -> None:
    """Cancel the tasks of `refs`, killing the workers that run them, and wait until each has ended."""
    for ref in refs:
        with contextlib.suppress(Exception):  # a task that ended meanwhile has nothing to cancel
            ray.cancel(ref, force=True)
    if refs:
        with contextlib.suppress(Exception):
            ray.wait(refs, num_returns=len(refs), timeout=10.0)


def _first_line(exc: BaseException) -> str:
    """An error's type and the first sentence of its message, on one line (Ray's messages run to paragraphs)."""
    text = " ".join(str(exc).split())
    first = text.split(". ", 1)[0].rstrip(".")
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


@contextlib.contextmanager
def session(address: str | None, workers: int | None) -> Iterator[RayDispatch]:
    """Points as Ray tasks while inside, `workers` at once (None: every CPU of the instance or cluster)."""
    with connected(address) as capacity:
        yield RayDispatch(slots=capacity if workers is None else max(1, min(workers, capacity)), capacity=capacity)


@contextlib.contextmanager
def connected(address: str | None) -> Iterator[int]:
    """Ray while inside, to a new local instance (stopped on leaving) or the cluster at `address`; its CPUs.

    The connection alone, for any use of Ray. A process already connected to
    Ray (`ray.init` called by its own code) is used as it is and left connected.
    """
    settings = dict(LOCAL_SETTINGS) if address is None else _cluster_settings(address)
    if address is None and "RAY_AUTH_MODE" not in os.environ:
        settings |= {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)}
    with _environment(settings):
        import ray  # noqa: PLC0415 - Ray loads only for a run that asked for it

        if ray.is_initialized():
            yield _cpus(ray)
            return
        handlers = {s: signal.getsignal(s) for s in api.STOP_SIGNALS}
        try:
            _connect(ray, address)
        except SystemExit:  # Ray's own SIGTERM handler, in place while it connects: the run's decides
            with contextlib.suppress(Exception):
                ray.shutdown()
            _restore(handlers)
            signal.raise_signal(signal.SIGTERM)
            raise StartInterrupted from None
        finally:
            _restore(handlers)  # `ray.init` sets a SIGTERM handler of its own: the run's stays in charge
        try:
            yield _cpus(ray)
        finally:
            ray.shutdown()  # stops a local instance; a cluster is only disconnected from
            _restore(handlers)


def _connect(ray: Any, address: str | None) -> None:
    quiet = {"log_to_driver": False, "logging_level": logging.ERROR}
    try:
        if address is None:
            cores = memory.cores()
            ray.init(address="local", num_cpus=cores, include_dashboard=False, **quiet)
        else:
            ray.init(address=address, **quiet)
    except Exception as exc:  # a cluster that refuses us, a local instance that cannot start: one line
        failed = f"--address {address}: cannot connect" if address is not None else "a local Ray instance did not start"
        raise OutputError(f"{failed}: {_first_line(exc)}") from None


def _cpus(ray: Any) -> int:
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def _cluster_settings(address: str) -> dict[str, str]:
    """Check that a head answers at `address` (HOST:PORT) before Ray tries; its settings for a loopback head."""
    host, _, port = address.rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit():
        raise OutputError(f"--address {address}: expected HOST:PORT, the address `ray start --head` prints")
    try:
        with socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT_S):
            pass
    except OSError as exc:
        raise OutputError(
            f"--address {address}: no Ray head answers there ({exc.strerror or type(exc).__name__})"
        ) from None
    # a head on loopback was started on this machine with the local settings; Ray would otherwise swap in
    # this machine's network address, where nothing listens
    return {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"} if host in LOOPBACK else {}


@contextlib.contextmanager
def _environment(settings: Mapping[str, str]) -> Iterator[None]:
    """`settings` in the environment while inside (the ones already set are kept), then as they were."""
    added = {k: v for k, v in settings.items() if k not in os.environ}
    os.environ.update(added)
    try:
        yield
    finally:
        for key in added:
            os.environ.pop(key, None)


def _restore(handlers: Mapping[signal.Signals, Any]) -> None:
    for signum, handler in handlers.items():
        if signal.getsignal(signum) is not handler and handler is not None:
            signal.signal(signum, handler)
