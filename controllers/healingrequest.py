"""HealingRequest handlers: decide when created (or on restart), and again on spec.approved."""

from typing import Any

import kopf

from controllers.process import call, controllers
from testforge.domain.crd import GROUP, VERSION


@kopf.on.resume(GROUP, VERSION, "healingrequests")
@kopf.on.create(GROUP, VERSION, "healingrequests")
@kopf.on.field(GROUP, VERSION, "healingrequests", field="spec.approved")
async def decide(name: str, namespace: str | None, memo: kopf.Memo, retry: int, **_: Any) -> None:
    healing = controllers(memo).healing
    await call(memo, "HealingRequest", namespace, name, healing.reconcile, retry)
