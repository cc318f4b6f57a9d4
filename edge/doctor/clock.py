"""Clock: synchronised by a time service (systemd-timesyncd, chrony, ntpd)?

Every message carries the terminal's wall-clock time, and a Raspberry Pi has no battery
clock: until the network time arrives after a boot it runs from the time saved at shutdown.
The kernel knows whether a time service has synchronised it (adjtimex(2) reports TIME_ERROR
while it has not), the same source ``timedatectl`` reads for "System clock synchronized".

Not required: the terminal works with a wrong clock, keeps order by sequence number and
catches up when the time arrives; but bookings and reports see wrong times until then.
"""

import ctypes
import ctypes.util
from collections.abc import Callable
from pathlib import Path

from edge.doctor.context import DoctorContext
from edge.doctor.result import CheckResult, passed, problem

NAME = "clock"
TIME_ERROR = 5  # adjtimex(2): the clock is not synchronised
#: Time services and a file that shows each is installed, in the order they are suggested.
TIME_SERVICES = {
    "systemd-timesyncd": ("/lib/systemd/systemd-timesyncd", "/usr/lib/systemd/systemd-timesyncd"),
    "chrony": ("/usr/sbin/chronyd",),
    "ntpd": ("/usr/sbin/ntpd",),
}
_FIXES = {
    "systemd-timesyncd": "sudo timedatectl set-ntp true; timedatectl timesync-status shows the "
    "server it asks (NTP= in /etc/systemd/timesyncd.conf; UDP port 123 must be open)",
    "chrony": "chronyc tracking and chronyc sources show what chrony hears; check the servers "
    "in /etc/chrony/chrony.conf and that UDP port 123 is open",
    "ntpd": "ntpq -p shows what ntpd hears; check its servers and that UDP port 123 is open",
}


def kernel_clock_state() -> int | None:
    """adjtimex(2)'s clock state (0-5), or None where it cannot be asked."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name, use_errno=True)
        # struct timex with modes = 0 only reads; 512 bytes cover it on every architecture.
        buffer = ctypes.create_string_buffer(512)
        state = int(libc.adjtimex(buffer))
    except (OSError, AttributeError):
        return None
    return state if state >= 0 else None


def installed_time_services(root: Path = Path("/")) -> list[str]:
    return [
        service
        for service, files in TIME_SERVICES.items()
        if any((root / f.lstrip("/")).exists() for f in files)
    ]


def check_clock(
    ctx: DoctorContext,
    state: Callable[[], int | None] = kernel_clock_state,
    services: Callable[[], list[str]] = installed_time_services,
) -> CheckResult:
    found = state()
    installed = services()
    via = f" (time service: {', '.join(installed)})" if installed else ""
    if found is not None and found != TIME_ERROR:
        return passed(NAME, f"synchronised{via}", required=False)
    if not installed:
        fix = (
            "install a time service: sudo apt-get install systemd-timesyncd (Raspberry Pi OS "
            "has it) or chrony, and let it reach an NTP server"
        )
    else:
        fix = _FIXES[installed[0]]
    if found is None:
        message = "cannot tell whether the clock is synchronised (adjtimex unavailable)"
    else:
        message = (
            f"the clock is not synchronised{via}: messages, check-ins and reports would "
            "carry this terminal's wrong time"
        )
    return problem(NAME, False, message, fix)
