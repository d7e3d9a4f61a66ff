# mypy: ignore-errors
# (runs in the app's own virtualenv, where Flask-AppBuilder is installed; the test venv has none)
"""Seed records through the app's own models; the corpus runs it once, from a copy of this folder,
after `flask fab create-db` and `flask fab create-admin`."""

import datetime

from app import app, db
from app.models import Contact, ContactGroup, Gender

GROUPS = (
    ("Friends", "People met outside work"),
    ("Family", "Relatives"),
    ("Work", "Colleagues and customers"),
)
GENDERS = ("Female", "Male", "Other")
# name, group, gender, birthday, address, phone, mobile
CONTACTS = (
    ("Ada Lovelace", "Friends", "Female", datetime.date(1815, 12, 10), "12 St James's Square",
     "555-0101", "555-0201"),
    ("Charles Babbage", "Work", "Male", datetime.date(1791, 12, 26), "1 Dorset Street",
     "555-0102", "555-0202"),
    ("Grace Hopper", "Work", "Female", datetime.date(1906, 12, 9), "Arlington, Virginia",
     "555-0103", "555-0203"),
    ("Alan Turing", "Friends", "Male", datetime.date(1912, 6, 23), "Wilmslow, Cheshire",
     "555-0104", ""),
    ("Mary Somerville", "Family", "Female", datetime.date(1780, 12, 26), "Jedburgh",
     "", "555-0205"),
    ("Sam Rivera", "Family", "Other", None, "", "555-0106", ""),
)


def main() -> None:
    with app.app_context():
        groups = {name: ContactGroup(name=name, description=text) for name, text in GROUPS}
        genders = {name: Gender(name=name) for name in GENDERS}
        db.session.add_all([*groups.values(), *genders.values()])
        for name, group, gender, birthday, address, phone, mobile in CONTACTS:
            db.session.add(Contact(
                name=name, contact_group=groups[group], gender=genders[gender],
                birthday=birthday, address=address, personal_phone=phone,
                personal_celphone=mobile,
            ))
        db.session.commit()


if __name__ == "__main__":
    main()
