"""The operator's adapters to the outside: the Kubernetes API."""
