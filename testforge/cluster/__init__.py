"""Kubernetes-side logic of the operator: pure reconcile decisions, manifest builders, adapters."""
