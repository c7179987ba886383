"""The knowledge base: resources (case law, training material, position papers) and their parts.

One table holds every resource type; the columns of one type stay empty for the others. That keeps
lists, access rules, revisions and the search document one query each.
"""

from datetime import date, datetime

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.legal.citations import Norm
from portal.timeutil import utcnow

RESOURCE_TYPES = {
    "case_law": _l("Rechtsprechung"),
    "training_material": _l("Schulungsmaterial"),
    "position_paper": _l("Stellungnahme"),
}

STATUSES = {
    "draft": _l("Entwurf"),
    "submitted": _l("Eingereicht"),
    "returned": _l("Zurückgegeben"),
    "published": _l("Veröffentlicht"),
    "archived": _l("Archiviert"),
}

VISIBILITY_LABELS = {
    "members": _l("Alle Mitglieder"),
    "office": _l("Nur Geschäftsstelle"),
    "organisation": _l("Eigene Organisation und Geschäftsstelle"),
    "public": _l(
        "Öffentlich (auch ohne Anmeldung: Titel, Kurzfassung, Gericht, Datum, Aktenzeichen, Normen)"
    ),
}

LANGUAGES = {"de": _l("Deutsch"), "en": _l("Englisch")}

LEGAL_AREAS = {
    "strafrecht": _l("Strafrecht"),
    "aufenthaltsrecht": _l("Aufenthaltsrecht"),
    "arbeitsrecht": _l("Arbeitsrecht"),
    "sozialrecht": _l("Sozialrecht"),
    "opferentschaedigung": _l("Opferentschädigung"),
    "zivilrecht": _l("Zivilrecht"),
    "asylrecht": _l("Asylrecht"),
    "verfassungsrecht": _l("Verfassungsrecht"),
    "europarecht": _l("Europa- und Völkerrecht"),
}

DECISION_TYPES = {
    "urteil": _l("Urteil"),
    "beschluss": _l("Beschluss"),
    "gerichtsbescheid": _l("Gerichtsbescheid"),
    "vergleich": _l("Vergleich"),
    "strafbefehl": _l("Strafbefehl"),
    "sonstige": _l("Sonstige Entscheidung"),
}

OUTCOMES = {
    "residence_granted": _l("Aufenthaltserlaubnis erteilt"),
    "residence_refused": _l("Aufenthaltserlaubnis versagt"),
    "compensation_awarded": _l("Entschädigung zugesprochen"),
    "compensation_refused": _l("Entschädigung versagt"),
    "wages_awarded": _l("Lohnnachzahlung zugesprochen"),
    "wages_refused": _l("Lohnnachzahlung versagt"),
    "joint_plaintiff_admitted": _l("Nebenklage zugelassen"),
    "joint_plaintiff_refused": _l("Nebenklage abgelehnt"),
    "conviction": _l("Verurteilung"),
    "acquittal": _l("Freispruch"),
    "benefits_granted": _l("Leistungen gewährt"),
    "benefits_refused": _l("Leistungen versagt"),
    "other": _l("Sonstiges"),
}

EXPLOITATION_FORMS = {
    "sexual": _l("Sexuelle Ausbeutung"),
    "labour": _l("Arbeitsausbeutung"),
    "begging": _l("Ausnutzung der Bettelei"),
    "criminal_activities": _l("Ausnutzung strafbarer Handlungen"),
    "forced_marriage": _l("Zwangsheirat"),
    "organ_removal": _l("Organentnahme"),
    "domestic_servitude": _l("Ausbeutung im Haushalt"),
    "other": _l("Sonstige Ausbeutung"),
}

CONTROL_MEANS = {
    "violence": _l("Gewalt"),
    "threats": _l("Drohungen"),
    "debt_bondage": _l("Schuldknechtschaft"),
    "document_retention": _l("Einbehalten von Ausweispapieren"),
    "ritual_oath": _l("Ritueller Schwur (Juju)"),
    "loverboy": _l("Loverboy-Methode"),
    "deception": _l("Täuschung"),
    "isolation": _l("Isolation"),
    "abuse_of_vulnerability": _l("Ausnutzung einer Zwangslage oder Hilflosigkeit"),
    "other": _l("Sonstiges Kontrollmittel"),
}

