"""Tenant isolation, on SQLite and on a real PostgreSQL server: a user of tenant A can never
read or change tenant B's data, including by guessing ids, and the audit log cannot be edited."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from api.auth.roles import Role
from api.db.models import ApiKey, AuditEvent, Membership, Share, Tenant, User
from api.db.repositories import TenantRepository
from tests.api.conftest import Api


@dataclass(frozen=True)
class Tenants:
    alice: dict[str, str]
    bob: dict[str, str]
    ci: dict[str, str]
    key_id: str
    run: str
    share_id: str
    member_id: str


def two_tenants(api: Api) -> Tenants:
    """acme (owner alice); globex (owner bob, a member, a key, a project, a run, a share)."""
    alice = api.sign_in("alice@acme.example")
    bob = api.sign_in("bob@globex.example")
    api.tenant(alice, "acme")
    api.tenant(bob, "globex")
    api.member(bob, "globex", "carol@globex.example", "member")
    key = api.client.post("/v1/tenants/globex/api-keys", json={"name": "ci"}, headers=bob).json()
    api.project(bob, "globex")
    run = api.client.post("/v1/tenants/globex/projects/shop/runs", json={}, headers=bob).json()
    share = api.client.post(f"/v1/tenants/globex/runs/{run['name']}/shares", json={}, headers=bob)
    members = api.client.get("/v1/tenants/globex/members", headers=bob).json()
    return Tenants(
        alice=alice,
        bob=bob,
        ci={"Authorization": f"Bearer {key['key']}"},
        key_id=key["id"],
        run=run["name"],
        share_id=share.json()["id"],
        member_id=next(m["id"] for m in members if m["email"] == "carol@globex.example"),
    )


def test_guessed_ids_of_another_tenant_are_not_found_under_ones_own_tenant(api_on: Api) -> None:
    api = api_on
    b = two_tenants(api)
    alice = b.alice
    attempts = [
        ("DELETE", f"/v1/tenants/acme/api-keys/{b.key_id}", None),
        ("PATCH", f"/v1/tenants/acme/members/{b.member_id}", {"role": "viewer"}),
        ("DELETE", f"/v1/tenants/acme/members/{b.member_id}", None),
        ("DELETE", f"/v1/tenants/acme/shares/{b.share_id}", None),
        ("GET", f"/v1/tenants/acme/runs/{b.run}", None),
        ("GET", f"/v1/tenants/acme/runs/{b.run}/shares", None),
        ("POST", f"/v1/tenants/acme/runs/{b.run}/shares", {}),
        ("GET", "/v1/tenants/acme/projects/shop", None),
        ("POST", "/v1/tenants/acme/projects/shop/runs", {}),
    ]
    for method, path, body in attempts:
        answer = api.client.request(method, path, json=body, headers=alice)
        if method == "GET" and path.endswith("/shares"):
            assert answer.status_code == 200 and answer.json() == [], path
        else:
            assert answer.status_code == 404, f"{method} {path}: {answer.status_code}"


def test_another_tenants_paths_are_not_found_for_an_outsider(api_on: Api) -> None:
    api = api_on
    b = two_tenants(api)
    alice = b.alice
    for method, path in [
        ("GET", "/v1/tenants/globex"),
        ("GET", "/v1/tenants/globex/members"),
        ("GET", "/v1/tenants/globex/runs"),
        ("DELETE", f"/v1/tenants/globex/api-keys/{b.key_id}"),
        ("DELETE", f"/v1/tenants/globex/shares/{b.share_id}"),
    ]:
        answer = api.client.request(method, path, headers=alice)
        assert answer.status_code == 404, f"{method} {path}"
    # globex is untouched: its key still works, its share and member are still there.
    bob, ci = b.bob, b.ci
    assert api.client.get("/v1/tenants/globex/runs", headers=ci).status_code == 200
    shares = api.client.get(f"/v1/tenants/globex/runs/{b.run}/shares", headers=bob).json()
    assert shares[0]["revoked_at"] is None
    members = api.client.get("/v1/tenants/globex/members", headers=bob).json()
    assert {m["email"] for m in members} == {"bob@globex.example", "carol@globex.example"}


def test_an_api_key_works_for_its_own_tenant_only(api_on: Api) -> None:
    api = api_on
    b = two_tenants(api)
    assert api.client.get("/v1/tenants/acme/runs", headers=b.ci).status_code == 404


def test_runs_are_read_from_each_tenants_own_namespace(api_on: Api) -> None:
    api = api_on
    b = two_tenants(api)
    assert api.client.get("/v1/tenants/acme/runs", headers=b.alice).json() == []
    assert api.cluster.names("testruns", api.namespace("globex")) == [b.run]
    assert api.cluster.names("testruns", api.namespace("acme")) == []


def _rows(session: Session, tenant: str) -> tuple[uuid.UUID, uuid.UUID]:
    acme = session.query(Tenant).filter_by(slug=tenant).one()
    other = session.query(Tenant).filter(Tenant.slug != tenant).one()
    return acme.id, other.id


def test_the_tenant_repository_never_returns_or_deletes_another_tenants_rows(
    api_on: Api,
) -> None:
    api = api_on
    two_tenants(api)
    with api.container.sessions() as session:
        acme_id, globex_id = _rows(session, "acme")
        acme = TenantRepository(session, acme_id)
        globex = TenantRepository(session, globex_id)
        for model in (ApiKey, Share, Membership):
            for row in globex.list(model):
                assert acme.get(model, row.id) is None
                with pytest.raises(ValueError, match="another tenant"):
                    acme.delete(row)
        assert {m.user_id for m in acme.list(Membership)}.isdisjoint(
            {m.user_id for m in globex.list(Membership)}
        )
        smuggled = acme.add(
            Share(run_name="x", created_by="t", created_at=api.clock(), expires_at=api.clock())
        )
        smuggled.tenant_id = acme_id  # add() stamped it; nothing else can set globex's
        session.flush()
        assert globex.get(Share, smuggled.id) is None
        session.rollback()


def test_the_audit_log_refuses_updates_and_deletes_in_the_database(engine: Engine) -> None:
    with Session(engine) as session:
        tenant = Tenant(slug="acme", name="Acme", namespace="tf-acme", created_at=_now())
        session.add(tenant)
        session.add(User(issuer="i", subject="s", email="a@b.c", created_at=_now()))
        session.flush()
        session.add(AuditEvent(at=_now(), tenant_id=tenant.id, actor="a", action="x", details={}))
        session.commit()
    for statement in ("UPDATE audit_events SET actor = 'someone else'", "DELETE FROM audit_events"):
        with engine.connect() as connection, pytest.raises(DBAPIError, match="append-only"):
            connection.execute(text(statement))
    with Session(engine) as session:
        assert session.query(AuditEvent).one().actor == "a"


def test_a_membership_role_is_stored_and_read_back_as_a_role(engine: Engine) -> None:
    with Session(engine) as session:
        tenant = Tenant(slug="acme", name="Acme", namespace="tf-acme", created_at=_now())
        user = User(issuer="i", subject="s", email="a@b.c", created_at=_now())
        session.add_all([tenant, user])
        session.flush()
        TenantRepository(session, tenant.id).add(
            Membership(user_id=user.id, role=Role.ADMIN, created_at=_now())
        )
        session.commit()
    with Session(engine) as session:
        membership = session.query(Membership).one()
        assert membership.role is Role.ADMIN
        assert membership.created_at.tzinfo is not None


def _now() -> datetime:
    return datetime.now(UTC)
