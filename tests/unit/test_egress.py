"""The egress policy's pure rules (testforge.domain.egress): which URLs a sandbox may be aimed
at, how a browser reads hosts the standard library would not, and what a tenant may open."""

import ipaddress
from collections.abc import Mapping, Sequence

import pytest

from testforge.domain import egress
from testforge.domain.crd import EgressSpec, TestProjectSpec
from testforge.domain.egress import EgressPolicy, Kind
from testforge.domain.errors import EgressRefusedError, UnknownHostError
from tests.fakes.resolver import PUBLIC, FakeResolver

NONE = EgressPolicy()


def refused(
    url: str, policy: EgressPolicy = NONE, answers: Mapping[str, Sequence[str]] | None = None
) -> EgressRefusedError:
    with pytest.raises(EgressRefusedError) as caught:
        egress.vet(url, policy, FakeResolver(answers))
    return caught.value


@pytest.mark.parametrize(
    ("url", "kind", "address"),
    [
        ("http://169.254.169.254/latest/meta-data/", Kind.METADATA, "169.254.169.254"),
        ("http://[fd00:ec2::254]/", Kind.METADATA, "fd00:ec2::254"),
        ("http://100.100.100.200/", Kind.METADATA, "100.100.100.200"),
        ("http://169.254.1.1/", Kind.LINK_LOCAL, "169.254.1.1"),
        ("http://[fe80::1]/", Kind.LINK_LOCAL, "fe80::1"),
        ("http://127.0.0.1:8000/", Kind.LOOPBACK, "127.0.0.1"),
        ("http://[::1]/", Kind.LOOPBACK, "::1"),
        ("http://[::ffff:127.0.0.1]/", Kind.LOOPBACK, "::ffff:7f00:1"),
        ("http://[::ffff:a9fe:a9fe]/", Kind.METADATA, "::ffff:a9fe:a9fe"),
        ("http://[64:ff9b::a00:1]/", Kind.PRIVATE, "64:ff9b::a00:1"),
        ("http://[2002:7f00:1::]/", Kind.LOOPBACK, "2002:7f00:1::"),
        ("http://10.1.2.3/", Kind.PRIVATE, "10.1.2.3"),
        ("http://172.16.0.1/", Kind.PRIVATE, "172.16.0.1"),
        ("http://192.168.1.1/", Kind.PRIVATE, "192.168.1.1"),
        ("http://[fd12::1]/", Kind.PRIVATE, "fd12::1"),
        ("http://100.64.0.1/", Kind.SHARED, "100.64.0.1"),
        ("http://0.0.0.0/", Kind.UNSPECIFIED, "0.0.0.0"),
        ("http://[::]/", Kind.UNSPECIFIED, "::"),
        ("http://224.0.0.1/", Kind.MULTICAST, "224.0.0.1"),
        ("http://240.0.0.1/", Kind.RESERVED, "240.0.0.1"),
        ("http://198.18.0.1/", Kind.RESERVED, "198.18.0.1"),
        ("http://１２７.０.０.１/", Kind.LOOPBACK, "127.0.0.1"),  # browsers map full-width digits
    ],
)
def test_non_public_addresses_are_refused_by_default(url: str, kind: Kind, address: str) -> None:
    error = refused(url)
    assert (error.kind, error.address) == (kind.value, address)
    assert address in error.problem and error.fix


@pytest.mark.parametrize(
    ("url", "meant"),
    [
        ("http://2130706433/", "127.0.0.1"),
        ("http://0x7f.1/", "127.0.0.1"),
        ("http://0x7f000001/", "127.0.0.1"),
        ("http://0177.0.0.1/", "127.0.0.1"),
        ("http://127.1/", "127.0.0.1"),
        ("http://127.0.0.1./", None),  # a trailing dot is the same address, and allowed syntax
        ("http://0xa9fea9fe/", "169.254.169.254"),
        ("http://0x08080808/", "8.8.8.8"),  # even a public one: parsers disagree on these
    ],
)
def test_other_spellings_of_an_ipv4_address_are_refused_with_the_address_they_mean(
    url: str, meant: str | None
) -> None:
    error = refused(url)
    if meant is None:
        assert error.kind == Kind.LOOPBACK.value
    else:
        assert error.kind is None and f"four decimal numbers: {meant}" in (error.fix or "")


