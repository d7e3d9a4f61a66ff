"""Execution: running a generated suite in parallel browser contexts, with retries."""
