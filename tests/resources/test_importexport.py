"""Importing and exporting resources as JSONL with `flask import` / `flask export`."""

import json

import pytest

from portal import create_app
from portal.extensions import db
from portal.resources import transfer
from portal.resources.models import Court, Resource, ResourceLink, Revision
from portal.search import outbox
from portal.search.maintenance import check


def case(external_id="lg-1", **fields):
    record = {
        "external_id": external_id,
        "type": "case_law",
        "title": "Menschenhandel zur sexuellen Ausbeutung – Strafzumessung",
        "summary": "Das Landgericht verurteilte den Angeklagten A.",
        "court": "LG Berlin",
        "decision_date": "2019-05-14",
        "file_number": "(502 KLs) 254 Js 12/18 (3/19)",
        "decision_type": "urteil",
        "legal_areas": ["strafrecht"],
        "norms": ["§ 232a Abs. 1 StGB", "§ 397a StPO"],
        "outcome": ["conviction"],
    }
    record.update(fields)
    return record


def paper(external_id="paper-1", **fields):
    record = {
        "external_id": external_id,
        "type": "position_paper",
        "title": "Stellungnahme zum Gesetzentwurf",
        "authors": ["KOK e.V."],
        "addressee": "Bundesministerium der Justiz",
    }
    record.update(fields)
    return record


@pytest.fixture
def write_jsonl(tmp_path):
    def write(*lines, name="data.jsonl"):
        path = tmp_path / name
        path.write_text(
            "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n",
            encoding="utf-8",
        )
        return str(path)

    return write


def count(app, model=Resource):
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_a_valid_file_is_imported_with_summary_and_progress(app, runner, office, write_jsonl):
    path = write_jsonl(case("a"), case("b", court="OLG München"), paper())

    result = runner.invoke(args=["import", path])

    assert result.exit_code == 0, result.output
    assert "3 neu, 0 geändert, 0 unverändert" in result.stdout
    assert "Importiere" in result.stderr
    with app.app_context():
        resource = db.session.scalar(db.select(Resource).filter_by(external_id="a"))
        assert resource.organisation.slug == "kok"  # default: the office
        assert resource.status == "published"
        assert resource.court.name == "Landgericht Berlin"
        assert [n.label for n in resource.norms] == ["§ 232a Abs. 1 StGB", "§ 397a StPO"]
        assert [n.slug for n in resource.norms] == ["stgb-232a-abs-1", "stpo-397a"]
        revision = resource.revisions[0]
        assert (revision.action, revision.version) == ("import", 1)
        assert revision.data["external_id"] == "a"


def test_a_file_with_two_bad_lines_reports_both_and_imports_nothing(
    app, runner, office, write_jsonl
):
    path = write_jsonl(
        case("a"),
        case("b", decision_date="14.05.2019"),
        paper(),
        case("c", title="", norms=["irgendwas"]),
    )

    result = runner.invoke(args=["import", path])

    assert result.exit_code == 1
    assert "Nichts importiert: 3 Fehler" in result.stderr
    assert "Zeile 2, Feld decision_date: „14.05.2019“ ist kein Datum" in result.stderr
    assert "Zeile 4, Feld title: Pflichtfeld fehlt" in result.stderr
    assert "Zeile 4, Feld norms: „irgendwas“ ist keine erkennbare Norm" in result.stderr
    assert count(app) == 0
    assert count(app, Court) == 0


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('{"external_id": "x", "type": ', "Feld -: Kein gültiges JSON"),
        ("[1, 2]", "Feld -: Jede Zeile muss ein JSON-Objekt sein"),
        (json.dumps(case(type="urteil")), "Feld type: Pflichtfeld; erlaubt sind"),
        (json.dumps(paper(court="BGH")), "Feld court: Dieses Feld gibt es nur beim Typ case_law"),
        (json.dumps(case(colour="blau")), "Feld colour: Unbekanntes Feld"),
        (json.dumps(case(visibility="geheim")), "Feld visibility: „geheim“ ist nicht erlaubt"),
        (
            json.dumps(case(visibility="public", status="draft")),
            "Feld visibility: „public“ gibt es nur für veröffentlichte Einträge",
        ),
        (json.dumps(case(organisation="nobody")), "Feld organisation: Keine Organisation"),
        (json.dumps(case(legal_areas="strafrecht")), "Feld legal_areas: Liste von Texten"),
        (
            json.dumps(case(links=[{"kind": "related", "target": "nix"}])),
            "Feld links: Verknüpftes Dokument „nix“ gibt es nicht",
        ),
    ],
)
def test_bad_lines_are_reported_with_line_number_and_field(
    app, runner, office, write_jsonl, line, expected
):
    path = write_jsonl(paper("ok"), line)

    result = runner.invoke(args=["import", path])

    assert result.exit_code == 1
    assert f"Zeile 2, {expected}" in result.stderr
    assert count(app) == 0


