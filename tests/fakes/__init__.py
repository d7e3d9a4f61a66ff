"""In-repo fakes of external services, shared by unit and integration tests."""
