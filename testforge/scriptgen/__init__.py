"""Script generation: a TestPlan rendered into readable pytest + Playwright files and a registry."""
