"""The contact form: server-side validation only, then a thank-you page."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from demo import domain
from demo.web import render

router = APIRouter()


@router.get("/contact")
async def contact_page(request: Request) -> Response:
    form = domain.ContactForm()
    return render(request, "contact.html", form=form, errors={}, topics=domain.TOPICS)


@router.post("/contact")
async def send_message(request: Request, form: Annotated[domain.ContactForm, Form()]) -> Response:
    errors = domain.contact_errors(form)
    if errors:
        return render(request, "contact.html", form=form, errors=errors, topics=domain.TOPICS)
    return render(request, "contact_thanks.html", name=form.name.strip(), email=form.email.strip())
