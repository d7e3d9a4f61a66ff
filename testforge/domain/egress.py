"""The egress policy: which URLs a sandbox may be aimed at (docs/api.md, "Egress policy").

Pure rules, used twice: by the API when a project or run names a URL (with the API's DNS), and
by the sandbox runner before its browser starts (with the sandbox's own DNS, which is what the
browser will use). A URL is refused when it is ambiguous (a spelling that browsers and this
check could read differently), when its host is an in-cluster or local-network name, or when
the address it is or resolves to is not public — unless the policy allows that name or network.
Cloud metadata endpoints are refused whatever a policy says.

The check cannot see later lookups (DNS rebinding) or where the application redirects the
browser; the tenant namespace's NetworkPolicy, built from the same policy, covers those.
"""

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from testforge.domain.base import FrozenModel
from testforge.domain.errors import EgressRefusedError, UnknownHostError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_ENTRIES = 32
SCHEMES = frozenset({"http", "https"})


def _networks(*cidrs: str) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(cidr) for cidr in cidrs)


# AWS (and its ECS task endpoint, and IPv6), GCP, Azure and OCI on 169.254.169.254; Alibaba.
METADATA = _networks(
    "169.254.169.254/32", "169.254.170.2/32", "100.100.100.200/32", "fd00:ec2::254/128"
)
METADATA_NAMES = frozenset({"metadata.google.internal", "metadata.goog"})
PRIVATE = _networks("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
SHARED = _networks("100.64.0.0/10")  # carrier-grade NAT; clouds use it inside their networks
THIS_HOST = _networks("0.0.0.0/8")  # connecting to 0.x reaches the sandbox's own host
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
# What no tenant may open, whatever it asks, and why.
NEVER_FOR_TENANTS: dict[IPNetwork, str] = {
    net: why
    for cidrs, why in (
        (("0.0.0.0/8", "::/128"), "the sandbox's own host"),
        (("127.0.0.0/8", "::1/128"), "the sandbox itself (loopback)"),
        (("169.254.0.0/16", "fe80::/10"), "the node's own link (link-local)"),
        (("224.0.0.0/4", "255.255.255.255/32", "ff00::/8"), "broadcast and multicast"),
        (("::ffff:0:0/96",), "IPv4 written as IPv6 (allow the IPv4 range instead)"),
        (tuple(map(str, METADATA)), "the cloud metadata endpoint"),
    )
    for net in _networks(*cidrs)
}
# The NetworkPolicy's exceptions to "the internet". NAT64 stays open: on an IPv6-only cluster
# it is the way to every public IPv4 host. IPv4-mapped addresses are IPv4 on the wire (the
# IPv4 rules hold), and the API server refuses them in a NetworkPolicy.
CLOSED_IPV4 = (
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "224.0.0.0/4",
    "240.0.0.0/4",
)
CLOSED_IPV6 = ("::1/128", "fc00::/7", "fe80::/10", "ff00::/8")

# A name only the cluster's DNS can answer: a service (`shop.<namespace>`, `*.svc`), or a bare
# name completed by the pod's search list. Public top-level domains are letters or `xn--`.
IN_CLUSTER_LAST_LABELS = frozenset({"svc", "default", "kube-system", "kube-public"})
PUBLIC_TLD = re.compile(r"^([a-z]{2,63}|xn--[a-z0-9-]{1,59})$")
# Names that are never delegated in the public DNS: any answer comes from a private resolver.
LOCAL_LAST_LABELS = frozenset(
    {"local", "internal", "localdomain", "lan", "home", "corp", "intranet", "private"}
)
LABEL = re.compile(r"^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$")
UNSAFE_CHARACTERS = re.compile(r"[\x00-\x20\x7f\\]")


class Kind(StrEnum):
    """Why an address or name is refused unless a policy allows it."""

    PRIVATE = "private"
    SHARED = "shared"
    RESERVED = "reserved"
    LOOPBACK = "loopback"
    LINK_LOCAL = "link-local"
    METADATA = "metadata"
    UNSPECIFIED = "unspecified"
    MULTICAST = "multicast"
    IN_CLUSTER = "in-cluster"
    LOCAL_NAME = "local-name"

    @property
    def description(self) -> str:
        return _DESCRIPTIONS[self]

    @property
    def tenant_may_allow(self) -> bool:
        """A tenant may open its own private networks and names (a VPN, VPC peering), never the
        sandbox itself, its node, the cluster or the cloud's metadata."""
        return self in {Kind.PRIVATE, Kind.SHARED, Kind.RESERVED, Kind.LOCAL_NAME}


_DESCRIPTIONS = {
    Kind.PRIVATE: "a private address",
    Kind.SHARED: "a shared (carrier-grade NAT) address",
    Kind.RESERVED: "a reserved, non-public address",
    Kind.LOOPBACK: "a loopback address (the sandbox itself)",
    Kind.LINK_LOCAL: "a link-local address (the node's own network)",
    Kind.METADATA: "the cloud metadata endpoint",
    Kind.UNSPECIFIED: "an unspecified address (the sandbox's own host)",
    Kind.MULTICAST: "a multicast address",
    Kind.IN_CLUSTER: "an in-cluster name (a Kubernetes service)",
    Kind.LOCAL_NAME: "a local-network name",
}


class Resolver(Protocol):
    """DNS, as the process that will connect sees it."""

    def resolve(self, host: str) -> Sequence[IPAddress]:
        """Every address of `host`: UnknownHostError if it has none, ResolverUnavailableError
        if DNS could not be asked."""
        ...


# --- addresses and names ----------------------------------------------------------------------


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, NAT64, IPv4-compatible): the
    connection goes there, so that is the address to judge."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64 or (address in IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_kind(address: IPAddress) -> Kind | None:
    """None for a public address; otherwise what it is."""
    inner = embedded_ipv4(address)
    if inner is not None:
        return address_kind(inner)
    if any(address in network for network in METADATA):
        return Kind.METADATA
    if address.is_unspecified or any(address in network for network in THIS_HOST):
        return Kind.UNSPECIFIED
    if address.is_loopback:
        return Kind.LOOPBACK
    if address.is_link_local:
        return Kind.LINK_LOCAL
    if address.is_multicast:
        return Kind.MULTICAST
    if any(address in network for network in SHARED):
        return Kind.SHARED
    if any(address in network for network in PRIVATE):
        return Kind.PRIVATE
    if not address.is_global or address.is_reserved:
        return Kind.RESERVED
    return None


