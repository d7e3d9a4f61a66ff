"""The token cache: answers already paid for, served again from memory (L1), Redis (L2) or, for
prompts marked reusable, a semantic neighbour in Qdrant (L3)."""
