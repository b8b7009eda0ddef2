"""A scenario run into a run directory from Python, exactly as `neurosim run` writes it, and read back."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from neurosim import commands
from neurosim.analysis.data import Run, read_run
from neurosim.engines import EngineName
from neurosim.errors import EXIT_OK, NeurosimError


def record_run(
    scenario: str | Path,
    out: str | Path | None = None,
    *,
    seed: int | None = None,
    engine: EngineName = "actors",
    force: bool = False,
) -> Run:
    """Run a scenario file (or a bundled scenario's name) as `neurosim run --quiet` does, into `out`; its `Run`.

    Without `out`, the run goes to a new temporary directory. Bad input raises
    the one line `neurosim run` prints (a NeurosimError).
    """
    directory = Path(tempfile.mkdtemp(prefix="neurosim-")) if out is None else Path(out)
    options = commands.RunOptions(
        file=Path(scenario), out=directory, seed=seed, engine=engine, quiet=True, force=force or out is None
    )
    printed, errors = io.StringIO(), io.StringIO()
    code = commands.run(options, printed, errors)
    if code != EXIT_OK:
        raise NeurosimError(errors.getvalue().strip().removeprefix("neurosim: ") or f"the run ended with exit {code}")
    return read_run(directory)
