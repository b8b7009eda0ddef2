"""The structlog edge: JSON lines, the bulk path for flips, levels."""

from __future__ import annotations

import io
import json

import numpy as np
import structlog

from neurosim.events import CapacityExceeded, FlipRun, ListSink, NeuronFlipped, NeuronWoke, NullSink, emit_flips
from neurosim.logs import StructlogSink, _event_logger_class, json_logger
from neurosim.typing import FlipSink

FLIPS = (
    [0.001, 0.5, 1.0 / 3.0, 12.75],
    [7, 0, 999, 3],
    [1, -1, -1, 1],
    [-0.1, 1e-05, -1.0 / 3.0, 2.5e-17],
    [-12.5, -12.500000000000002, -1e16, -13.0],
)


def _lines(write: str, level: str = "info") -> list[str]:
    out = io.StringIO()
    with structlog.contextvars.bound_contextvars(run_id="r1"):
        sink = StructlogSink(json_logger(out, level), level=level)
    if write == "bulk":
        emit_flips(sink, FlipRun(4, *FLIPS))
    else:
        for t, i, s, u, e in zip(*FLIPS, strict=True):
            sink.emit(NeuronFlipped(trial=4, t=t, neuron=i, state=s, field=u, energy=e))
    return out.getvalue().splitlines()


def test_a_run_of_flips_in_bulk_writes_the_lines_of_one_record_per_flip() -> None:
    bulk = _lines("bulk")
    assert bulk == _lines("records")
    assert len(bulk) == 4
    first = bulk[0]
    assert first.startswith('{"event":"neuron_flipped","run_id":"r1","trial":4,')
    assert first.endswith(',"level":"info"}')


def test_every_float_reads_back_exactly() -> None:
    rows = [json.loads(line) for line in _lines("bulk")]
    assert [r["t"] for r in rows] == FLIPS[0]
    assert [r["field"] for r in rows] == FLIPS[3]
    assert [r["energy"] for r in rows] == FLIPS[4]
    assert [(r["neuron"], r["state"]) for r in rows] == list(zip(FLIPS[1], FLIPS[2], strict=True))


def test_a_warning_level_log_drops_flips_but_keeps_warnings() -> None:
    assert _lines("bulk", "warning") == []
    out = io.StringIO()
    sink = StructlogSink(json_logger(out, "warning"), level="warning")
    emit_flips(sink, FlipRun(0, *FLIPS))
    sink.emit(CapacityExceeded(rule="hebbian", patterns=9, neurons=10, limit=1.38, source="x"))
    [line] = out.getvalue().splitlines()
    assert json.loads(line) == {
        "event": "capacity_exceeded",
        "rule": "hebbian",
        "patterns": 9,
        "neurons": 10,
        "limit": 1.38,
        "source": "x",
        "level": "warning",
    }


def test_debug_records_reach_a_debug_log_only() -> None:
    woke = NeuronWoke(trial=0, t=0.25, neuron=3, state=-1, field=-0.5)
    for level, expected in (("info", 0), ("debug", 1)):
        out = io.StringIO()
        StructlogSink(json_logger(out, level), level=level).emit(woke)
        assert len(out.getvalue().splitlines()) == expected


def test_any_structlog_logger_works_as_the_file_log() -> None:
    # a logger without the bulk method gets keyword calls, one per flip
    calls: list[tuple[str, dict[str, object]]] = []

    class Plain:
        def info(self, event: str, **kw: object) -> None:
            calls.append((event, kw))

    emit_flips(StructlogSink(Plain()), FlipRun(2, *FLIPS))
    assert [c[0] for c in calls] == ["neuron_flipped"] * 4
    assert calls[1][1] == {
        "trial": 2,
        "t": 0.5,
        "neuron": 0,
        "state": -1,
        "field": 1e-05,
        "energy": -12.500000000000002,
    }