GENDERS = {
    "female": _l("weiblich"),
    "male": _l("männlich"),
    "diverse": _l("divers"),
}

PROCEEDINGS = {
    "criminal": _l("Strafverfahren"),
    "labour": _l("Arbeitsgerichtliches Verfahren"),
    "social": _l("Sozialgerichtliches Verfahren"),
    "administrative": _l("Verwaltungsgerichtliches Verfahren"),
    "asylum": _l("Asylverfahren"),
    "civil": _l("Zivilverfahren"),
    "constitutional": _l("Verfassungsgerichtliches Verfahren"),
}

TRAINING_FORMATS = {
    "slides": _l("Foliensatz"),
    "handout": _l("Handreichung"),
    "video": _l("Video-Link"),
    "workshop": _l("Workshop-Konzept"),
    "other": _l("Sonstiges"),
}


class Court(db.Model):
    """A court; seeded from portal/legal/data/courts.json, unknown ones added by imports."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(80), default="")
    level: Mapped[str] = mapped_column(String(10), default="")
    federal_state: Mapped[str | None] = mapped_column(String(2))
    aliases: Mapped[list] = mapped_column(JSON, default=list)
    # Created on the fly by an import: an editor should check name, level and state.
    needs_curation: Mapped[bool] = mapped_column(default=False)

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    def __repr__(self) -> str:
        return f"<Court {self.slug}>"


class Resource(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(30), index=True)
    external_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown, rendered sanitised
    language: Mapped[str] = mapped_column(String(5), default="de")
    topics: Mapped[list] = mapped_column(JSON, default=list)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    visibility: Mapped[str] = mapped_column(String(20), default="members")
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    # Optimistic locking: every save must name the version it started from.
    version: Mapped[int] = mapped_column(default=1)

    # Case law
    court_id: Mapped[int | None] = mapped_column(ForeignKey("court.id"), index=True)
    decision_date: Mapped[date | None] = mapped_column(index=True)
    file_number: Mapped[str] = mapped_column(String(120), default="")
    file_number_key: Mapped[str] = mapped_column(String(120), default="", index=True)
    decision_type: Mapped[str] = mapped_column(String(30), default="")
    ecli: Mapped[str] = mapped_column(String(120), default="")
    legal_areas: Mapped[list] = mapped_column(JSON, default=list)
    outcome: Mapped[list] = mapped_column(JSON, default=list)  # keys of OUTCOMES
    outcome_amount: Mapped[str] = mapped_column(String(60), default="")  # e.g. "12.500 €"
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    source_url: Mapped[str] = mapped_column(String(500), default="")
    # Structured case facts (keys of the vocabularies above; None: not known)
    victims_count: Mapped[int | None]
    victims_minors: Mapped[int | None]
    victims_genders: Mapped[list] = mapped_column(JSON, default=list)
    victims_nationalities: Mapped[list] = mapped_column(JSON, default=list)  # ISO 3166 alpha-2
    exploitation_forms: Mapped[list] = mapped_column(JSON, default=list)
    control_means: Mapped[list] = mapped_column(JSON, default=list)
    defendants_count: Mapped[int | None]
    sentence_months: Mapped[int | None]  # the highest sentence
    sentence_suspended: Mapped[bool | None]
    compensation_eur: Mapped[float | None] = mapped_column(Float)
    proceeding: Mapped[str] = mapped_column(String(20), default="")

    # Training material
    audience: Mapped[str] = mapped_column(String(300), default="")
    format: Mapped[str] = mapped_column(String(30), default="")
    duration_minutes: Mapped[int | None]
    event_name: Mapped[str] = mapped_column(String(300), default="")
    event_date: Mapped[date | None]

    # Position paper (publication date: published_on, shared with imports of other types)
    authors: Mapped[list] = mapped_column(JSON, default=list)  # authoring organisations' names
    addressee: Mapped[str] = mapped_column(String(300), default="")
    occasion: Mapped[str] = mapped_column(String(500), default="")
    published_on: Mapped[date | None]

    organisation = relationship("Organisation")
    author = relationship("User")
    court = relationship("Court")
    norms = relationship(
        "ResourceNorm",
        back_populates="resource",
        cascade="all, delete-orphan",
        order_by="ResourceNorm.position",
    )
    attachments = relationship(
        "Attachment",
        back_populates="resource",
        cascade="all, delete-orphan",
        order_by="Attachment.id",
    )
    revisions = relationship(
        "Revision",
        back_populates="resource",
        cascade="all, delete-orphan",
        order_by="Revision.version.desc()",
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def type_label(self) -> str:
        return str(RESOURCE_TYPES.get(self.type, self.type))

    @property
    def status_label(self) -> str:
        return str(STATUSES.get(self.status, self.status))

    @property
    def visibility_label(self) -> str:
        return str(VISIBILITY_LABELS.get(self.visibility, self.visibility))

    @property
    def url(self) -> str:
        return url_for("resources.detail", resource_id=self.id)

    def __repr__(self) -> str:
        return f"<Resource {self.id} {self.type} {self.status}>"


def _section_key(context) -> str:
    key = context.get_current_parameters()["key"]
    norm = Norm.from_key(key)
    return norm.section_norm.key if norm else key


class ResourceNorm(db.Model):
    """A provision a resource cites, e.g. key "AufenthG § 25 Abs. 4a Satz 3" (Absatz, Satz,
    Nummer, Buchstabe as cited); `confirmed` once an editor agreed. `section_key` is the whole
    section's key ("AufenthG § 25"), for norm pages that roll up sub-provisions."""

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resource.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(160), index=True)  # Norm.key
    label: Mapped[str] = mapped_column(String(160))  # Norm.label, e.g. "§ 232a StGB"
    slug: Mapped[str] = mapped_column(String(160))  # Norm.slug, for /norms/<slug>
    # Set from the key on insert (a row's key never changes: another norm is another row).
    section_key: Mapped[str] = mapped_column(String(160), default=_section_key, index=True)
    position: Mapped[int] = mapped_column(default=0)
    confirmed: Mapped[bool] = mapped_column(default=True)

    resource = relationship("Resource", back_populates="norms")

    __table_args__ = (UniqueConstraint("resource_id", "key"),)

    @property
    def norm(self) -> Norm | None:
        """The cited provision as a :class:`Norm` (None for a key no longer readable)."""
        return Norm.from_key(self.key)


