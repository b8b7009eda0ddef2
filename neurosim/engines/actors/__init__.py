"""The actor engine: one asyncio task per neuron, a shared state board, a coordinator that grants wake-ups.

`coordinator` grants wake-ups and accounts for what the neurons report (`neuron`),
`board` is the one shared object, `live` paces a run on the wall clock, and
`engine` opens the engine for a run. The package itself imports nothing, so
that its light parts (`clock`) load without the engine.
"""
