"""Resolve the broker password reference of a terminal config.

Configs hold a reference, never the secret: ``env:NAME`` reads an environment
variable, ``file:PATH`` a file (a systemd credential or a mounted secret).
The environment is passed in, so nothing here reads ``os.environ`` itself.
"""

from collections.abc import Mapping
from pathlib import Path


class CredentialError(Exception):
    """A secret reference that cannot be resolved; the message says how to fix it."""


def resolve_secret(
    reference: str | None, env: Mapping[str, str], field: str = "mqtt.password"
) -> str | None:
    if reference is None:
        return None
    scheme, _, target = reference.partition(":")
    if scheme == "env":
        value = env.get(target)
        if value is None:
            raise CredentialError(
                f"{field} refers to the environment variable {target}, which is not set: "
                f"export {target}=... before starting the terminal"
            )
    elif scheme == "file":
        try:
            value = Path(target).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise CredentialError(
                f"{field} refers to the file {target}, which cannot be read: {exc.strerror}"
            ) from None
    else:
        raise CredentialError(
            f"{field} must be 'env:NAME' or 'file:PATH', not a {scheme!r} reference"
        )
    if not value:
        raise CredentialError(f"{field} refers to {reference}, which is empty")
    return value


def check_tls_files(*paths: str | None) -> None:
    """Fail early, and plainly, if a TLS file the config names cannot be read."""
    for path in paths:
        if path is None:
            continue
        try:
            with open(path, "rb"):
                pass
        except OSError as exc:
            raise CredentialError(
                f"mqtt: the TLS file {path} cannot be read: {exc.strerror}"
            ) from None
