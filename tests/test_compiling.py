"""The first run says once, on stderr, that it compiled, and how long that took."""

from __future__ import annotations

import io
import itertools

import pytest
from numba.core import event

from neurosim.compiling import compile_notice


def _compile_lasting(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    # numba's timer reads its clock at the start and the end of a compile: a fake clock makes it last `seconds`
    ticks = itertools.chain([100.0, 100.0 + seconds], itertools.repeat(100.0 + seconds))
    monkeypatch.setattr(event, "timer", lambda: next(ticks))
    data = {"dispatcher": None, "args": ()}
    with event.trigger_event("numba:compile", data=data), event.trigger_event("numba:compile", data=data):
        pass  # nested compiles count once


def test_a_long_compile_is_said_once_with_its_duration(monkeypatch: pytest.MonkeyPatch) -> None:
    err = io.StringIO()
    with compile_notice(err, "the actors engine"):
        _compile_lasting(monkeypatch, 2.5)
    assert err.getvalue() == (
        "neurosim: compiling the actors engine (first run), took 2.5 s; later runs load it from the cache\n"
    )


def test_a_short_compile_or_none_says_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    err = io.StringIO()
    with compile_notice(err, "the actors engine"):
        _compile_lasting(monkeypatch, 0.4)
    with compile_notice(err, "the actors engine"):
        pass
    with compile_notice(err, "the actors engine", enabled=False):
        _compile_lasting(monkeypatch, 5.0)
    assert err.getvalue() == ""
