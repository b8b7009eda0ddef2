"""The kernel engine: the actors' model and schedule, executed as one compiled loop.

`loops` holds the compiled code (wake-ups, flips, the synchronous commit);
`engine` the driver that sets a recall up, runs it and emits its events.
"""

from neurosim.engines.kernel.engine import LOG_LIMIT, KernelEngine, compact, open_kernel

__all__ = ["LOG_LIMIT", "KernelEngine", "compact", "open_kernel"]
