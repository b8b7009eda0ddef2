"""structlog configuration, done once at the edge: JSON lines for files, a console renderer for people.

No global structlog state is touched: each run wraps its own loggers, so runs
(and tests) never see each other's configuration.
"""

from __future__ import annotations

import functools
import json
import operator
import sys
from collections.abc import Callable, Iterable, MutableMapping
from dataclasses import fields
from typing import IO, Any, Literal, Protocol

import numpy as np
import orjson
import structlog
from structlog.typing import EventDict, WrappedLogger

from neurosim.events import (
    CapacityExceeded,
    Event,
    FlipRun,
    RunFinished,
    RunStarted,
    SweepFinished,
    SweepPoint,
    SweepStarted,
    TrialFinished,
    TrialStarted,
    emit_flips_as_records,
)
from neurosim.typing import RecordLogger

LogFormat = Literal["console", "json"]
_LEVELS = {"debug": 10, "info": 20, "warning": 30}
#: The events shown on the console: one line per run and trial, not per neuron.
CONSOLE_EVENTS: tuple[type[Event], ...] = (
    RunStarted,
    CapacityExceeded,
    TrialStarted,
    TrialFinished,
    RunFinished,
    SweepStarted,
    SweepPoint,
    SweepFinished,
)


class LineStream(Protocol):
    """Where lines go: a text file, or the run directory's event log (`rundir.LineFile`)."""

    def write(self, text: str, /) -> int: ...

    def flush(self) -> None: ...


class LineWriter:
    """A structlog logger that writes each rendered line to a text stream, flushing only on request."""

    def __init__(self, stream: LineStream) -> None:
        self._write = stream.write
        self.stream = stream

    def msg(self, message: str) -> None:
        self._write(message + "\n")

    debug = info = warning = error = critical = log = msg

    def flush(self) -> None:
        self.stream.flush()


def render_json_line(_: WrappedLogger, __: str, event_dict: EventDict) -> str:
    """Render one event as compact JSON with `event` first (structlog's final processor).

    orjson (structlog's recommended serializer for speed) writes floats in their
    shortest round-trip form, so every value reads back exactly, and numpy scalars
    as numbers. What orjson refuses (an integer beyond 64 bits, such as a huge
    seed; a string that is not valid Unicode, such as a file name in another
    encoding) goes through the standard library's encoder instead, with ASCII escapes.
    """
    if next(iter(event_dict)) != "event":  # `EventLogger.record` puts it first already
        event_dict = {"event": event_dict.pop("event"), **event_dict}
    try:
        line: bytes = orjson.dumps(event_dict, option=orjson.OPT_SERIALIZE_NUMPY)
    except orjson.JSONEncodeError:
        return json.dumps(event_dict, separators=(",", ":"), default=_plain)
    return line.decode()


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} cannot be written as JSON")


@functools.cache
def _event_logger_class(min_level: int) -> type[Any]:
    """structlog's filtering bound logger for `min_level`, with one more method, `record`."""

    base: type[Any] = structlog.make_filtering_bound_logger(min_level)

    class EventLogger(base):  # type: ignore[misc]
        """Logs an event whose fields come as a dict (a custom structlog wrapper class).

        `log.record("info", "neuron_flipped", fields)` is `log.info("neuron_flipped",
        **fields)` through the same processor chain, without unpacking and packing
        the keywords twice on the way; `records` logs many events of one kind: the
        hot path of the event log.
        """

        def record(self, level: str, event: str, event_fields: dict[str, Any]) -> None:
            self.records(level, event, (event_fields,))

        def records(self, level: str, event: str, many: Iterable[dict[str, Any]]) -> None:
            """`record` for each dict of fields in `many`, in order."""
            if _LEVELS[level] < min_level:
                return
            # what `_process_event` and `_proxy_to_logger` do, with each event dict built in one step, `event` first
            context, processors, logger = self._context, self._processors, self._logger
            write = getattr(logger, level)
            for event_fields in many:
                event_dict: Any = {"event": event, **context, **event_fields}
                try:
                    for processor in processors:
                        event_dict = processor(logger, level, event_dict)
                except structlog.DropEvent:
                    continue
                if isinstance(event_dict, str | bytes | bytearray):
                    write(event_dict)
                elif isinstance(event_dict, tuple):
                    args, kw = event_dict
                    write(*args, **kw)
                else:
                    write(**event_dict)

    return EventLogger


