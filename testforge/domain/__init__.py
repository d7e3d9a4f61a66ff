"""Pure domain: pydantic models and rules, no I/O and no framework imports."""
