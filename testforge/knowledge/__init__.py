"""Knowledge: patterns learned from decided heals, kept in Qdrant, fed back into healing."""