def json_logger(stream: LineStream, level: str = "info") -> Any:
    """A filtering bound logger that writes JSON lines to `stream`.

    The context bound with `structlog.contextvars` (the `run_id`) when the logger
    is made is bound into it once, rather than merged again for every event.
    """
    logger = structlog.wrap_logger(
        LineWriter(stream),
        processors=[structlog.processors.add_log_level, render_json_line],
        wrapper_class=_event_logger_class(_LEVELS[level]),
    )
    return logger.bind(**structlog.contextvars.get_contextvars())


def _without_states(logger: Any, method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Leave whole network states out of console lines (a trial's start state is N numbers; the file keeps it)."""
    event.pop("start_state", None)
    return event


def console_logger(stream: IO[str] | None = None, fmt: LogFormat = "console") -> Any:
    """A logger for people (console renderer, colours on a terminal) or JSON lines on `stream`."""
    stream = stream or sys.stderr
    if fmt == "json":
        return json_logger(stream)
    renderer = structlog.dev.ConsoleRenderer(colors=stream.isatty(), sort_keys=False)
    logger = structlog.wrap_logger(
        LineWriter(stream),
        processors=[structlog.processors.add_log_level, _without_states, renderer],
        wrapper_class=_event_logger_class(_LEVELS["info"]),
    )
    return logger.bind(**structlog.contextvars.get_contextvars())


_Reader = Callable[[Event], dict[str, Any]]
_READERS: dict[type[Event], _Reader] = {}


def _reader(kind: type[Event]) -> _Reader:
    """A function that turns a record of `kind` into keyword arguments, made once per kind."""
    reader = _READERS.get(kind)
    if reader is None:
        names = tuple(f.name for f in fields(kind))
        get = operator.attrgetter(*names)

        def reader(event: Event) -> dict[str, Any]:
            values = get(event)
            return dict(zip(names, (values,) if len(names) == 1 else values, strict=True))

        _READERS[kind] = reader
    return reader


class StructlogSink:
    """Sends event records through structlog: every record to `file_log`, run and trial records to `console_log`.

    It takes runs of flips in bulk (a `FlipSink`); loggers made by `json_logger`
    (a `RecordLogger`) take them without a record per flip.
    """

    discards = False

    def __init__(self, file_log: Any, console_log: Any | None = None, *, level: str = "info") -> None:
        self._file = file_log
        self._console = console_log
        self._verbose = _LEVELS[level] <= _LEVELS["debug"]
        self._file_record = _recorder(file_log)
        self._console_record = None if console_log is None else _recorder(console_log)
        self._file_records = file_log.records if isinstance(file_log, RecordLogger) else None

    @property
    def verbose(self) -> bool:
        return self._verbose

    def emit(self, event: Event) -> None:
        kind = type(event)
        kw = _reader(kind)(event)
        self._file_record(event.level, event.event, kw)
        if self._console_record is not None and kind in CONSOLE_EVENTS:
            self._console_record(event.level, event.event, kw)

    def emit_flips(self, run: FlipRun) -> None:
        """`neuron_flipped` events for a run of flips, straight from an engine's log, without records.

        The lines are those `emit(NeuronFlipped(...))` writes, one per flip, in order.
        """
        records = self._file_records
        if records is None:
            emit_flips_as_records(self, run)
            return
        trial = run.trial
        records(
            "info",
            "neuron_flipped",
            (
                {"trial": trial, "t": t, "neuron": i, "state": s, "field": u, "energy": e}
                for t, i, s, u, e in zip(run.times, run.neurons, run.states, run.fields, run.energies, strict=True)
            ),
        )


def _recorder(logger: Any) -> Callable[[str, str, dict[str, Any]], None]:
    """How to log one event's fields through `logger`: its `record` when it has one, else its level method."""
    if isinstance(logger, RecordLogger):
        return logger.record

    def record(level: str, event: str, kw: dict[str, Any]) -> None:
        getattr(logger, level)(event, **kw)  # the method named after the level: info, debug, warning

    return record