def test_a_sink_without_a_bulk_method_gets_records() -> None:
    sink = ListSink()
    emit_flips(sink, FlipRun(1, *FLIPS))
    assert sink.records == [
        NeuronFlipped(trial=1, t=t, neuron=i, state=s, field=u, energy=e) for t, i, s, u, e in zip(*FLIPS, strict=True)
    ]


def test_the_event_logger_follows_structlogs_rules_for_the_end_of_the_chain() -> None:

    calls: list[tuple[tuple[object, ...], dict[str, object]]] = []

    class Recorder:
        def info(self, *args: object, **kw: object) -> None:
            calls.append((args, kw))

    def drop_odd(_: object, __: str, event_dict: dict[str, object]) -> dict[str, object]:
        if event_dict["n"] % 2:  # type: ignore[operator]
            raise structlog.DropEvent
        return event_dict

    def as_tuple(_: object, __: str, event_dict: dict[str, object]) -> tuple[tuple[object, ...], dict[str, object]]:
        return (event_dict.pop("event"),), event_dict

    wrapper = _event_logger_class(20)
    for last, expected in (
        (None, [((), {"event": "e", "run_id": "r", "n": 0}), ((), {"event": "e", "run_id": "r", "n": 2})]),
        (as_tuple, [(("e",), {"run_id": "r", "n": 0}), (("e",), {"run_id": "r", "n": 2})]),
    ):
        calls.clear()
        chain = [drop_odd] if last is None else [drop_odd, last]
        log = structlog.wrap_logger(Recorder(), processors=chain, wrapper_class=wrapper).bind(run_id="r")
        log.records("info", "e", ({"n": n} for n in range(4)))
        assert calls == expected
        log.records("debug", "e", [{"n": 0}])  # below the logger's level: nothing
        assert calls == expected


def test_numpy_scalars_are_written_as_numbers() -> None:
    out = io.StringIO()
    StructlogSink(json_logger(out)).emit(
        CapacityExceeded(rule="hebbian", patterns=np.int64(9), neurons=10, limit=np.float64(1.38), source="x")  # type: ignore[arg-type]
    )
    row = json.loads(out.getvalue())
    assert (row["patterns"], row["limit"]) == (9, 1.38)


def test_what_orjson_refuses_is_written_by_the_standard_encoder() -> None:
    out = io.StringIO()
    sink = StructlogSink(json_logger(out))
    huge = 2**64 + 1  # the loader accepts any seed >= 0
    odd = "r\udce9sum\udce9"  # a file name that is not UTF-8, as Python decodes it
    sink.emit(CapacityExceeded(rule=odd, patterns=huge, neurons=10, limit=np.float64(1.5), source="x"))
    line = out.getvalue().splitlines()[0]
    assert line.startswith('{"event":"capacity_exceeded","rule":"r\\udce9sum\\udce9",')
    row = json.loads(line)
    assert (row["rule"], row["patterns"], row["limit"], row["level"]) == (odd, huge, 1.5, "warning")


def test_every_sink_declares_whether_it_discards_and_takes_flips_in_bulk() -> None:
    from neurosim.bench import TimingSink

    sinks = [ListSink(), NullSink(), StructlogSink(json_logger(io.StringIO())), TimingSink(NullSink())]
    assert all(isinstance(sink, FlipSink) for sink in sinks)
    assert [sink.discards for sink in sinks] == [False, True, False, True]


def test_a_wrapping_sink_hands_bulk_flips_on_in_bulk() -> None:
    from neurosim.bench import TimingSink

    out = io.StringIO()
    emit_flips(TimingSink(StructlogSink(json_logger(out))), FlipRun(3, *FLIPS))
    direct = io.StringIO()
    emit_flips(StructlogSink(json_logger(direct)), FlipRun(3, *FLIPS))
    assert out.getvalue() == direct.getvalue()
    assert out.getvalue().count("neuron_flipped") == 4
