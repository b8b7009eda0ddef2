"""The analysis layer's optional dependencies: the `plots` extra (matplotlib, pillow)."""

from __future__ import annotations

from neurosim.errors import NeurosimError

#: How to install what the figures, animations and reports need.
PLOTS_HINT = "pip install 'neurosim[plots]'"


class PlotsUnavailable(NeurosimError, ImportError):
    """matplotlib or pillow is missing: figures need the `plots` extra."""

    def __init__(self, missing: str) -> None:
        super().__init__(f"figures need {missing}, which is not installed: {PLOTS_HINT}")
