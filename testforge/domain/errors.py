"""The one error family the services raise; entry points translate it to exit codes or status."""


class TestForgeError(Exception):
    """An error a user can act on: `problem` says what went wrong, `fix` what to do about it."""

    def __init__(self, problem: str, fix: str | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.problem}\n  fix: {self.fix}" if self.fix else self.problem


class ConfigurationError(TestForgeError):
    """Bad settings or arguments (exit code 2)."""


class ArtifactError(TestForgeError):
    """A JSON artifact that is missing, malformed or of the wrong kind."""


class TargetUnreachableError(TestForgeError):
    """The application under test cannot be reached or is not a web page."""


class DiscoveryError(TestForgeError):
    """Discovery reached too little of the application to test it (exit code 2, never 0)."""


class SignInError(TestForgeError):
    """Sign-in with the given credentials did not succeed."""


class BrowserUnavailableError(TestForgeError):
    """No usable Chromium: missing executable or it fails to start."""


class ExecutionError(TestForgeError):
    """The test runner itself failed (not a test failure)."""


class EgressRefusedError(TestForgeError):
    """A URL the egress policy refuses (testforge.domain.egress): malformed or ambiguous, an
    in-cluster or local name, or an address that is not public. `kind` is the `egress.Kind`
    value (None for a malformed URL); `address` and `network` (the range an entry in the policy
    would have to allow) are set when an address was refused."""

    def __init__(
        self,
        problem: str,
        fix: str | None = None,
        *,
        kind: str | None = None,
        host: str | None = None,
        address: str | None = None,
        network: str | None = None,
    ) -> None:
        super().__init__(problem, fix)
        self.kind = kind
        self.host = host
        self.address = address
        self.network = network


class UnknownHostError(TargetUnreachableError):
    """The host name does not exist in DNS (a typo, or a record not created yet)."""


class ResolverUnavailableError(TestForgeError):
    """DNS could not be asked or did not answer: a retry may succeed."""