def test_a_repeated_external_id_in_one_file_is_an_error(app, runner, office, write_jsonl):
    result = runner.invoke(args=["import", write_jsonl(case("a"), case("a"))])

    assert result.exit_code == 1
    assert "Zeile 2, Feld external_id: Dieselbe external_id steht schon in Zeile 1" in result.stderr


def test_importing_the_same_file_twice_changes_nothing(app, runner, office, write_jsonl):
    related = {"kind": "related", "target": "paper-1"}
    path = write_jsonl(case("a", links=[related]), paper())
    assert runner.invoke(args=["import", path]).exit_code == 0

    result = runner.invoke(args=["import", path])

    assert result.exit_code == 0, result.output
    assert "0 neu, 0 geändert, 2 unverändert" in result.stdout
    assert count(app) == 2
    assert count(app, Revision) == 2
    assert count(app, ResourceLink) == 1


def test_the_same_external_id_updates_the_resource(app, runner, office, member_org, write_jsonl):
    runner.invoke(args=["import", write_jsonl(case("a"), name="one.jsonl")])
    changed = case(
        "a",
        title="Neuer Titel",
        organisation="fbs-nord",
        visibility="organisation",
        norms=["§ 397a StPO", "Art. 4 EMRK"],
    )

    result = runner.invoke(args=["import", write_jsonl(changed, name="two.jsonl")])

    assert result.exit_code == 0, result.output
    assert "0 neu, 1 geändert, 0 unverändert" in result.stdout
    with app.app_context():
        resource = db.session.scalar(db.select(Resource))
        assert resource.title == "Neuer Titel"
        assert resource.organisation.slug == "fbs-nord"
        assert [n.label for n in resource.norms] == ["§ 397a StPO", "Art. 4 EMRK"]
        assert [(r.version, r.action) for r in resource.revisions] == [(2, "import"), (1, "import")]
        assert resource.revisions[0].data["title"] == "Neuer Titel"


def test_an_unknown_court_is_created_and_flagged_for_curation(app, runner, office, write_jsonl):
    path = write_jsonl(
        case("a", court="Amtsgericht Hintertupfingen"),
        case("b", court="amtsgericht  hintertupfingen"),
        case("c", court="BGH"),
    )

    result = runner.invoke(args=["import", path])

    assert result.exit_code == 0, result.output
    assert "Neu angelegte Gerichte (bitte prüfen): Amtsgericht Hintertupfingen" in result.stdout
    with app.app_context():
        courts = {c.name: c for c in db.session.scalars(db.select(Court))}
        flagged = {name for name, court in courts.items() if court.needs_curation}
        assert flagged == {"Amtsgericht Hintertupfingen"}
        assert not courts["Bundesgerichtshof"].needs_curation  # from the catalogue
        resources = db.session.scalars(db.select(Resource).order_by(Resource.id)).all()
        assert resources[0].court is resources[1].court


def test_export_then_import_into_a_fresh_instance_round_trips(
    app, runner, office, member_org, write_jsonl, tmp_path, fresh_instance
):
    lines = [
        case(
            "first",
            norms=["§ 232 StGB", "§232 Abs.1 S.1 Nr.1 Buchst. b StGB", "§ 25 IV a AufenthG"],
            links=[{"kind": "instance", "target": "second"}],
        ),
        case("second", court="BGH", file_number="5 StR 12/20", decision_date="2020-06-02"),
        paper(visibility="office", status="draft", topics=["Arbeitsausbeutung"], tags=["Gesetz"]),
        {
            "external_id": "training-1",
            "type": "training_material",
            "title": "Erstgespräch mit Betroffenen",
            "audience": "Beraterinnen",
            "format": "handout",
            "event_date": "2023-03-01",
            "duration_minutes": 90,
            "organisation": "fbs-nord",
            "links": [{"kind": "related", "target": "paper-1"}],
        },
    ]
    runner.invoke(args=["import", write_jsonl(*lines)])
    first = tmp_path / "first.jsonl"
    assert runner.invoke(args=["export", str(first)]).exit_code == 0

    fresh = create_app({"ENV_NAME": "test"}, instance_path=fresh_instance(tmp_path / "fresh"))
    with fresh.app_context():
        db.create_all()
        from portal.orgs.models import Organisation

        db.session.add_all(
            [
                Organisation(slug="kok", name="KOK", kind="office"),
                Organisation(slug="fbs-nord", name="FBS Nord"),
            ]
        )
        db.session.commit()
    fresh_runner = fresh.test_cli_runner()
    result = fresh_runner.invoke(args=["import", str(first)])
    assert "4 neu" in result.stdout, result.output
    second = tmp_path / "second.jsonl"
    fresh_runner.invoke(args=["export", str(second)])
    with fresh.app_context():
        db.engine.dispose()

    assert second.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")
    exported = [json.loads(line) for line in first.read_text(encoding="utf-8").splitlines()]
    assert exported[0]["links"] == [{"kind": "instance", "target": "second"}]
    # Norms keep Absatz, Satz, Nummer and Buchstabe, written in German citation style.
    assert exported[0]["norms"] == [
        "§ 232 StGB",
        "§ 232 Abs. 1 Satz 1 Nr. 1 Buchst. b StGB",
        "§ 25 Abs. 4a AufenthG",
    ]
    assert exported[1]["norms"] == ["§ 232a Abs. 1 StGB", "§ 397a StPO"]
    assert exported[0]["court"] == "Landgericht Berlin"
    assert exported[2]["visibility"] == "office"
    # ...and importing the export into the instance it came from changes nothing.
    assert "4 unverändert" in runner.invoke(args=["import", str(first)]).stdout


