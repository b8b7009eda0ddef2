"""structlog configuration, done once at the edge: JSON lines for files, a console renderer for people.

No global structlog state is touched: each run wraps its own loggers, so runs
(and tests) never see each other's configuration.
"""

from __future__ import annotations

import json
import operator
import sys
from collections.abc import Callable
from dataclasses import fields
from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]
from typing import IO, Any, Literal

import structlog
from structlog.typing import EventDict, WrappedLogger

from neurosim.events import (
    CapacityExceeded,
    Event,
    RunFinished,
    RunStarted,
    SweepFinished,
    SweepPoint,
    SweepStarted,
    TrialFinished,
    TrialStarted,
)

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


class LineWriter:
    """A structlog logger that writes each rendered line to a text stream, flushing only on request."""

    def __init__(self, stream: IO[str]) -> None:
        self._write = stream.write
        self.stream = stream

    def msg(self, message: str) -> None:
        self._write(message + "\n")

    debug = info = warning = error = critical = log = msg

    def flush(self) -> None:
        self.stream.flush()


def render_json_line(_: WrappedLogger, __: str, event_dict: EventDict) -> str:
    """Render one event as compact JSON with `event` first (structlog's final processor)."""
    head = '{"event":' + _dumps(event_dict.pop("event"))
    if not event_dict:
        return head + "}"
    return head + "," + _dumps(event_dict)[1:]


def _make_encoder() -> Callable[[Any, int], list[str]]:
    # One compact JSON encoder made once: json.dumps with options builds a new one per
    # call, which costs more than the encoding. Every value the runtime emits is a plain
    # str, int, float, bool, None or list, so no fallback handler is needed.
    plain = json.JSONEncoder(separators=(",", ":"), allow_nan=False)
    if c_make_encoder is None:  # pragma: no cover - CPython always has the C encoder
        return lambda obj, _: [plain.encode(obj)]
    encoder: Callable[[Any, int], list[str]] = c_make_encoder(
        None, plain.default, encode_basestring_ascii, None, ":", ",", False, False, False
    )
    return encoder


_ENCODE = _make_encoder()


def _dumps(obj: Any, **_: Any) -> str:
    return "".join(_ENCODE(obj, 0))


def json_logger(stream: IO[str], level: str = "info") -> Any:
    """A filtering bound logger that writes JSON lines to `stream`.

    The context bound with `structlog.contextvars` (the `run_id`) when the logger
    is made is bound into it once, rather than merged again for every event.
    """
    logger = structlog.wrap_logger(
        LineWriter(stream),
        processors=[structlog.processors.add_log_level, render_json_line],
        wrapper_class=structlog.make_filtering_bound_logger(_LEVELS[level]),
    )
    return logger.bind(**structlog.contextvars.get_contextvars())


def console_logger(stream: IO[str] | None = None, fmt: LogFormat = "console") -> Any:
    """A logger for people (console renderer, colours on a terminal) or JSON lines on `stream`."""
    stream = stream or sys.stderr
    if fmt == "json":
        return json_logger(stream)
    renderer = structlog.dev.ConsoleRenderer(colors=stream.isatty(), sort_keys=False)
    logger = structlog.wrap_logger(
        LineWriter(stream),
        processors=[structlog.processors.add_log_level, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(_LEVELS["info"]),
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
    """Sends event records through structlog: every record to `file_log`, run and trial records to `console_log`."""

    def __init__(self, file_log: Any, console_log: Any | None = None, *, level: str = "info") -> None:
        self._file = file_log
        self._console = console_log
        self._verbose = _LEVELS[level] <= _LEVELS["debug"]

    @property
    def verbose(self) -> bool:
        return self._verbose

    def emit(self, event: Event) -> None:
        kind = type(event)
        kw = _reader(kind)(event)
        getattr(self._file, event.level)(event.event, **kw)
        if self._console is not None and kind in CONSOLE_EVENTS:
            getattr(self._console, event.level)(event.event, **kw)
