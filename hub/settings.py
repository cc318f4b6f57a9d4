"""Hub settings, read from the environment (prefix ``QUORUM_``) or a ``.env`` file.

Only the composition root (``hub.__main__`` and ``create_app``'s caller) reads
them; everything else receives values as arguments. Tests build ``Settings``
directly or override :func:`get_settings` in FastAPI.
"""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QUORUM_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///var/hub.db"
    # Terminal configuration files to import rooms and desks from at start-up (empty: none).
    configs_dir: Path | None = None

    mqtt_host: str = "localhost"
    mqtt_port: int = 1883
    mqtt_protocol: Literal["auto", "5", "3.1.1"] = "auto"
    mqtt_username: str | None = None
    mqtt_password: str | None = None
    mqtt_prefix: str = "quorum"
    mqtt_client_id: str = "quorum-hub"
    # Start the MQTT consumer with the app (off in API-only tests).
    ingest_enabled: bool = True
    # Commit ingested messages in batches of at most this many, or after this delay.
    ingest_batch_size: int = Field(default=500, ge=1)
    ingest_batch_delay_s: float = Field(default=0.05, ge=0)

    host: str = "127.0.0.1"
    port: int = 8080
    # Written to this file (mode 0600) on first start, so an operator can find it again.
    bootstrap_token_file: Path | None = None
    # Create the bootstrap admin with this token instead of a random one (demo, tests).
    bootstrap_token: str | None = None


@lru_cache
def get_settings() -> Settings:
    return Settings()
