"""Sign in, sign out and the account page."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from demo.versions import DEMO_PASSWORD, DEMO_USER
from demo.web import SESSION_KEY, AppContext, MaybeVisitor, SignedIn, redirect, render, safe_next

router = APIRouter()


@router.get("/login")
async def login_page(request: Request, visitor: MaybeVisitor, next: str = "") -> Response:
    if visitor is not None:
        return redirect(safe_next(next))
    return render(request, "login.html", next=next, email="", error=None)


@router.post("/login")
async def login(
    request: Request,
    context: AppContext,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    if email.strip().casefold() != DEMO_USER or password != DEMO_PASSWORD:
        error = "Invalid email or password."
        return render(request, "login.html", next=next, email=email, error=error)
    if old_session := request.session.get(SESSION_KEY):
        context.store.close(old_session)
    request.session[SESSION_KEY] = context.store.open(DEMO_USER)
    return redirect(safe_next(next))


@router.post("/logout")
async def logout(request: Request, context: AppContext, visitor: MaybeVisitor) -> Response:
    if visitor is not None:
        context.store.close(visitor.session_id)
    request.session.clear()
    return redirect("/")


@router.get("/account")
async def account(request: Request, context: AppContext, visitor: SignedIn) -> Response:
    with context.store.edit(visitor.session_id) as state:
        orders = list(state.orders.values())
    return render(request, "account.html", orders=orders)
