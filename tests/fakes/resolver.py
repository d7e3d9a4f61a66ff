"""DNS without a network: names answer what a test says, and any other name a public address,
so tests that only need "some web application" need no setup."""

import ipaddress
from collections.abc import Mapping, Sequence

from testforge.domain.egress import IPAddress
from testforge.domain.errors import ResolverUnavailableError, UnknownHostError

PUBLIC = "93.184.215.14"  # a global unicast address (example.com's, once)


class FakeResolver:
    """Satisfies `testforge.domain.egress.Resolver`. `answers[name]` is a list of addresses,
    `[]` for a name that does not exist; `down=True` is DNS not answering."""

    def __init__(self, answers: Mapping[str, Sequence[str]] | None = None) -> None:
        self.answers: dict[str, Sequence[str]] = dict(answers or {})
        self.down = False
        self.asked: list[str] = []

    def resolve(self, host: str) -> tuple[IPAddress, ...]:
        self.asked.append(host)
        if self.down:
            raise ResolverUnavailableError(f"DNS did not answer for {host}.", "Try again.")
        found = self.answers.get(host, [PUBLIC])
        if not found:
            raise UnknownHostError(f"The host {host} does not resolve.", "Check the name.")
        return tuple(ipaddress.ip_address(address) for address in found)