def name_kind(host: str) -> Kind | None:
    """None for a name the public DNS answers; otherwise what it is. `host` is canonical."""
    labels = host.split(".")
    last = labels[-1]
    if host in METADATA_NAMES:
        return Kind.METADATA
    if last == "localhost":
        return Kind.LOOPBACK
    if len(labels) == 1 or last in IN_CLUSTER_LAST_LABELS or host.endswith(".cluster.local"):
        return Kind.IN_CLUSTER
    if not PUBLIC_TLD.match(last):
        return Kind.IN_CLUSTER
    if last in LOCAL_LAST_LABELS or host.endswith(".home.arpa"):
        return Kind.LOCAL_NAME
    return None


def _ascii_host(name: str) -> str | None:
    """`name` as the ASCII, lowercase host a browser would look up (IDNA, which also maps
    full-width digits and dots), without a trailing dot; None if it is not a host name."""
    try:
        encoded = name.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    host = encoded[:-1] if encoded.endswith(".") else encoded
    if not host or len(host) > 253 or not all(LABEL.match(label) for label in host.split(".")):
        return None
    return host


def _ipv4_number(part: str) -> int | None:
    if part[:2] in {"0x", "0X"}:
        digits, base = part[2:], 16
    elif len(part) > 1 and part.startswith("0"):
        digits, base = part[1:], 8
    else:
        digits, base = part, 10
    if digits == "":
        return 0
    try:
        return int(digits, base) if re.fullmatch(r"[0-9a-fA-F]+", digits) else None
    except ValueError:
        return None


