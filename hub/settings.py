"""Hub settings, read from the environment (prefix ``QUORUM_``) or a ``.env`` file.

Only the composition root (``hub.__main__`` and ``create_app``'s caller) reads
them; everything else receives values as arguments. Tests build ``Settings``
directly or override :func:`get_settings` in FastAPI.
"""

import os
import socket
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from common.mqtt import BrokerAddress


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QUORUM_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///var/hub.db"
    # Connection pool per hub process (PostgreSQL; SQLite ignores them): the API's requests
    # and the ingest writer share it. Several workers need workers x (size + overflow)
    # connections from the server (docs/scaling.md).
    database_pool_size: int = Field(default=5, ge=1)
    database_max_overflow: int = Field(default=10, ge=0)
    # Terminal configuration files to import rooms and desks from at start-up (empty: none).
    configs_dir: Path | None = None

    mqtt_host: str = "localhost"
    mqtt_port: int = 1883
    mqtt_protocol: Literal["auto", "5", "3.1.1"] = "auto"
    mqtt_username: str | None = None
    mqtt_password: str | None = None
    mqtt_prefix: str = "quorum"
    # Must be unique per hub worker (the broker disconnects the older of two clients with
    # the same id). Empty: quorum-hub-<hostname>-<pid>.
    mqtt_client_id: str = ""
    # Hub workers with the same group share the terminals' messages (MQTT 5 shared
    # subscription $share/<group>/...); each message goes to one of them. Empty: no sharing
    # (every worker would get everything: run only one).
    ingest_share_group: str = Field(default="quorum-hub", pattern=r"^[^/+#]*$")
    # Start the MQTT consumer with the app (off in API-only tests).
    ingest_enabled: bool = True
    # Commit ingested messages in batches of at most this many, or after this delay.
    ingest_batch_size: int = Field(default=500, ge=1)
    ingest_batch_delay_s: float = Field(default=0.05, ge=0)
    # Unacknowledged messages the broker may send this hub at once (MQTT 5 Receive Maximum).
    # The hub acks after commit, so this is also how much it buffers while the database is
    # slow; it must cover what arrives during one batch's commit (docs/ingest.md).
    ingest_receive_maximum: int = Field(default=5000, ge=1, le=65535)

    # Time series (docs/timeseries.md): occupancy, people counts and daily utilization
    # written to a server speaking the InfluxDB v2 write API. Empty URL: not exported.
    timeseries_url: str = ""
    timeseries_token: str | None = None
    timeseries_org: str = "quorum"
    timeseries_bucket: str = "quorum"
    # Points per write request, and how often the exporter looks for new rows.
    timeseries_batch_size: int = Field(default=1000, ge=1, le=50000)
    timeseries_flush_interval_s: float = Field(default=5.0, gt=0)
    # One write is retried (exponential backoff) for at most this long / this many times;
    # then it is given up and the rows stay behind the cursor, backfilled from SQL later.
    timeseries_retry_limit_s: float = Field(default=60.0, ge=0)
    timeseries_max_retries: int = Field(default=5, ge=0)
    timeseries_timeout_s: float = Field(default=10.0, gt=0)
    # People counts and a day's utilization are written this long after the meeting or
    # the (local) day ended, so late data from terminals' spools is included.
    timeseries_settle_s: float = Field(default=3600.0, ge=0)

    # Check-in and release of bookings (docs/checkin.md): minutes, and strikes of a series.
    checkin_enabled: bool = True
    checkin_grace_min: float = Field(default=10.0, gt=0)
    checkin_abandon_after_min: float = Field(default=15.0, gt=0)
    checkin_early_min: float = Field(default=5.0, ge=0)
    checkin_flag_after_strikes: int = Field(default=2, ge=1)
    checkin_cancel_after_strikes: int = Field(default=3, ge=0)
    checkin_late_window_h: float = Field(default=12.0, gt=0)
    checkin_auto_book: bool = False
    # How often the hub looks at the bookings when no deadline comes sooner.
    checkin_tick_s: float = Field(default=5.0, gt=0)

    # Minutes (docs/minutes-hub.md): a draft is confirmed, and its action items sent to their
    # owners, this many hours after it arrived unless the organizer did it before; 0: never.
    minutes_auto_confirm_h: float = Field(default=24.0, ge=0)
    # Webhooks whose host is (or resolves to) a private, loopback, link-local or reserved
    # address are refused, on registration and again on every delivery; true allows them
    # (tests, a hub inside a closed network).
    webhook_allow_private: bool = False

    # Alerts (docs/alerts.md): threshold rules evaluated every ``alerts_interval_s``; an open
    # alert resolves once its condition has been clear for ``alerts_hold_down_min``.
    alerts_enabled: bool = True
    alerts_interval_s: float = Field(default=60.0, gt=0)
    alerts_hold_down_min: float = Field(default=15.0, ge=0)
    # Rules to leave out, comma-separated (e.g. "low_utilization,sensors_silent").
    alerts_rules_off: str = ""
    alerts_low_utilization_pct: float = Field(default=15.0, gt=0, le=100)
    alerts_low_utilization_days: int = Field(default=5, ge=1, le=60)
    alerts_over_capacity_min: float = Field(default=5.0, ge=0)
    alerts_device_offline_min: float = Field(default=10.0, ge=0)
    alerts_door_stuck_h: float = Field(default=12.0, gt=0)
    alerts_sensors_silent_h: float = Field(default=72.0, gt=0)
    alerts_spool_full_window_h: float = Field(default=24.0, gt=0)
    alerts_spool_nearly_full_pct: float = Field(default=80.0, gt=0, le=100)

    # Scheduled reports (docs/reports.md): yesterday's daily, last week's weekly and last
    # month's monthly, built ``reports_settle_min`` after local midnight in
    # ``reports_timezone`` (empty: the zone most rooms are in); looked for every
    # ``reports_tick_s``; runs kept ``reports_keep_days``.
    reports_enabled: bool = True
    reports_tick_s: float = Field(default=600.0, gt=0)
    reports_settle_min: float = Field(default=60.0, ge=0)
    reports_timezone: str = ""
    reports_keep_days: int = Field(default=400, ge=1)

    host: str = "127.0.0.1"
    port: int = 8080
    # Written to this file (mode 0600) on first start, so an operator can find it again.
    bootstrap_token_file: Path | None = None
    # Create the bootstrap admin with this token instead of a random one (demo, tests).
    bootstrap_token: str | None = None
    # Give the bootstrap admin this password for the web dashboard, if it has none yet
    # (demo, automated installs); a password changed later is kept.
    bootstrap_password: str | None = None

    @property
    def client_id(self) -> str:
        """The MQTT client id this process uses."""
        return self.mqtt_client_id or f"quorum-hub-{socket.gethostname()}-{os.getpid()}"

    def broker_address(self) -> BrokerAddress:
        return BrokerAddress(
            host=self.mqtt_host,
            port=self.mqtt_port,
            protocol=self.mqtt_protocol,
            username=self.mqtt_username,
            password=self.mqtt_password,
        )


@lru_cache
def get_settings() -> Settings:
    return Settings()
