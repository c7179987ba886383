"""The migration to norms with Absatz and Satz keeps existing rows working."""

import sqlalchemy as sa
from flask_migrate import upgrade

from portal import create_app
from portal.extensions import db


def _insert(connection, table: str, **values) -> None:
    """A row with ``values`` and a plain value in every other required column."""
    columns = sa.inspect(connection).get_columns(table)
    row = {}
    for column in columns:
        if column["name"] in values or column["nullable"] or column["name"] == "id":
            continue
        kind = type(column["type"])
        row[column["name"]] = (
            0 if issubclass(kind, sa.Integer | sa.Boolean) else
            "2026-01-01 00:00:00" if issubclass(kind, sa.DateTime) else
            "[]" if issubclass(kind, sa.JSON) else ""
        )  # fmt: skip
    row.update(values)
    names = ", ".join(row)
    marks = ", ".join(f":{name}" for name in row)
    connection.execute(sa.text(f"INSERT INTO {table} ({names}) VALUES ({marks})"), row)  # noqa: S608


def test_existing_norm_rows_and_file_numbers_are_carried_over(tmp_path):
    app = create_app({"ENV_NAME": "test"}, instance_path=tmp_path)
    with app.app_context():
        upgrade(revision="f3165ba88677")
        with db.engine.begin() as connection:
            _insert(connection, "organisation", id=1, slug="kok", kind="office")
            _insert(
                connection,
                "resource",
                id=1,
                type="case_law",
                organisation_id=1,
                file_number="4 St RR 181/05",
                file_number_key="4 St RR 181/05",
            )
            _insert(
                connection,
                "resource_norm",
                resource_id=1,
                key="AufenthG § 25",
                label="§ 25 AufenthG",
                slug="aufenthg-25",
            )
        upgrade()
        with db.engine.connect() as connection:
            row = connection.execute(sa.text("SELECT key, section_key FROM resource_norm")).one()
            key = connection.execute(sa.text("SELECT file_number_key FROM resource")).scalar()
    assert tuple(row) == ("AufenthG § 25", "AufenthG § 25")
    assert key == "4strr181/05"