def test_the_browsers_ipv4_reading_covers_short_octal_and_hex_forms() -> None:
    read = egress.browser_ipv4
    assert read("2130706433") == read("0x7f.1") == read("0177.1") == read("127.0.1")
    assert read("127.0.1") == ipaddress.IPv4Address("127.0.0.1")
    assert read("shop.example") is None and read("0x.example") is None
    for invalid in ("1.2.3.4.5", "256.1.1.1", "example.123", "08.1.1.1", "1.16777216"):
        with pytest.raises(ValueError, match="not a valid IPv4"):
            read(invalid)


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://kubernetes.default.svc/", Kind.IN_CLUSTER),
        ("https://kubernetes.default.svc.cluster.local/", Kind.IN_CLUSTER),
        ("http://kubernetes.default/", Kind.IN_CLUSTER),
        ("http://kubernetes/", Kind.IN_CLUSTER),
        ("http://shop/", Kind.IN_CLUSTER),  # the pod's search list completes it
        ("http://shop.tf-other/", Kind.IN_CLUSTER),  # service.namespace
        ("http://kubernetes.default.svc./", Kind.IN_CLUSTER),
        ("http://KUBERNETES.Default.SVC/", Kind.IN_CLUSTER),
        ("http://ｋubernetes。default.svc/", Kind.IN_CLUSTER),  # full-width k and dot
        ("http://localhost:8000/", Kind.LOOPBACK),
        ("http://app.localhost/", Kind.LOOPBACK),
        ("http://metadata.google.internal/", Kind.METADATA),
        ("http://shop.corp.internal/", Kind.LOCAL_NAME),
        ("http://printer.local/", Kind.LOCAL_NAME),
        ("http://nas.home.arpa/", Kind.LOCAL_NAME),
    ],
)
def test_in_cluster_and_local_names_are_refused_without_asking_dns(url: str, kind: Kind) -> None:
    resolver = FakeResolver()
    with pytest.raises(EgressRefusedError) as caught:
        egress.vet(url, NONE, resolver)
    assert caught.value.kind == kind.value and resolver.asked == []


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://good.example@127.0.0.1/", "before '@'"),
        ("http://good.example:pw@127.0.0.1/", "before '@'"),
        ("http://127.0.0.1\\@good.example/", "backslash"),
        ("http://good.example\\.127.0.0.1/", "backslash"),
        ("http://good.example\t/", "control character"),
        ("http://%31%32%37.0.0.1/", "not a valid host name"),
        ("http://[fe80::1%25eth0]/", "zone id"),
        ("http://[::1/", "cannot be parsed"),
        ("http://10.0.0.1:99999/", "cannot be parsed"),
        ("ftp://files.example/", "scheme 'ftp'"),
        ("file:///etc/passwd", "scheme 'file'"),
        ("gopher://shop.example/", "scheme 'gopher'"),
        ("http:///127.0.0.1/", "no host"),
        ("http://a..example/", "not a valid host name"),
        ("http://" + "a" * 64 + ".example/", "not a valid host name"),
    ],
)
def test_malformed_and_ambiguous_urls_are_refused(url: str, says: str) -> None:
    error = refused(url)
    assert error.kind is None and says in error.problem and error.fix


def test_a_public_name_is_allowed_and_every_address_it_resolves_to_is_checked() -> None:
    addresses = egress.vet("https://shop.example/cart", NONE, FakeResolver())
    assert addresses == (ipaddress.ip_address(PUBLIC),)
    error = refused("https://shop.example/", NONE, {"shop.example": [PUBLIC, "10.1.2.3"]})
    assert (error.address, error.network, error.kind) == ("10.1.2.3", "10.0.0.0/8", "private")
    assert "resolves shop.example to 10.1.2.3" in error.problem


def test_a_host_without_addresses_cannot_be_vetted() -> None:
    with pytest.raises(UnknownHostError):
        egress.vet("https://typo.example/", NONE, FakeResolver({"typo.example": []}))


def test_an_allowed_network_opens_its_addresses_and_nothing_else() -> None:
    policy = EgressPolicy(allow_cidrs=("10.20.0.0/16",))
    resolver = FakeResolver({"intranet.example": ["10.20.1.2"], "other.example": ["10.30.1.2"]})
    assert egress.vet("http://intranet.example/", policy, resolver)
    assert egress.vet("http://10.20.0.9/", policy, resolver)
    assert egress.vet("http://[::ffff:10.20.0.9]/", policy, resolver)  # the same, as IPv6
    with pytest.raises(EgressRefusedError):
        egress.vet("http://other.example/", policy, resolver)


