"""Self-healing: deterministic relocation of lost elements, pure code shared by runtime and bench."""
