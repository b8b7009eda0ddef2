"""The engines that run recalls: the actors (one asyncio task per neuron) and the compiled kernel."""
