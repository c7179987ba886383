"""Crafted backups: no restored path may leave the instance's uploads folder.

Each backup starts as a real one (`flask backup`), then its manifest or folder is altered the way
an attacker who hands over a backup would; `flask restore` must refuse it and write nothing.
"""

import hashlib
import json
import os
from pathlib import Path

import pytest

from portal import create_app
from tests.databases import as_string

PAYLOAD = b"SECRET_KEY = 'owned'\n"


@pytest.fixture
def backup_folder(app, runner, tmp_path):
    """A genuine backup of an instance with one uploaded file."""
    uploads = Path(app.instance_path) / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    (uploads / "real.bin").write_bytes(b"genuine upload")
    target = tmp_path / "backup"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    return target


def add_entry(backup: Path, manifest_path: str, stored_at: Path, content: bytes = PAYLOAD):
    """Put `content` at `stored_at` and name it `manifest_path` in the manifest."""
    stored_at.parent.mkdir(parents=True, exist_ok=True)
    if not stored_at.exists():
        stored_at.write_bytes(content)
    manifest = json.loads((backup / "manifest.json").read_text())
    manifest["files"].append(
        {
            "path": manifest_path,
            "sha256": hashlib.sha256(stored_at.read_bytes()).hexdigest(),
            "size": stored_at.stat().st_size,
        }
    )
    (backup / "manifest.json").write_text(json.dumps(manifest))


@pytest.fixture
def restore_into_new_instance(postgres_databases):
    """Restore into tmp_path/restored with an empty database (PostgreSQL's given in the
    mapping, not in a config.py: that file is what the crafted backups aim at)."""
    created = []

    def restore(tmp_path, backup: Path):
        config = {"ENV_NAME": "test"}
        if postgres_databases is not None:
            created.append(postgres_databases.empty())
            config["DATABASE_URL"] = as_string(created[-1])
        restored = create_app(config, instance_path=tmp_path / "restored")
        result = restored.test_cli_runner().invoke(args=["restore", str(backup)])
        return restored, result

    yield restore
    for url in created:
        postgres_databases.drop(url)


def written_files(tmp_path) -> list[Path]:
    """Every file below the temporary folder that is not the source instance or the backup."""
    return sorted(
        p
        for p in tmp_path.rglob("*")
        if (p.is_file() or p.is_symlink())
        and not p.is_relative_to(tmp_path / "instance")
        and not p.is_relative_to(tmp_path / "backup")
        and not p.is_relative_to(tmp_path / "outside")
    )


def assert_refused_and_nothing_written(tmp_path, restored, result):
    assert result.exit_code == 1, result.output
    assert "Error:" in result.output and "nothing was restored" in result.output
    assert "Traceback" not in result.output
    leftovers = [p for p in written_files(tmp_path) if p.stat(follow_symlinks=False).st_size > 0]
    assert leftovers == []
    assert not (Path(restored.instance_path) / "config.py").exists()
    assert not (Path(restored.instance_path) / "uploads" / "real.bin").exists()


TRAVERSALS = [
    "uploads/x/../../config.py",
    "uploads/../config.py",
    "uploads/../../restored/config.py",
    "uploads/a/../../../escape.py",
    "uploads/./config.py",
    "uploads//config.py",
    "uploads/x/..",
    "uploads/..",
    "uploads\\..\\..\\config.py",
    "uploads/..\\..\\config.py",
    "config.py",
    "instance/config.py",
    "uploads",
    "uploads/",
    "uploads/evil\x00.py",
    "uploads/evil\n.py",
]


@pytest.mark.parametrize("manifest_path", TRAVERSALS)
def test_a_manifest_path_that_leaves_uploads_is_refused_and_nothing_is_restored(
    backup_folder, restore_into_new_instance, tmp_path, manifest_path
):
    # The payload sits where the path lands inside the backup, so only the path is wrong.
    location = (backup_folder / manifest_path.replace("\x00", "")).resolve()
    if not location.is_relative_to(backup_folder) or location.is_dir():
        location = backup_folder / "payload.py"
    add_entry(backup_folder, manifest_path, location)
    restored, result = restore_into_new_instance(tmp_path, backup_folder)
    assert_refused_and_nothing_written(tmp_path, restored, result)


