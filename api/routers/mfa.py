"""Multi-factor authentication: a person enrols a TOTP authenticator, confirms it, verifies
it at each sign-in, or turns it off; owners can require it in their tenant."""

from typing import Annotated

from fastapi import APIRouter, Response

from api.auth.policy import Permission
from api.deps import (
    ContainerDep,
    CurrentPerson,
    CurrentUser,
    PendingPerson,
    SessionDep,
    require,
)
from api.problems import problem_responses
from api.schemas import MfaCode, MfaEnrolmentPublic, MfaPolicy, MfaRecoveryCodesPublic
from api.services import mfa
from api.services.access import TenantAccess, require_person

router = APIRouter(tags=["mfa"])


@router.post("/v1/me/mfa", status_code=201, responses=problem_responses(409))
def enrol(user: CurrentUser, container: ContainerDep, session: SessionDep) -> MfaEnrolmentPublic:
    enrolment = container.mfa.enrol(session, user)
    return MfaEnrolmentPublic(secret=enrolment.secret, otpauth_uri=enrolment.uri)


@router.post("/v1/me/mfa/confirm")
def confirm(
    body: MfaCode, person: CurrentPerson, container: ContainerDep, session: SessionDep
) -> MfaRecoveryCodesPublic:
    user = require_person(person)
    codes = container.mfa.confirm(session, user, person.session_id, body.code)
    return MfaRecoveryCodesPublic(recovery_codes=codes)


@router.post("/v1/me/mfa/disable", status_code=204)
def disable(
    body: MfaCode, user: CurrentUser, container: ContainerDep, session: SessionDep
) -> Response:
    container.mfa.disable(session, user, body.code)
    return Response(status_code=204)


@router.post("/auth/mfa/verify", status_code=204)
def verify(
    body: MfaCode, person: PendingPerson, container: ContainerDep, session: SessionDep
) -> Response:
    """The second step of signing in, for people with a second factor."""
    assert person.session_id is not None  # a person's principal always names its session
    container.mfa.verify(session, require_person(person), person.session_id, body.code)
    return Response(status_code=204)


@router.put("/v1/tenants/{tenant}/mfa-policy")
def set_policy(
    body: MfaPolicy,
    access: Annotated[TenantAccess, require(Permission.MFA_POLICY_MANAGE)],
    container: ContainerDep,
) -> MfaPolicy:
    mfa.set_tenant_policy(access, container.clock, body.required)
    return MfaPolicy(required=access.tenant.require_mfa)
