"""Every role finds exactly what it may see: results, totals, facets, snippets, suggestions."""

import itertools

import pytest

from portal.auth.models import User
from portal.extensions import db
from portal.resources.access import can_view
from portal.resources.models import Resource
from portal.search import services

STATUSES = ("draft", "submitted", "returned", "published", "archived")
VISIBILITIES = ("members", "office", "organisation")


def search_as(app, user, q, **kwargs):
    """Run the search entry point as ``user``; return plain data (ids, total, facets, ...)."""
    with app.test_request_context():
        viewer = db.session.get(User, user.id)
        result = services.search(viewer, q, **kwargs)
        return {
            "ids": {hit.resource.id for hit in result.hits},
            "total": result.total,
            "type_counts": sum(v.count for v in result.facets.get("type", [])),
            "facets": {k: {v.value: v.count for v in vs} for k, vs in result.facets.items()},
            "snippets": " ".join(str(hit.snippet) for hit in result.hits),
            "suggestion": result.suggestion,
        }


@pytest.fixture
def matrix(create_org, create_resource, member_org, office):
    """One resource per status and visibility, owned by member_org, all with the word Quokkafall."""
    resources = {}
    for status, visibility in itertools.product(STATUSES, VISIBILITIES):
        resources[status, visibility] = create_resource(
            title=f"Quokkafall {status} {visibility}",
            summary=f"Geheimvermerk{status}{visibility} und Quokkafall",
            status=status,
            visibility=visibility,
            organisation=member_org,
            topics=[f"Thema {status} {visibility}"],
        )
    return resources


def viewer(who, create_user, create_org, member_org, office):
    """A user of the owning organisation, of another one, or an editor or admin of the office."""
    organisation = {
        "owner": member_org,
        "other": create_org(slug="fbs-sued", name="Fachberatungsstelle Süd"),
        "editor": office,
        "admin": office,
    }[who]
    role = who if who in ("editor", "admin") else "member"
    return create_user(role=role, organisation=organisation)


def expected(resources, *visibilities):
    return {resources["published", v].id for v in visibilities}


@pytest.mark.parametrize(
    ("who", "visibilities"),
    [
        ("owner", ("members", "organisation")),
        ("other", ("members",)),
        ("editor", ("members", "office", "organisation")),
        ("admin", ("members", "office", "organisation")),
    ],
)
def test_each_role_sees_exactly_what_it_may(
    app, matrix, create_user, create_org, member_org, office, who, visibilities
):
    user = viewer(who, create_user, create_org, member_org, office)
    wanted = expected(matrix, *visibilities)

    found = search_as(app, user, "Quokkafall", per_page=100)
    assert found["ids"] == wanted
    assert found["total"] == len(wanted)
    assert found["type_counts"] == len(wanted)
    assert found["facets"]["organisation"] == {str(member_org.id): len(wanted)}
    topic_counts = found["facets"]["topic"]
    assert set(topic_counts) == {f"Thema published {v}" for v in visibilities}
    # Snippets come only from visible resources; drafts only with the status filter.
    for (status, visibility), resource in matrix.items():
        marker = f"Geheimvermerk{status}{visibility}"
        if resource.id in wanted:
            assert marker in found["snippets"]
        else:
            assert marker not in found["snippets"]
            assert search_as(app, user, marker)["total"] == 0


