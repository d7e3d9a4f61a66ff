# mypy: ignore-errors
# (runs in the app's own virtualenv, where Flask-AppBuilder is installed; the test venv has none)
"""CRUD views with list, show, add and edit pages, search and filters, under a Contacts menu."""

from typing import Any, ClassVar

from flask_appbuilder import ModelView
from flask_appbuilder.models.sqla.interface import SQLAInterface

from . import appbuilder
from .models import Contact, ContactGroup, Gender


class ContactModelView(ModelView):
    datamodel = SQLAInterface(Contact)

    label_columns: ClassVar[dict[str, str]] = {"contact_group": "Contacts Group"}
    list_columns: ClassVar[list[str]] = ["name", "personal_celphone", "birthday", "contact_group"]
    search_columns: ClassVar[list[str]] = ["name", "address", "birthday", "contact_group", "gender"]
    base_order = ("name", "asc")

    show_fieldsets: ClassVar[list[tuple[str, dict[str, Any]]]] = [
        ("Summary", {"fields": ["name", "gender", "contact_group"]}),
        (
            "Personal Info",
            {"fields": ["address", "birthday", "personal_phone", "personal_celphone"],
             "expanded": False},
        ),
    ]
    add_fieldsets: ClassVar[list[tuple[str, dict[str, Any]]]] = [
        ("Summary", {"fields": ["name", "gender", "contact_group"]}),
        (
            "Personal Info",
            {"fields": ["address", "birthday", "personal_phone", "personal_celphone"],
             "expanded": False},
        ),
    ]
    edit_fieldsets = add_fieldsets


class GroupModelView(ModelView):
    datamodel = SQLAInterface(ContactGroup)
    related_views: ClassVar[list[type[ModelView]]] = [ContactModelView]
    list_columns: ClassVar[list[str]] = ["name", "description"]
    search_columns: ClassVar[list[str]] = ["name", "description"]


class GenderModelView(ModelView):
    datamodel = SQLAInterface(Gender)
    list_columns: ClassVar[list[str]] = ["name"]


appbuilder.add_view(
    GroupModelView, "List Groups", icon="fa-folder-open-o", category="Contacts",
    category_icon="fa-envelope",
)
appbuilder.add_view(ContactModelView, "List Contacts", icon="fa-envelope", category="Contacts")
appbuilder.add_separator("Contacts")
appbuilder.add_view(GenderModelView, "List Gender", icon="fa-venus-mars", category="Contacts")
