"""Home, product list and search, product detail with add-to-cart, and the deals page and API."""

import asyncio
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response

from demo import domain
from demo.web import AppContext, SignedIn, redirect, render

router = APIRouter()


@router.get("/")
async def home(request: Request) -> Response:
    return render(request, "home.html")


@router.get("/products")
async def products(request: Request, q: str = "") -> Response:
    found = domain.search(q)
    return render(
        request, "products.html", q=q, products=found, count_text=domain.count_text(len(found))
    )


def _product(slug: str) -> domain.Product:
    product = domain.find_product(slug)
    if product is None:
        raise HTTPException(status_code=404)
    return product


@router.get("/products/{slug}")
async def product_page(request: Request, slug: str) -> Response:
    return render(request, "product.html", product=_product(slug), quantity="1", error=None)


@router.post("/products/{slug}")
async def add_to_cart(
    request: Request,
    context: AppContext,
    visitor: SignedIn,
    slug: str,
    quantity: Annotated[str, Form()] = "",
) -> Response:
    product = _product(slug)
    added = domain.parse_quantity(quantity)
    if added is None:
        error = "Choose a quantity from 1 to 10."
        return render(request, "product.html", product=product, quantity=quantity, error=error)
    with context.store.edit(visitor.session_id) as state:
        state.cart[slug] = domain.add_quantity(state.cart.get(slug, 0), added)
    return redirect("/cart")


@router.get("/deals")
async def deals_page(request: Request) -> Response:
    return render(request, "deals.html")


@router.get("/api/deals")
async def deals_api(context: AppContext) -> dict[str, Any]:
    await asyncio.sleep(context.async_delay_s)
    return {"deals": [asdict(deal) for deal in domain.DEALS]}