@pytest.mark.parametrize("who", ["owner", "other", "editor", "admin"])
def test_unpublished_resources_are_found_only_by_those_who_may_see_them(
    app, matrix, create_user, create_org, member_org, office, who
):
    user = viewer(who, create_user, create_org, member_org, office)
    with app.test_request_context():
        loaded = db.session.get(User, user.id)
        may_see = {
            r.id: r.status
            for r in matrix.values()
            if can_view(loaded, db.session.get(Resource, r.id))
        }

    every_status = search_as(
        app, user, "Quokkafall", per_page=100, filters={"status": list(STATUSES)}
    )
    assert every_status["ids"] == set(may_see)
    assert every_status["total"] == len(may_see)
    assert every_status["type_counts"] == len(may_see)
    status_counts = {s: n for s, n in every_status["facets"]["status"].items() if n}
    assert status_counts == {s: list(may_see.values()).count(s) for s in set(may_see.values())}
    for status in ("draft", "archived"):
        only = search_as(app, user, "Quokkafall", per_page=100, filters={"status": status})
        assert only["ids"] == {i for i, s in may_see.items() if s == status}
        # A word found only in a draft of another organisation stays hidden, snippets too.
        marker = f"Geheimvermerk{status}members"
        assert (search_as(app, user, marker, filters={"status": status})["total"] == 1) == (
            who != "other"
        )

    # Without a status filter, only published resources; the status facet then shows up only
    # for viewers whose matches include unpublished ones (to choose them).
    default = search_as(app, user, "Quokkafall", per_page=100)
    assert default["ids"] == {i for i, s in may_see.items() if s == "published"}
    if who == "other":
        assert "status" not in default["facets"]
    else:
        assert default["facets"]["status"]["draft"] == 3
        assert default["facets"]["status"]["published"] == 2 + (who != "owner")


def test_a_word_only_in_hidden_resources_is_never_suggested(
    app, create_resource, create_user, create_org, office, member_org
):
    create_resource(title="Schmetterlingsflügel im Verfahren", visibility="office")
    create_resource(title="Schmetterlingsflügel als Entwurf", status="draft", visibility="members")
    create_resource(title="Zwangsprostitution", visibility="members")
    member = create_user(organisation=create_org(slug="fbs-west"))
    editor = create_user(role="editor", organisation=office)

    hidden = search_as(app, member, "Schmetterlingsflügek")
    assert hidden["total"] == 0 and hidden["suggestion"] is None
    assert search_as(app, editor, "Schmetterlingsflügek")["suggestion"] == "Schmetterlingsflügel"
    # A visible word is suggested to everyone.
    assert search_as(app, member, "Zwangsprostituion")["suggestion"] == "Zwangsprostitution"


def test_more_like_this_honours_the_audience(app, create_resource, create_user, create_org, office):
    text = "Arbeitsausbeutung in der Fleischindustrie mit Lohnbetrug und Werkverträgen"
    source = create_resource(title="Fleischindustrie Lohnbetrug", body=text)
    visible = create_resource(title="Lohnbetrug in der Fleischindustrie", body=text)
    office_only = create_resource(
        title="Fleischindustrie und Werkverträge", body=text, visibility="office"
    )
    create_resource(title="Fleischindustrie Entwurf", body=text, status="draft")
    member = create_user(organisation=create_org(slug="fbs-ost"))
    editor = create_user(role="editor", organisation=office)

    def similar(user):
        with app.test_request_context():
            viewer = db.session.get(User, user.id)
            resource = db.session.get(Resource, source.id)
            return {r.id for r in services.similar_resources(viewer, resource)}

    assert similar(member) == {visible.id}
    assert similar(editor) == {visible.id, office_only.id}


def test_anonymous_and_inactive_users_find_nothing(app, create_resource):
    create_resource(title="Quokkafall")
    with app.test_request_context():
        from flask_login import AnonymousUserMixin

        result = services.search(AnonymousUserMixin(), "Quokkafall")
        assert result.total == 0 and result.hits == [] and result.suggestion is None


def test_filters_matching_only_hidden_resources_show_nothing(
    app, create_resource, create_user, create_org, office
):
    create_resource(title="Sichtbar", legal_areas=["strafrecht"])
    create_resource(title="Versteckt", legal_areas=["sozialrecht"], visibility="office")
    create_resource(title="Entwurf", legal_areas=["sozialrecht"], status="draft")
    member = create_user(organisation=create_org(slug="fbs-nordost"))
    for q in ("", "Versteckt", "Entwurf"):
        found = search_as(app, member, q, filters={"legal_area": "sozialrecht"})
        assert found["ids"] == set() and found["total"] == 0, q
        assert "sozialrecht" not in found["facets"].get("legal_area", {}), q
    assert search_as(app, member, "", filters={"legal_area": "strafrecht"})["total"] == 1