@pytest.mark.parametrize(
    "absolute",
    ["{outside}/payload.py", "C:/Windows/payload.py", "C:\\payload.py", "\\\\server\\share\\x"],
)
def test_an_absolute_manifest_path_is_refused(
    backup_folder, restore_into_new_instance, tmp_path, absolute
):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "payload.py").write_bytes(PAYLOAD)
    name = absolute.format(outside=outside)
    add_entry(backup_folder, name, outside / "payload.py")
    restored, result = restore_into_new_instance(tmp_path, backup_folder)
    assert_refused_and_nothing_written(tmp_path, restored, result)
    assert (outside / "payload.py").read_bytes() == PAYLOAD


def test_a_symbolic_link_to_a_file_outside_the_backup_is_refused(
    backup_folder, restore_into_new_instance, tmp_path
):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(b"operator's private file")
    os.symlink(outside / "secret.txt", backup_folder / "uploads" / "linked.bin")
    add_entry(backup_folder, "uploads/linked.bin", backup_folder / "uploads" / "linked.bin")
    restored, result = restore_into_new_instance(tmp_path, backup_folder)
    assert_refused_and_nothing_written(tmp_path, restored, result)


def test_a_symbolic_link_inside_the_backup_is_refused_too(
    backup_folder, restore_into_new_instance, tmp_path
):
    os.symlink(backup_folder / "uploads" / "real.bin", backup_folder / "uploads" / "twin.bin")
    add_entry(backup_folder, "uploads/twin.bin", backup_folder / "uploads" / "twin.bin")
    restored, result = restore_into_new_instance(tmp_path, backup_folder)
    assert_refused_and_nothing_written(tmp_path, restored, result)


def test_a_symbolically_linked_folder_in_the_backup_is_refused(
    backup_folder, restore_into_new_instance, tmp_path
):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "payload.py").write_bytes(PAYLOAD)
    os.symlink(outside, backup_folder / "uploads" / "dir")
    add_entry(backup_folder, "uploads/dir/payload.py", outside / "payload.py")
    restored, result = restore_into_new_instance(tmp_path, backup_folder)
    assert_refused_and_nothing_written(tmp_path, restored, result)


def test_an_uploads_folder_in_the_target_that_links_elsewhere_is_refused(
    backup_folder, restore_into_new_instance, tmp_path
):
    outside = tmp_path / "outside"
    outside.mkdir()
    restored_instance = tmp_path / "restored"
    restored_instance.mkdir()
    os.symlink(outside, restored_instance / "uploads")
    restored, result = restore_into_new_instance(tmp_path, backup_folder)
    assert result.exit_code == 1 and "symbolic link" in result.output, result.output
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize(
    "database_path", ["../portal.sqlite3", "uploads/../portal.sqlite3", "/etc/passwd", "x.db"]
)
def test_a_database_entry_other_than_the_snapshot_file_is_refused(
    backup_folder, restore_into_new_instance, tmp_path, database_path
):
    manifest = json.loads((backup_folder / "manifest.json").read_text())
    manifest["database"]["path"] = database_path
    (backup_folder / "manifest.json").write_text(json.dumps(manifest))
    restored, result = restore_into_new_instance(tmp_path, backup_folder)
    assert_refused_and_nothing_written(tmp_path, restored, result)


@pytest.mark.parametrize(
    "manifest",
    [
        [],
        {"format": 1},
        {"format": 1, "database": "portal.sqlite3", "files": []},
        {"format": 1, "database": {"path": "portal.sqlite3"}, "files": ["uploads/x"]},
        {"format": 1, "database": {"path": "portal.sqlite3"}, "files": [{"path": 7}]},
    ],
)
def test_a_malformed_manifest_gets_a_clear_error_without_a_traceback(
    backup_folder, restore_into_new_instance, tmp_path, manifest
):
    (backup_folder / "manifest.json").write_text(json.dumps(manifest))
    restored, result = restore_into_new_instance(tmp_path, backup_folder)
    assert result.exit_code == 1 and "Error:" in result.output, result.output
    assert "Traceback" not in result.output and result.exception.__class__ is SystemExit


def test_the_genuine_backup_still_restores(backup_folder, restore_into_new_instance, tmp_path):
    restored, result = restore_into_new_instance(tmp_path, backup_folder)
    assert result.exit_code == 0, result.output
    uploads = Path(restored.instance_path) / "uploads"
    assert (uploads / "real.bin").read_bytes() == b"genuine upload"
