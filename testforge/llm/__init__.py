"""The LLM layer: the LLMProvider port, its Claude and offline adapters, and the machinery that
makes Claude cheap and safe to call repeatedly (token cache, budgets, circuit breaker, pricing).

Services (design, discovery, healing, reporting) ask questions through the port; only
`bootstrap` knows which adapters answer them.
"""
