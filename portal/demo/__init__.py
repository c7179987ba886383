"""Demo content for a first start and for trying the portal (fictional organisations)."""

import json
import secrets
from pathlib import Path

from portal.auth import services as auth_services
from portal.auth.models import User
from portal.demo.network import load_demo_network
from portal.demo.resources import load_demo_resources
from portal.extensions import db
from portal.orgs.services import find_organisation, save_organisation

# Fictional organisations and accounts; the office's first, users by organisation slug.
ACCOUNTS = Path(__file__).with_name("accounts.json")


def seed_demo() -> list[tuple[str, str]]:
    """Create missing demo organisations and users; return (email, password) of new accounts."""
    accounts = json.loads(ACCOUNTS.read_text(encoding="utf-8"))
    for fields in accounts["organisations"]:
        if find_organisation(fields["slug"]) is None:
            save_organisation(None, **fields)
    created = []
    for fields in accounts["users"]:
        email = fields["email"]
        if auth_services.find_user(email) is None:
            password = secrets.token_urlsafe(18)
            organisation = find_organisation(fields["organisation"])
            user = User(
                email=email, name=fields["name"], organisation=organisation, role=fields["role"]
            )
            user.set_password(password)
            db.session.add(user)
            created.append((email, password))
    db.session.flush()
    load_demo_resources()
    load_demo_network()
    return created
