"""Benchmark, soak and synthetic-speech tools: not used by the assistant at run time."""
