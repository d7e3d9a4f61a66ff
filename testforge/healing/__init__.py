"""Self-healing: deterministic relocation of lost elements, shared by the runtime and the bench."""
