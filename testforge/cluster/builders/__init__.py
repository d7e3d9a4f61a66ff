"""Pure builders of what the operator creates and names: sandbox Jobs, their spec
ConfigMaps, TestRuns and HealingRequests, child names and labels, and the CRDs themselves."""
