"""TestForge: AI-assisted end-to-end web testing, local and on Kubernetes."""

__version__ = "0.1.0"
