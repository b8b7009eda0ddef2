"""The sharded engine: one network's neurons over several shards, flip-identical to one process (see `engine`)."""

from neurosim.engines.sharded.plan import ShardBackend, Sharding, ShardStats, sharding_problem

__all__ = ["ShardBackend", "ShardStats", "Sharding", "sharding_problem"]
