"""The example notebook runs from top to bottom in a real kernel: load → run → table → figure."""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("pandas")
pytest.importorskip("matplotlib")

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "letters.ipynb"


def test_the_example_notebook_runs_and_shows_a_table_and_figures(tmp_path: Path) -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    outputs = [output for cell in code for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    kinds = [set(o.get("data", {})) for o in outputs]
    assert any("text/html" in k for k in kinds)  # the tables
    assert sum("image/png" in k for k in kinds) == 2  # the run's recall figure, and trial 5's
    assert "RunResult(scenario='letters'" in code[1].outputs[0]["data"]["text/plain"]
