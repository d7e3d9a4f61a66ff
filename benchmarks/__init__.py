"""Benchmarks: scripts that print measured figures; the last line of each is one JSON object."""
