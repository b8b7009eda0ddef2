"""Shared fixtures: paths to the bundled scenarios and to the vendored HopfieldANN sample files."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"
FIXTURES = REPO / "tests" / "fixtures"


@pytest.fixture
def scenarios_dir() -> Path:
    return SCENARIOS


@pytest.fixture
def hopfieldann_dir() -> Path:
    return FIXTURES / "hopfieldann"