class ResourceLink(db.Model):
    """A link between two resources.

    kind "related": shown on both sides. kind "instance": `source` is the earlier decision and
    `target` the later one in the same proceedings (so `source` may have been overturned).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(
        ForeignKey("resource.id", ondelete="CASCADE"), index=True
    )
    target_id: Mapped[int] = mapped_column(
        ForeignKey("resource.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20), default="related")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    source = relationship("Resource", foreign_keys=[source_id])
    target = relationship("Resource", foreign_keys=[target_id])

    __table_args__ = (UniqueConstraint("source_id", "target_id", "kind"),)


class Attachment(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(
        ForeignKey("resource.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))  # sanitised display name
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)  # random, under uploads/
    kind: Mapped[str] = mapped_column(String(10))  # pdf, docx, odt, txt
    mimetype: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    # Extracted for search; can be long (a whole PDF's text), so loaded only where asked for
    # (``undefer``: index documents, snippets; elsewhere on first access, within a session).
    text: Mapped[str] = mapped_column(Text, default="", deferred=True)
    extraction_error: Mapped[str] = mapped_column(String(500), default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    resource = relationship("Resource", back_populates="attachments")
    uploaded_by = relationship("User")

    @property
    def url(self) -> str:
        return url_for("resources.download", resource_id=self.resource_id, attachment_id=self.id)


class Revision(db.Model):
    """A snapshot of a resource after each change, for history, diff and restore."""

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(
        ForeignKey("resource.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(30))  # create, edit, submit, publish, return, ...
    comment: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON)  # the resource in the import/export format
    # Publishing or submitting despite open anonymisation findings, confirmed by this person.
    anonymisation_confirmed: Mapped[bool] = mapped_column(default=False)
    anonymisation_findings: Mapped[list] = mapped_column(JSON, default=list)

    resource = relationship("Resource", back_populates="revisions")
    author = relationship("User")

    __table_args__ = (Index("ix_revision_resource_version", "resource_id", "version"),)