def browser_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address a browser reads in `host` (WHATWG URL: "ends in a number", then decimal,
    octal `0177` or hex `0x7f` parts, and short forms like `127.1` or `2130706433`); None for a
    domain. Raises ValueError when a browser would refuse the host."""
    parts = host.split(".")
    if parts[-1] == "" and len(parts) > 1:
        parts.pop()
    last = parts[-1]
    if not (re.fullmatch(r"[0-9]+", last) or _ipv4_number(last) is not None):
        return None
    numbers = [_ipv4_number(part) for part in parts]
    if len(parts) > 4 or any(n is None for n in numbers):
        raise ValueError("not a valid IPv4 address")
    values = [n for n in numbers if n is not None]
    if any(n > 255 for n in values[:-1]) or values[-1] >= 256 ** (5 - len(values)):
        raise ValueError("not a valid IPv4 address")
    total = values[-1] + sum(n * 256 ** (3 - i) for i, n in enumerate(values[:-1]))
    return ipaddress.IPv4Address(total)


# --- the policy -------------------------------------------------------------------------------


def network(value: str) -> IPNetwork:
    """A network in CIDR notation, strictly: no host bits set (10.0.0.1/8 is refused)."""
    try:
        return ipaddress.ip_network(value.strip(), strict=True)
    except ValueError as exc:
        raise ValueError(
            f"{value!r} is not a network in CIDR notation such as 10.0.0.0/8 ({exc})"
        ) from exc


def host_pattern(value: str) -> str:
    """A host name, or `*.suffix` for every name under suffix; canonical (IDNA, lowercase)."""
    wildcard = value.startswith("*.")
    host = _ascii_host(value[2:] if wildcard else value)
    if host is None:
        raise ValueError(f"{value!r} is not a host name (or *.suffix)")
    try:
        literal = browser_ipv4(host) is not None
    except ValueError:
        literal = True
    if literal or ":" in value:
        raise ValueError(f"{value!r} is an address: list it under the allowed networks")
    return f"*.{host}" if wildcard else host


class EgressPolicy(FrozenModel):
    """What one tenant (or one TestProject's author) opted into, on top of the public internet:
    networks whose addresses may be reached, and names that may be used though the public DNS
    does not know them. A name still needs its addresses allowed."""

    allow_cidrs: tuple[str, ...] = Field(default=(), max_length=MAX_ENTRIES)
    allow_hosts: tuple[str, ...] = Field(default=(), max_length=MAX_ENTRIES)

    @field_validator("allow_cidrs")
    @classmethod
    def _canonical_networks(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(str(network(v)) for v in values))

    @field_validator("allow_hosts")
    @classmethod
    def _canonical_hosts(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(host_pattern(v) for v in values))

    def networks(self) -> tuple[IPNetwork, ...]:
        return tuple(ipaddress.ip_network(cidr) for cidr in self.allow_cidrs)

    def allows_name(self, host: str) -> bool:
        return any(
            host.endswith(pattern[1:]) if pattern.startswith("*.") else host == pattern
            for pattern in self.allow_hosts
        )

    def allows_address(self, address: IPAddress) -> bool:
        candidates = [address, *filter(None, [embedded_ipv4(address)])]
        return any(
            candidate.version == net.version and candidate in net
            for candidate in candidates
            for net in self.networks()
        )


def _overlap(a: IPNetwork, b: IPNetwork) -> bool:
    if isinstance(a, ipaddress.IPv4Network) and isinstance(b, ipaddress.IPv4Network):
        return a.overlaps(b)
    if isinstance(a, ipaddress.IPv6Network) and isinstance(b, ipaddress.IPv6Network):
        return a.overlaps(b)
    return False


def metadata_within(net: IPNetwork) -> tuple[IPNetwork, ...]:
    """The metadata endpoints inside `net`: a NetworkPolicy allowing `net` excepts them."""
    return tuple(m for m in METADATA if _overlap(m, net) and m.prefixlen > net.prefixlen)


def tenant_network(value: str) -> str:
    """A network a tenant may allow, canonical; ValueError saying why not otherwise."""
    net = network(value)
    for never, why in NEVER_FOR_TENANTS.items():
        # A metadata address inside a wider private range stays closed on its own (the check
        # refuses it, the NetworkPolicy excepts it), so the range itself may be allowed.
        inside = never in METADATA and never.prefixlen > net.prefixlen
        if _overlap(net, never) and not inside:
            raise ValueError(f"{net} overlaps {never}, {why}, which no tenant may allow")
    for edge in (net.network_address, net.broadcast_address):
        kind = address_kind(edge)
        if kind is None:
            raise ValueError(
                f"{net} includes public addresses ({edge}), which are allowed already: list "
                "only non-public ranges such as 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, "
                "100.64.0.0/10 or fc00::/7"
            )
        if not kind.tenant_may_allow:
            raise ValueError(f"{net} includes {kind.description}, which no tenant may allow")
    return str(net)


def tenant_host(value: str) -> str:
    """A name a tenant may allow (a local-network name), canonical; ValueError otherwise."""
    pattern = host_pattern(value)
    kind = name_kind(f"x.{pattern[2:]}" if pattern.startswith("*.") else pattern)
    if kind is None:
        raise ValueError(
            f"{value!r} is a public name and allowed already: list only names the public DNS "
            "does not know, such as shop.corp.internal"
        )
    if not kind.tenant_may_allow:
        raise ValueError(f"{value!r} is {kind.description}, which no tenant may allow")
    return pattern


# --- checking a URL ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A URL's host as a browser reads it: ASCII, lowercase, without a trailing dot; `address`
    when the host is an address literal."""

    url: str
    host: str
    address: IPAddress | None = None


def _malformed(url: str, what: str, fix: str) -> EgressRefusedError:
    return EgressRefusedError(f"The URL {url!r} {what}.", fix)


def target(url: str) -> Target:
    """The URL's host, or EgressRefusedError for a URL that is malformed or ambiguous."""
    if UNSAFE_CHARACTERS.search(url):
        raise _malformed(
            url,
            "contains a backslash, a space or a control character, which browsers and "
            "servers read in different ways",
            "Percent-encode them in the path, or remove them.",
        )
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number 0-65535
    except ValueError as exc:
        problem = f"cannot be parsed ({exc})"
        raise _malformed(url, problem, "Write it as https://host/path.") from exc
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise _malformed(
            url, f"uses the scheme {scheme or '(none)'!r}", "Use an http:// or https:// URL."
        )
    if "@" in parts.netloc:
        raise _malformed(
            url,
            "has a user name or password before '@', which hides which host it names",
            "Remove the part before '@'; give credentials in the project's auth Secret.",
        )
    raw = parts.hostname
    if not raw:
        raise _malformed(url, "has no host", "Write it as https://host/path.")
    if parts.netloc.startswith("["):
        try:
            if "%" in raw:  # a zone id names one of the sandbox's own interfaces
                raise ValueError(raw)
            address = ipaddress.IPv6Address(raw)
        except ValueError as exc:
            raise _malformed(
                url, "has an invalid IPv6 address or a zone id", "Write the address plainly."
            ) from exc
        return Target(url, str(address), address)
    host = None if "%" in raw else _ascii_host(raw)
    if host is None:
        raise _malformed(
            url,
            f"has {raw!r} as its host, which is not a valid host name",
            "Write the host name plainly (letters, digits, dashes and dots).",
        )
    try:
        ipv4 = browser_ipv4(host)
    except ValueError as exc:
        raise _malformed(
            url, f"has {host!r} as its host, which is not a valid address", "Correct the address."
        ) from exc
    if ipv4 is not None:
        if host != str(ipv4):
            raise _malformed(
                url,
                f"spells the IPv4 address {ipv4} in a short, decimal, octal or hexadecimal "
                "form, which browsers and resolvers read differently",
                f"Write the address as four decimal numbers: {ipv4}.",
            )
        return Target(url, host, ipv4)
    return Target(url, host)


def _suggested(address: IPAddress) -> str:
    inner = embedded_ipv4(address) or address
    for net in (*PRIVATE, *SHARED):
        if net.version == inner.version and inner in net:
            return str(net)
    return str(ipaddress.ip_network(inner))


def check_name(found: Target, policy: EgressPolicy) -> None:
    if found.address is not None:
        return
    kind = name_kind(found.host)
    if kind is None or (kind is not Kind.METADATA and policy.allows_name(found.host)):
        return
    fix = (
        "No policy can allow it: use the application's own address."
        if kind is Kind.METADATA
        else f"Use the application's public name, or allow {found.host} in the egress policy "
        "(allowHosts) together with the addresses it resolves to (allowCidrs)."
    )
    raise EgressRefusedError(
        f"{found.url} names {found.host}, {kind.description}, which the egress policy does "
        "not allow.",
        fix,
        kind=kind.value,
        host=found.host,
    )


def check_address(found: Target, address: IPAddress, policy: EgressPolicy) -> None:
    kind = address_kind(address)
    if kind is None or (kind is not Kind.METADATA and policy.allows_address(address)):
        return
    suggested = _suggested(address)
    how = (
        f"points at {address}"
        if found.address is not None
        else f"resolves {found.host} to {address}"
    )
    if kind is Kind.METADATA:
        problem = f"{found.url} {how}, the cloud metadata endpoint, which no sandbox may reach."
        fix = "No policy can allow it: use the application's own address."
    else:
        problem = (
            f"{found.url} {how}, {kind.description} ({suggested}), which the egress policy "
            "does not allow."
        )
        fix = f"Use the application's public address, or allow {suggested} in the egress policy."
    raise EgressRefusedError(
        problem, fix, kind=kind.value, host=found.host, address=str(address), network=suggested
    )


def vet(url: str, policy: EgressPolicy, resolver: Resolver) -> tuple[IPAddress, ...]:
    """The addresses `url` reaches, each allowed by `policy`; EgressRefusedError otherwise (and
    the resolver's errors: a host that does not resolve cannot be vetted)."""
    found = target(url)
    check_name(found, policy)
    if found.address is not None:
        addresses: tuple[IPAddress, ...] = (found.address,)
    else:
        addresses = tuple(resolver.resolve(found.host))
    if not addresses:
        raise UnknownHostError(f"{found.host} has no addresses.", "Check the host name.")
    for address in addresses:
        check_address(found, address, policy)
    return addresses
