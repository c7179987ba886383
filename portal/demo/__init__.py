"""Demo content for a first start and for trying the portal (fictional organisations)."""

import secrets

from portal.auth import services as auth_services
from portal.auth.models import User
from portal.demo.resources import load_demo_resources
from portal.extensions import db
from portal.orgs.models import Organisation
from portal.orgs.services import find_organisation, save_organisation

ORGANISATIONS = [
    dict(
        slug="kok",
        name="KOK – Bundesweiter Koordinierungskreis gegen Menschenhandel",
        short_name="KOK-Geschäftsstelle",
        kind="office",
        city="Berlin",
        federal_state="BE",
        focus_areas=["Koordinierung", "Politikberatung", "Wissensmanagement"],
        contact_email="info@kok-demo.example",
        website="https://kok-demo.example",
    ),
    dict(
        slug="fbs-nord",
        name="Fachberatungsstelle Nord gegen Menschenhandel",
        short_name="FBS Nord",
        kind="member",
        city="Kiel",
        federal_state="SH",
        focus_areas=["Zwangsprostitution", "Arbeitsausbeutung"],
        contact_email="beratung@fbs-nord.example",
    ),
    dict(
        slug="lichtblick-muenchen",
        name="Lichtblick – Beratung für Migrantinnen",
        short_name="Lichtblick",
        kind="member",
        city="München",
        federal_state="BY",
        focus_areas=["Frauenhandel", "Aufenthaltsrecht", "Opferentschädigung"],
        contact_email="kontakt@lichtblick.example",
    ),
    dict(
        slug="faire-arbeit-rhein-ruhr",
        name="Beratungsstelle Faire Arbeit Rhein-Ruhr",
        short_name="Faire Arbeit",
        kind="member",
        city="Dortmund",
        federal_state="NW",
        focus_areas=["Arbeitsausbeutung", "Lohnrückforderung", "Saisonarbeit"],
        contact_email="info@faire-arbeit.example",
    ),
    dict(
        slug="solidar-leipzig",
        name="Solidar – Fachberatung Menschenhandel Sachsen",
        short_name="Solidar",
        kind="member",
        city="Leipzig",
        federal_state="SN",
        focus_areas=["Menschenhandel", "Minderjährige Betroffene"],
        contact_email="team@solidar-leipzig.example",
    ),
    dict(
        slug="anker-hamburg",
        name="Anker – Schutz und Beratung Hamburg",
        short_name="Anker",
        kind="member",
        city="Hamburg",
        federal_state="HH",
        focus_areas=["Zwangsprostitution", "Schutzunterkunft"],
        contact_email="anker@anker-hamburg.example",
    ),
]

USERS = [
    ("admin@kok-demo.example", "Alex Admin", "kok", "admin"),
    ("redaktion@kok-demo.example", "Ruth Redaktion", "kok", "editor"),
    ("beraterin@fbs-nord.example", "Mara Beraterin", "fbs-nord", "member"),
    ("berater@faire-arbeit.example", "Jonas Berater", "faire-arbeit-rhein-ruhr", "member"),
    ("team@lichtblick.example", "Selin Team", "lichtblick-muenchen", "member"),
]


def seed_demo() -> list[tuple[str, str]]:
    """Create missing demo organisations and users; return (email, password) of new accounts."""
    for fields in ORGANISATIONS:
        if find_organisation(fields["slug"]) is None:
            save_organisation(None, **fields)
    created = []
    for email, name, slug, role in USERS:
        if auth_services.find_user(email) is None:
            password = secrets.token_urlsafe(18)
            organisation = db.session.scalar(
                db.select(Organisation).where(Organisation.slug == slug)
            )
            user = User(email=email, name=name, organisation=organisation, role=role)
            user.set_password(password)
            db.session.add(user)
            created.append((email, password))
    db.session.flush()
    load_demo_resources()
    return created
