"""Design: turning an AppModel into a prioritised TestPlan (offline rules or an LLM)."""
