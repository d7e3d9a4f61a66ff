"""The cart, checkout and order confirmation; all of them need a signed-in visitor."""

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response

from demo import domain
from demo.web import AppContext, Context, SignedIn, redirect, render

router = APIRouter()


@router.get("/cart")
async def cart(request: Request, context: AppContext, visitor: SignedIn) -> Response:
    with context.store.edit(visitor.session_id) as state:
        lines = domain.cart_lines(state.cart)
    totals = domain.price(lines, context.profile.behaviour)
    return render(request, "cart.html", lines=lines, totals=totals)


@router.post("/cart")
async def remove_from_cart(
    context: AppContext, visitor: SignedIn, remove: Annotated[str, Form()] = ""
) -> Response:
    with context.store.edit(visitor.session_id) as state:
        state.cart.pop(remove, None)
    return redirect("/cart")


@router.get("/checkout")
async def checkout_page(request: Request, context: AppContext, visitor: SignedIn) -> Response:
    with context.store.edit(visitor.session_id) as state:
        lines = domain.cart_lines(state.cart)
    form = domain.CheckoutForm(email=visitor.email)
    return _checkout(request, context, lines, form, errors={})


@router.post("/checkout")
async def place_order(
    request: Request,
    context: AppContext,
    visitor: SignedIn,
    form: Annotated[domain.CheckoutForm, Form()],
) -> Response:
    with context.store.edit(visitor.session_id) as state:
        lines = domain.cart_lines(state.cart)
        errors = domain.checkout_errors(form)
        if lines and not errors:
            number = state.next_order_number()
            placed = domain.place_order(number, form, lines, context.profile.behaviour)
            state.orders[number] = placed
            state.cart.clear()
            return redirect(f"/orders/{number}")
    if not lines:
        return redirect("/cart")
    return _checkout(request, context, lines, form, errors)


def _checkout(
    request: Request,
    context: Context,
    lines: list[domain.CartLine],
    form: domain.CheckoutForm,
    errors: dict[str, str],
) -> Response:
    totals = domain.price(lines, context.profile.behaviour)
    return render(
        request,
        "checkout.html",
        lines=lines,
        totals=totals,
        form=form,
        errors=errors,
        countries=domain.COUNTRIES,
    )


@router.get("/orders/{number}")
async def order(request: Request, context: AppContext, visitor: SignedIn, number: int) -> Response:
    with context.store.edit(visitor.session_id) as state:
        placed = state.orders.get(number)
    if placed is None:
        raise HTTPException(status_code=404)
    return render(request, "order.html", order=placed)
