"""A process killed while it writes resources leaves a consistent database and a repairable index."""

import signal
import sqlite3
import textwrap

import pytest

from portal.extensions import db
from tests.databases import ON_POSTGRES
from tests.security.processes import kill_while_writing

RESOURCE_WRITER = textwrap.dedent(
    """
    import sys
    from portal import create_app
    from portal.extensions import db
    from portal.orgs.models import Organisation
    from portal.resources.models import Resource

    app = create_app({"ENV_NAME": "test"}, instance_path=sys.argv[1])
    with app.app_context():
        org_id = db.session.scalar(db.select(Organisation.id))
    i = 0
    while True:
        with app.test_request_context(method="POST"):
            for j in range(5):
                db.session.add(Resource(
                    type="case_law", title=f"Entscheidung {i}-{j}", summary="Lohnwucher " * 50,
                    body="Ausbeutung der Arbeitskraft " * 200, status="published",
                    visibility="members", organisation_id=org_id,
                ))
            db.session.commit()  # the index follows after the commit (outbox)
        i += 1
        if i == 10:
            print("running", flush=True)
    """
)


@pytest.mark.slow
def test_a_killed_writer_leaves_drift_that_check_index_reports_and_reindex_repairs(
    app, runner, member_org, tmp_path
):
    script = tmp_path / "writer.py"
    script.write_text(RESOURCE_WRITER)
    assert kill_while_writing(script, app.instance_path, after=0.7) == -signal.SIGKILL

    if not ON_POSTGRES:
        database = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
        connection = sqlite3.connect(database)
        try:
            assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        finally:
            connection.close()
    with app.app_context():
        count = db.session.scalar(db.text("SELECT count(*) FROM resource"))
    assert count >= 50 and count % 5 == 0  # whole transactions only

    # Whatever the kill interrupted, check-index says whether the index agrees, reindex repairs it.
    first = runner.invoke(args=["check-index"])
    assert first.exit_code in (0, 1), first.output
    repaired = runner.invoke(args=["reindex"])
    assert repaired.exit_code == 0, repaired.output
    final = runner.invoke(args=["check-index"])
    assert final.exit_code == 0, final.output

    from portal.search.services import search

    with app.test_request_context():
        from portal.auth.models import User

        viewer = User(email="v@example.org", name="V", organisation_id=member_org.id)
        db.session.add(viewer)
        db.session.commit()
        assert search(viewer, "Lohnwucher", per_page=1).total == count