def test_export_filters_by_type(app, runner, office, write_jsonl, tmp_path):
    runner.invoke(
        args=[
            "import",
            write_jsonl(case("a", links=[{"kind": "related", "target": "paper-1"}]), paper()),
        ]
    )
    out = tmp_path / "out.jsonl"

    result = runner.invoke(args=["export", str(out), "--type", "case_law"])

    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["external_id"] for r in records] == ["a"]
    assert records[0]["links"] == []  # the paper is not in this export


def test_vocabulary_fields_accept_keys_and_labels_in_both_languages_in_any_case(
    app, runner, office, write_jsonl
):
    path = write_jsonl(
        case(
            "de-labels",
            type="Rechtsprechung",
            decision_type="Urteil",
            legal_areas=["Strafrecht", "ARBEITSRECHT", "asylrecht"],
            outcome="Verurteilung",
            language="Deutsch",
            visibility="Alle Mitglieder",
            status="Entwurf",
        ),
        case(
            "en-labels",
            decision_type="judgment",
            legal_areas=["Criminal law"],
            outcome="conviction",
            language="english",
        ),
        {
            "external_id": "training",
            "type": "schulungsmaterial",
            "title": "Schulung",
            "format": "Foliensatz",
        },
    )
    result = runner.invoke(args=["import", path])
    assert result.exit_code == 0, result.output
    with app.app_context():
        german = db.session.scalar(db.select(Resource).filter_by(external_id="de-labels"))
        assert (german.type, german.decision_type, german.outcome) == (
            "case_law",
            "urteil",
            ["conviction"],
        )
        assert german.legal_areas == ["strafrecht", "arbeitsrecht", "asylrecht"]
        assert (german.language, german.visibility, german.status) == ("de", "members", "draft")
        english = db.session.scalar(db.select(Resource).filter_by(external_id="en-labels"))
        assert (english.decision_type, english.legal_areas, english.language) == (
            "urteil",
            ["strafrecht"],
            "en",
        )
        training = db.session.scalar(db.select(Resource).filter_by(external_id="training"))
        assert (training.type, training.format) == ("training_material", "slides")


def test_an_unknown_vocabulary_value_is_still_refused(app, runner, office, write_jsonl):
    result = runner.invoke(args=["import", write_jsonl(case(legal_areas=["Strafrechtt"]))])
    assert result.exit_code != 0
    assert "Strafrechtt" in result.output and count(app) == 0


def test_an_import_stores_the_records_norms_and_no_suggestions_from_its_text(
    app, runner, office, write_jsonl
):
    # The text cites two more provisions: an import takes the record's norms as they are
    # (suggestions from the text are for people editing, who tick or leave them).
    body = "Die Kammer prüft § 25 Abs. 4a AufenthG und § 823 Abs. 1 BGB."
    path = write_jsonl(case("a", summary=body, body=body))

    assert runner.invoke(args=["import", path]).exit_code == 0

    with app.app_context():
        resource = db.session.scalar(db.select(Resource).filter_by(external_id="a"))
        assert [(n.label, n.confirmed) for n in resource.norms] == [
            ("§ 232a Abs. 1 StGB", True),
            ("§ 397a StPO", True),
        ]
    assert "0 neu, 0 geändert, 1 unverändert" in runner.invoke(args=["import", path]).stdout


# --- index documents written while the import goes on (``outbox.IndexAhead``) --------------


