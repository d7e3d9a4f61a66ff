"""The tenant's egress policy in the API (docs/api.md, "Egress policy").

Every URL a project or run names is checked against it here, with the API's DNS: refused if it
is malformed or ambiguous, an in-cluster or local name, or if any address it resolves to is not
public and not in a network the tenant allowed. The sandbox runner checks again with its own
DNS, and the namespace's NetworkPolicy (rewritten whenever the policy changes) holds for every
connection. A host that does not resolve is refused: the API cannot vouch for addresses it has
not seen, and a typo is better reported now than as a failed discovery later.
"""

from collections.abc import Callable
from datetime import datetime

from api.cluster.port import Namespaces
from api.cluster.resources import egress_network_policy, namespace_labels
from api.db.models import Tenant
from api.errors import EgressRefusedError, UpstreamUnavailableError
from api.services import audit
from api.services.access import TenantAccess
from testforge.domain import egress
from testforge.domain import errors as domain

ASK = "ask a tenant admin or owner, signed in (not with an API key), to allow"


def policy_of(tenant: Tenant) -> egress.EgressPolicy:
    return egress.EgressPolicy(
        allow_cidrs=tuple(tenant.egress_cidrs), allow_hosts=tuple(tenant.egress_hosts)
    )


def _fix(tenant: Tenant, refused: domain.EgressRefusedError) -> str:
    route = f"PUT /v1/tenants/{tenant.slug}/egress"
    kind = egress.Kind(refused.kind) if refused.kind else None
    if kind is None:
        return refused.fix or "Correct the URL."
    if not kind.tenant_may_allow:
        return f"Use the application's public address: {kind.description} is never allowed."
    if refused.network is not None:
        return f"Use a public address, or {ASK} {refused.network} ({route}, allow_cidrs)."
    return (
        f"Use a public name, or {ASK} {refused.host} ({route}, allow_hosts) and the network "
        "its addresses are in (allow_cidrs)."
    )


def vet(tenant: Tenant, resolver: egress.Resolver, url: str, where: str) -> None:
    """EgressRefusedError (422) unless the tenant's policy allows `url`, named at `where`."""
    try:
        egress.vet(url, policy_of(tenant), resolver)
    except domain.EgressRefusedError as exc:
        details = {
            k: v for k, v in (("address", exc.address), ("network", exc.network)) if v is not None
        }
        raise EgressRefusedError(
            exc.problem,
            _fix(tenant, exc),
            extra={"errors": [{"where": where, "problem": exc.problem}], **details},
        ) from exc
    except domain.UnknownHostError as exc:
        problem = f"{url}: {exc.problem} A host that does not resolve cannot be checked."
        raise EgressRefusedError(
            problem,
            "Check the host name, or create its DNS record before naming it here.",
            extra={"errors": [{"where": where, "problem": exc.problem}]},
        ) from exc
    except domain.ResolverUnavailableError as exc:
        raise UpstreamUnavailableError(
            f"{exc.problem} The URL is checked against the tenant's egress policy first.",
            "Try again shortly.",
        ) from exc


def replace(
    access: TenantAccess,
    clock: Callable[[], datetime],
    namespaces: Namespaces | None,
    policy: egress.EgressPolicy,
) -> egress.EgressPolicy:
    """The tenant's new policy, audited; the namespace's NetworkPolicy is rewritten before the
    commit, so the database never promises what the cluster does not enforce. Only a person
    reaches this: egress:manage is person-only (api.auth.policy)."""
    tenant, old = access.tenant, policy_of(access.tenant)
    tenant.egress_cidrs, tenant.egress_hosts = list(policy.allow_cidrs), list(policy.allow_hosts)
    audit.record(
        access.session,
        clock,
        actor=access.principal.actor,
        action="tenant.egress_changed",
        tenant_id=tenant.id,
        target=tenant.slug,
        old=old.model_dump(mode="json"),
        new=policy.model_dump(mode="json"),
    )
    if namespaces is not None:
        namespaces.ensure(
            tenant.namespace,
            namespace_labels(tenant.slug),
            egress_network_policy(tenant.namespace, tenant.slug, policy),
        )
    access.session.commit()
    return policy
