"""Benchmarks: ``python -m bench.engine`` times the game engine (see docs/benchmarks.md)."""
