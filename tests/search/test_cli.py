"""`flask reindex` rebuilds the index from the database; `flask check-index` finds drift."""

import shutil

from sqlalchemy import insert, update

from portal.extensions import db
from portal.resources.models import Resource


def test_check_index_passes_when_index_and_database_agree(runner, create_resource):
    create_resource(title="Eins")
    create_resource(title="Zwei", status="draft")
    result = runner.invoke(args=["check-index"])
    assert result.exit_code == 0, result.output
    assert "matches the database" in result.output


def test_drift_is_reported_and_reindex_repairs_it(app, runner, create_resource, member_org):
    kept = create_resource(title="Bleibt")
    changed = create_resource(title="Alter Titel")
    removed = create_resource(title="Verschwindet")
    with app.app_context():
        # Bulk statements bypass the session hooks: the index does not hear of them.
        missing_id = db.session.execute(
            insert(Resource).values(
                type="case_law", title="Neu", organisation_id=member_org.id, version=1
            )
        ).inserted_primary_key[0]
        db.session.execute(
            update(Resource).where(Resource.id == changed.id).values(title="Neuer Titel")
        )
        db.session.execute(Resource.__table__.delete().where(Resource.id == removed.id))
        db.session.commit()

    result = runner.invoke(args=["check-index"])
    assert result.exit_code == 1
    assert f"1 resources missing from the index: {missing_id}" in result.output
    assert f"1 resources stale in the index: {changed.id}" in result.output
    assert f"1 resources in the index but not in the database: {removed.id}" in result.output

    result = runner.invoke(args=["reindex"])
    assert result.exit_code == 0, result.output
    assert "Indexed 3 resources" in result.output
    result = runner.invoke(args=["check-index"])
    assert result.exit_code == 0, result.output
    assert kept.id


def test_a_missing_index_is_built_when_a_command_starts(app, runner, create_resource):
    create_resource(title="Eins")
    search_index = app.extensions["search_index"]
    search_index.close()
    shutil.rmtree(search_index.path)
    result = runner.invoke(args=["check-index"])
    assert result.exit_code == 0, result.output
    assert "was missing and has been built" in result.output


def test_reindex_with_two_processes(runner, create_resource):
    for n in range(5):
        create_resource(title=f"Dokument {n}")
    result = runner.invoke(args=["reindex", "--procs", "2"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["check-index"]).exit_code == 0


def test_an_index_of_an_older_schema_takes_changes_until_reindex_renews_it(
    app, runner, create_resource
):
    from whoosh import index as whoosh_index

    from portal.search import index as search_index_module

    search_index = app.extensions["search_index"]
    search_index.close()
    shutil.rmtree(search_index.path, ignore_errors=True)
    old = search_index_module.make_schema()
    old.remove("norm_mention")  # as before norm mentions were indexed
    search_index.path.mkdir(parents=True)
    whoosh_index.create_in(str(search_index.path), old)

    create_resource(title="Zwangsarbeit im Schlachthof", body="Nach § 233 StGB strafbar.")
    result = runner.invoke(args=["check-index"])
    assert result.exit_code == 1 and "1 resources stale" in result.output, result.output
    assert "norm_mention" not in search_index.open().schema.names()

    result = runner.invoke(args=["reindex"])
    assert result.exit_code == 0, result.output
    assert "norm_mention" in search_index.open().schema.names()
    assert runner.invoke(args=["check-index"]).exit_code == 0
