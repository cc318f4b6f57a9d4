"""``configs sync``: every file checked and compared, then imported all together or not at all."""

from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from common.clock import FakeClock
from contract.config_push import config_version
from hub.configs.sync import SyncReport, sync_configs
from hub.db.audit_models import AuditEntry
from hub.db.config_models import DeviceConfig
from hub.db.models import Device, Room

Factory = sessionmaker[Session]
TERMINALS = {
    "term-hq-f1-aurora",
    "term-hq-f1-borealis",
    "term-hq-f2-cosmos",
    "term-hq-f2-east-desks",
}


def sync(
    factory: Factory, directory: Path, clock: FakeClock, *, dry_run: bool = False
) -> SyncReport:
    with factory() as session:
        report = sync_configs(session, directory, now=clock.now(), actor="cli:ops", dry_run=dry_run)
        session.commit()
    return report


def stored(factory: Factory) -> dict[str, DeviceConfig]:
    with factory() as session:
        return {row.device_id: row for row in session.scalars(select(DeviceConfig))}


def test_a_first_sync_stores_every_file_as_it_is(
    factory: Factory, configs: Path, clock: FakeClock
) -> None:
    report = sync(factory, configs, clock)
    assert report.imported and report.valid
    assert {f.terminal: f.status for f in report.files} == dict.fromkeys(TERMINALS, "new")
    rows = stored(factory)
    aurora = rows["term-hq-f1-aurora"]
    content = (configs / "hq-f1-aurora.yaml").read_bytes()
    assert aurora.desired_version == config_version(content)
    assert aurora.desired_yaml is not None and aurora.desired_yaml.encode() == content
    assert (aurora.desired_source, aurora.synced_at, aurora.pushed_version) == (
        "hq-f1-aurora.yaml",
        clock.now(),
        None,
    )
    with factory() as session:  # the organisation came with it
        assert session.scalar(select(func.count()).select_from(Room)) == 4
        assert set(session.scalars(select(Device.id))) == TERMINALS
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "config.sync")).one()
    assert entry.actor == "cli:ops" and sorted(entry.details["new"]) == sorted(TERMINALS)


def test_a_second_sync_names_what_changed_and_what_did_not(
    factory: Factory, configs: Path, clock: FakeClock
) -> None:
    sync(factory, configs, clock)
    path = configs / "hq-f1-borealis.yaml"
    before = config_version(path.read_bytes())
    path.write_text(path.read_text() + "# a comment is a change: the file is what is pushed\n")
    clock.advance(3600)
    report = sync(factory, configs, clock)
    statuses = {f.terminal: (f.status, f.previous_version) for f in report.files}
    assert statuses["term-hq-f1-borealis"] == ("changed", before)
    assert statuses["term-hq-f1-aurora"] == ("unchanged", None)
    row = stored(factory)["term-hq-f1-borealis"]
    assert row.desired_version == config_version(path.read_bytes()) and row.synced_at == clock.now()
    assert stored(factory)["term-hq-f1-aurora"].synced_at == clock.now() - timedelta(hours=1)


def test_one_invalid_file_imports_nothing_and_every_file_is_reported(
    factory: Factory, configs: Path, clock: FakeClock
) -> None:
    path = configs / "hq-f1-borealis.yaml"
    path.write_text(path.read_text().replace("kind: pir_motion", "kind: pir_motoin"))
    (configs / "zz-copy-of-aurora.yaml").write_bytes((configs / "hq-f1-aurora.yaml").read_bytes())
    report = sync(factory, configs, clock)
    assert not report.valid and not report.imported
    by_file = {f.file: f for f in report.files}
    assert by_file["hq-f1-borealis.yaml"].status == "invalid"
    assert by_file["hq-f1-borealis.yaml"].terminal == "term-hq-f1-borealis"  # whose it is
    assert any(
        "hq-f1-borealis.yaml:" in p and "pir_motion" in p
        for p in by_file["hq-f1-borealis.yaml"].problems
    )
    # Ids must be unique across files: the copy is invalid too, naming the first file.
    assert by_file["zz-copy-of-aurora.yaml"].status == "invalid"
    assert by_file["hq-f2-cosmos.yaml"].status == "new"  # reported as it would be
    assert stored(factory) == {}
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Room)) == 0


def test_a_dry_run_changes_nothing(factory: Factory, configs: Path, clock: FakeClock) -> None:
    report = sync(factory, configs, clock, dry_run=True)
    assert report.valid and not report.imported and report.count("new") == 4
    assert stored(factory) == {}


def test_a_terminal_whose_file_is_gone_is_missing_and_keeps_its_configuration(
    factory: Factory, configs: Path, clock: FakeClock
) -> None:
    sync(factory, configs, clock)
    (configs / "hq-f2-cosmos.yaml").unlink()
    report = sync(factory, configs, clock)
    assert report.imported and report.missing == ["term-hq-f2-cosmos"]
    path = configs / "hq-f1-aurora.yaml"  # an invalid file is invalid, not missing
    path.write_text(path.read_text().replace("GPIO17", "GPIO99"))
    assert sync(factory, configs, clock).missing == ["term-hq-f2-cosmos"]
    assert stored(factory)["term-hq-f2-cosmos"].desired_version is not None
    assert report.to_json()["counts"] == {"new": 0, "changed": 0, "unchanged": 3, "invalid": 0}
