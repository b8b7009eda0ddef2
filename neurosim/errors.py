"""The error tree: every failure a user can cause is a NeurosimError."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from neurosim.results import RunResult

#: What the `neurosim` command returns: done; bad input or usage (one line on stderr); the run failed inside;
#: stopped by Ctrl-C; stopped by SIGTERM (128 + the signal's number, as a shell reports it).
EXIT_OK, EXIT_USAGE, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 2, 3, 130, 143


class NeurosimError(Exception):
    """Base of every error neurosim raises on purpose."""


class ScenarioError(NeurosimError):
    """A scenario (or a file it names) is invalid; names the file, line and key path."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        key: str | None = None,
    ) -> None:
        self.message = message
        self.file = None if file is None else str(file)
        self.line = line
        self.key = key
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """Return `file:line: key: message`, leaving out the parts that are unknown."""
        where = self.file or ""
        if self.line is not None:
            where = f"{where}:{self.line}" if where else f"line {self.line}"
        parts = [p for p in (where, self.key) if p]
        return ": ".join([*parts, self.message])


class PatternFileError(ScenarioError):
    """A pattern file (HopfieldANN ASCII format) is unreadable or inconsistent."""


class OutputError(NeurosimError):
    """The output directory cannot be used (for example it holds earlier results)."""


class RunInterrupted(NeurosimError):
    """A run was interrupted (Ctrl-C); `result` holds what finished before it."""

    def __init__(self, result: RunResult) -> None:
        self.result = result
        super().__init__("run interrupted")
