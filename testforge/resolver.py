"""The system's DNS (`socket.getaddrinfo`) behind the egress policy's `Resolver` port.

The API and the sandbox runner each resolve with their own process's resolver: in a pod, that
is the cluster's DNS with the pod's search list, the same answers the browser will get.
"""

import ipaddress
import socket

from testforge.domain.egress import IPAddress
from testforge.domain.errors import ResolverUnavailableError, UnknownHostError

# "No such name" and "no address for it": a retry will not help. Others (EAI_AGAIN, EAI_FAIL)
# mean DNS did not answer. EAI_NODATA and EAI_ADDRFAMILY are glibc's, absent elsewhere.
_NOT_FOUND = {
    code
    for code in (
        socket.EAI_NONAME,
        getattr(socket, "EAI_NODATA", None),
        getattr(socket, "EAI_ADDRFAMILY", None),
    )
    if code is not None
}


class SocketResolver:
    def resolve(self, host: str) -> tuple[IPAddress, ...]:
        try:
            found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
        except socket.gaierror as exc:
            if exc.errno in _NOT_FOUND:
                raise UnknownHostError(
                    f"The host {host} does not resolve ({exc.strerror}).",
                    "Check the host name, or create its DNS record first.",
                ) from exc
            raise ResolverUnavailableError(
                f"DNS did not answer for {host} ({exc.strerror}).",
                "Try again shortly; if it persists, check the DNS of the cluster.",
            ) from exc
        except UnicodeError as exc:
            raise UnknownHostError(f"{host!r} is not a valid host name.", "Correct it.") from exc
        # A link-local answer carries a zone ("fe80::1%eth0"); the address alone is judged.
        addresses = {ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found}
        return tuple(sorted(addresses, key=lambda a: (a.version, int(a))))
