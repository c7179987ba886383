"""Creating and changing organisations."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.auth.access import OFFICE_ROLES
from portal.auth.models import User
from portal.extensions import db
from portal.orgs.models import FEDERAL_STATES, ORG_KINDS, Organisation
from portal.security.text import clean_text


class OrganisationError(Exception):
    """A domain error whose message can be shown to the user; `field` names the form field."""

    def __init__(self, message, field: str = "slug"):
        super().__init__(message)
        self.field = field


def find_organisation(slug: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.slug == slug))


def office() -> Organisation | None:
    """The coordination office (the first office organisation)."""
    return db.session.scalar(
        select(Organisation).where(Organisation.kind == "office").order_by(Organisation.id)
    )


def save_organisation(organisation: Organisation | None, **fields) -> Organisation:
    """Create (organisation=None) or update an organisation from validated fields."""
    # The command line passes text that no form has cleaned.
    fields = {
        name: clean_text(value, multiline=name == "description")
        if isinstance(value, str)
        else value
        for name, value in fields.items()
    }
    slug = fields.get("slug")
    if slug is not None:
        other = find_organisation(slug)
        if other is not None and other is not organisation:
            raise OrganisationError(_l("Diese Kennung ist bereits vergeben."))
    if fields.get("kind", "member") not in ORG_KINDS:
        raise OrganisationError(_l("Unbekannte Art der Organisation."), field="kind")
    if (
        organisation is not None
        and organisation.is_office
        and fields.get("kind", "office") != "office"
    ):
        _refuse_office_roles(organisation)
    if fields.get("federal_state") and fields["federal_state"] not in FEDERAL_STATES:
        raise OrganisationError(_l("Unbekanntes Bundesland."))
    if isinstance(fields.get("focus_areas"), str):
        fields["focus_areas"] = [p.strip() for p in fields["focus_areas"].split(",") if p.strip()]
    if fields.get("federal_state") == "":
        fields["federal_state"] = None
    if organisation is None:
        organisation = Organisation()
        db.session.add(organisation)
    for key, value in fields.items():
        # Empty optional form fields arrive as None; the text columns store "".
        setattr(organisation, key, "" if value is None and key != "federal_state" else value)
    db.session.flush()
    return organisation


def _refuse_office_roles(organisation: Organisation) -> None:
    """An office stops being one only when nobody in it holds an office role any more."""
    holders = db.session.scalars(
        select(User.name)
        .where(User.organisation_id == organisation.id, User.role.in_(OFFICE_ROLES))
        .order_by(User.name)
    ).all()
    if holders:
        raise OrganisationError(
            _l(
                "Die Art kann nicht geändert werden: %(names)s haben die Rolle „Redaktion“ oder "
                "„Administration“, die es nur in der Koordinierungsstelle gibt. Bitte ändern Sie "
                "zuerst ihre Rolle oder Organisation.",
                names=", ".join(holders),
            ),
            field="kind",
        )