def test_an_allowed_name_still_needs_its_addresses_allowed() -> None:
    resolver = FakeResolver({"shop.corp.internal": ["10.20.1.2"]})
    named = EgressPolicy(allow_hosts=("*.corp.internal",))
    assert refused("http://shop.corp.internal/", named, resolver.answers).kind == "private"
    both = EgressPolicy(allow_hosts=("*.corp.internal",), allow_cidrs=("10.20.0.0/16",))
    assert egress.vet("http://shop.corp.internal/", both, resolver)
    assert refused("http://corp.internal/", both).kind == "local-name"  # *. means below it


def test_no_policy_opens_a_cloud_metadata_endpoint() -> None:
    wide = EgressPolicy(
        allow_cidrs=("169.254.0.0/16", "100.64.0.0/10", "fd00::/8"),
        allow_hosts=("*.google.internal",),
    )
    for url in (
        "http://169.254.169.254/",
        "http://100.100.100.200/",
        "http://[fd00:ec2::254]/",
        "http://metadata.google.internal/",
    ):
        assert refused(url, wide).kind == "metadata"
    assert egress.vet("http://169.254.1.1/", wide, FakeResolver())  # the rest of it is open


def test_a_policy_is_canonical_and_strict() -> None:
    policy = EgressPolicy(
        allow_cidrs=("10.0.0.0/8", "10.0.0.0/255.0.0.0", "FD12::/16"),
        allow_hosts=("Shop.Corp.Internal.", "shop.corp.internal", "*.LAN"),
    )
    assert policy.allow_cidrs == ("10.0.0.0/8", "fd12::/16")
    assert policy.allow_hosts == ("shop.corp.internal", "*.lan")
    for bad in ("10.0.0.1/8", "10.0.0.0/33", "010.0.0.0/8", "ten"):
        with pytest.raises(ValueError, match="CIDR"):
            EgressPolicy(allow_cidrs=(bad,))
    for bad_host in ("10.0.0.1", "[::1]", "sh op.example", "*"):
        with pytest.raises(ValueError):
            EgressPolicy(allow_hosts=(bad_host,))
    with pytest.raises(ValueError, match="at most 32"):
        EgressPolicy(allow_cidrs=tuple(f"10.{i}.0.0/16" for i in range(33)))


@pytest.mark.parametrize(
    ("cidr", "why"),
    [
        ("0.0.0.0/0", "the sandbox's own host"),
        ("::/0", "the sandbox's own host"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("169.254.169.254/32", "link-local"),
        ("100.100.100.200/32", "metadata"),
        ("fe80::/10", "link-local"),
        ("::ffff:10.0.0.0/104", "IPv4 written as IPv6"),
        ("224.0.0.0/4", "multicast"),
        ("8.8.8.0/24", "public addresses"),
        ("10.0.0.0/7", "public addresses"),
    ],
)
def test_a_tenant_may_open_its_private_networks_only(cidr: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        egress.tenant_network(cidr)


def test_a_tenant_may_open_private_shared_and_unique_local_ranges() -> None:
    opened = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"]
    assert [egress.tenant_network(c) for c in opened] == opened
    # The metadata endpoints inside two of them stay closed, in the check and the policy.
    assert [str(m) for m in egress.metadata_within(egress.network("100.64.0.0/10"))] == [
        "100.100.100.200/32"
    ]


@pytest.mark.parametrize(
    ("host", "why"),
    [
        ("kubernetes.default.svc", "in-cluster"),
        ("*.svc", "in-cluster"),
        ("*.cluster.local", "in-cluster"),
        ("localhost", "loopback"),
        ("metadata.google.internal", "metadata"),
        ("shop.example", "public name"),
        ("10.0.0.1", "an address"),
    ],
)
def test_a_tenant_may_open_local_network_names_only(host: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        egress.tenant_host(host)
    assert egress.tenant_host("*.Corp.Internal") == "*.corp.internal"


def test_the_crd_field_carries_the_policy_and_refuses_sloppy_networks() -> None:
    spec = TestProjectSpec.model_validate(
        {"url": "https://shop.example", "egress": {"allowCidrs": ["10.20.0.0/16"]}}
    )
    assert spec.egress is not None
    assert spec.egress.policy() == EgressPolicy(allow_cidrs=("10.20.0.0/16",))
    assert EgressSpec.of(spec.egress.policy()) == spec.egress
    assert spec.wire()["egress"] == {"allowCidrs": ["10.20.0.0/16"], "allowHosts": []}
    with pytest.raises(ValueError, match="host bits"):
        EgressSpec.model_validate({"allowCidrs": ["10.20.0.1/16"]})