@pytest.fixture
def ahead(monkeypatch):
    """Write ahead from 3 lines on, in batches of 2: every path of a long import, quickly."""
    monkeypatch.setattr(outbox, "AHEAD_FROM", 3)
    monkeypatch.setattr(transfer, "BATCH_SIZE", 2)
    calls = {"finish": 0, "cancel": 0}
    for name in calls:
        original = getattr(outbox.IndexAhead, name)

        def counted(self, original=original, name=name):
            calls[name] += self.writer is not None
            return original(self)

        monkeypatch.setattr(outbox.IndexAhead, name, counted)
    return calls


def index_drift(app):
    with app.app_context():
        return check(app.extensions["search_index"])


def indexed_ids(app):
    with app.app_context():
        return app.extensions["search_index"].stored_stamps().keys()


def test_a_long_import_writes_the_index_while_it_goes_on(app, runner, office, write_jsonl, ahead):
    result = runner.invoke(args=["import", write_jsonl(*(case(f"c{i}") for i in range(5)))])

    assert result.exit_code == 0, result.output
    assert ahead == {"finish": 1, "cancel": 0}
    drift = index_drift(app)
    assert drift.ok and drift.pending == 0
    assert len(indexed_ids(app)) == 5


def test_a_long_import_updating_resources_leaves_their_documents_to_the_tasks(
    app, runner, office, write_jsonl, ahead
):
    runner.invoke(args=["import", write_jsonl(*(case(f"c{i}") for i in range(3)), name="a.jsonl")])
    lines = [case("c0", title="Geänderter Titel"), *(case(f"n{i}") for i in range(4))]

    result = runner.invoke(args=["import", write_jsonl(*lines, name="b.jsonl")])

    assert "4 neu, 1 geändert" in result.stdout
    drift = index_drift(app)
    assert drift.ok and drift.pending == 0
    assert len(indexed_ids(app)) == 7


def test_a_long_import_that_fails_at_the_commit_leaves_the_index_alone(
    app, runner, office, write_jsonl, ahead, monkeypatch
):
    def failing(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr("portal.resources.cli.record", failing)

    result = runner.invoke(args=["import", write_jsonl(*(case(f"c{i}") for i in range(5)))])

    assert isinstance(result.exception, RuntimeError)
    assert ahead == {"finish": 0, "cancel": 1}
    assert count(app) == 0
    assert len(indexed_ids(app)) == 0
    # The index's write lock was given back.
    with app.app_context():
        app.extensions["search_index"].writer(timeout=0.0).cancel()


def test_a_resource_changed_again_after_its_document_was_written_is_written_anew(
    app, runner, office, write_jsonl, ahead, monkeypatch
):
    original = transfer._write_links

    def and_retitle(changed, *args):
        changed[0][0].title = "Noch einmal geändert"
        return original(changed, *args)

    monkeypatch.setattr(transfer, "_write_links", and_retitle)

    result = runner.invoke(args=["import", write_jsonl(*(case(f"c{i}") for i in range(5)))])

    assert result.exit_code == 0, result.output
    assert ahead["cancel"] == 1  # the documents written ahead were dropped ...
    drift = index_drift(app)  # ... and the tasks wrote them after the commit
    assert drift.ok and drift.pending == 0


def test_a_change_made_right_after_the_import_keeps_its_task(
    app, runner, office, write_jsonl, ahead, monkeypatch
):
    finish = outbox.IndexAhead.finish

    def someone_edits_first(self):
        # Another process edits an imported resource between the database commit and the
        # index commit: its task is newer than the import's and must survive.
        with app.app_context():
            resource = db.session.get(Resource, min(self.handed))
            resource.title = "Sofort bearbeitet"
            db.session.info.pop("search_apply_pending", None)
            db.session.flush()
            db.session.info.pop("search_apply_pending", None)
            db.session.commit()
        return finish(self)

    monkeypatch.setattr(outbox.IndexAhead, "finish", someone_edits_first)

    result = runner.invoke(args=["import", write_jsonl(*(case(f"c{i}") for i in range(5)))])

    assert result.exit_code == 0, result.output
    drift = index_drift(app)
    assert drift.ok and drift.pending == 0


def test_a_long_import_whose_documents_fail_is_still_imported_and_indexed(
    app, runner, office, write_jsonl, ahead, monkeypatch
):
    real = outbox.document_for
    failures = iter([True])

    def failing_once(resource):
        if next(failures, False):
            raise ValueError("broken document")
        return real(resource)

    monkeypatch.setattr(outbox, "document_for", failing_once)

    result = runner.invoke(args=["import", write_jsonl(*(case(f"c{i}") for i in range(5)))])

    assert result.exit_code == 0, result.output
    assert count(app) == 5
    assert ahead["cancel"] == 1
    drift = index_drift(app)
    assert drift.ok and drift.pending == 0
