"""Shared fixtures: paths to the bundled scenarios and to ../shared/fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"
SHARED_FIXTURES = REPO.parent / "shared" / "fixtures"


@pytest.fixture
def scenarios_dir() -> Path:
    return SCENARIOS


@pytest.fixture
def hopfieldann_dir() -> Path:
    path = SHARED_FIXTURES / "hopfieldann"
    if not path.is_dir():
        pytest.skip(f"{path} is missing: the shared fixtures live beside the checkout")
    return path
