"""Hub settings, read from the environment (prefix ``QUORUM_``) or a ``.env`` file.

Only the composition root (``hub.__main__`` and ``create_app``'s caller) reads
them; everything else receives values as arguments. Tests build ``Settings``
directly or override :func:`get_settings` in FastAPI.
"""

import os
import re
import socket
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from common.mqtt import BrokerAddress

# A field holding a secret, not a path to one (hub/hardening/redact.py uses the same rule).
SECRET_FIELD = r"(password|token|secret|master_key)$|_key$"


def _without_password(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<not a database URL>"


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
    # Secrets are SecretStr: repr() and logs show '**********' (docs/security.md).
    mqtt_password: SecretStr | None = None
    mqtt_prefix: str = "quorum"
    # TLS to the broker (docs/security.md, "Broker and devices"): the CA that signed the
    # broker's certificate (empty: the system's CAs), and a client certificate and key if the
    # listener wants one. Host names are always verified.
    mqtt_tls: bool = False
    mqtt_ca_file: Path | None = None
    mqtt_cert_file: Path | None = None
    mqtt_key_file: Path | None = None
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
    timeseries_token: SecretStr | None = None
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

    # Retention (docs/security.md, "Retention, k-anonymity and hardening"): days each kind of
    # data is kept, 0 for ever (reports: reports_keep_days above). The hub's job deletes what
    # has expired every ``retention_interval_h``; by hand: python -m hub retention run.
    retention_enabled: bool = True
    retention_interval_h: float = Field(default=24.0, gt=0)
    retention_transcripts_days: int = Field(default=30, ge=0)
    retention_minutes_days: int = Field(default=365, ge=0)
    retention_voice_commands_days: int = Field(default=30, ge=0)
    retention_sensor_events_days: int = Field(default=30, ge=0)
    retention_ingest_log_days: int = Field(default=90, ge=0)
    retention_dead_letters_days: int = Field(default=30, ge=0)
    retention_occupancy_days: int = Field(default=90, ge=0)
    retention_checkin_trail_days: int = Field(default=180, ge=0)
    retention_notifications_days: int = Field(default=30, ge=0)
    retention_audit_log_days: int = Field(default=730, ge=0)

    # Home Assistant MQTT discovery (docs/homeassistant.md): per room an occupancy sensor,
    # the people band, the booking state and the terminals' connectivity, under
    # ``<discovery_prefix>/...`` on the hub's broker; everything again after every reconnect
    # and when Home Assistant announces itself; all rooms re-checked every ``refresh_s``.
    homeassistant_enabled: bool = False
    homeassistant_discovery_prefix: str = Field(
        default="homeassistant", pattern=r"^[^/+#\s]+(/[^/+#\s]+)*$"
    )
    homeassistant_refresh_s: float = Field(default=60.0, gt=0)

    # Software updates (docs/fleet.md): release files are kept under ``releases_dir``;
    # terminals download them from ``releases_url`` (the hub as terminals reach it, e.g.
    # https://hub.example.org; empty: http://<host>:<port>); the rollout loop runs every
    # ``rollouts_tick_s``.
    releases_dir: Path = Path("var/releases")
    releases_url: str = Field(default="", pattern=r"^(https?://\S+)?$")
    rollouts_tick_s: float = Field(default=5.0, gt=0)

    # Configuration push (docs/fleet.md): every ``config_push_interval_s`` the hub pushes the
    # configuration each online terminal should run, if it runs another; an unanswered push
    # is repeated after ``config_push_retry_s``, at most ``config_push_max`` times.
    config_push_interval_s: float = Field(default=10.0, gt=0)
    config_push_retry_s: float = Field(default=300.0, gt=0)
    config_push_max: int = Field(default=5, ge=1)

    # Prometheus metrics (docs/metrics.md): GET /metrics answers a scrape that sends
    # ``Authorization: Bearer <metrics_token>``; without a token set, /metrics is off (404).
    metrics_token: SecretStr | None = None

    @field_validator("metrics_token")
    @classmethod
    def _long_metrics_token(cls, token: SecretStr | None) -> SecretStr | None:
        if token is None or token.get_secret_value() == "":
            return None  # QUORUM_METRICS_TOKEN= (empty): /metrics off
        if len(token.get_secret_value()) < 16:
            raise ValueError("QUORUM_METRICS_TOKEN must be at least 16 characters (or unset)")
        return token

    # Terminal provisioning (python -m hub devices, docs/security.md "Broker and devices"):
    # the broker's dynamic-security admin account (on the hub's own broker connection above);
    # the broker address written into terminals' configs (empty host: mqtt_host), with the
    # port of its password listener and of its client-certificate listener; the CA key that
    # signs terminals' certificates (the CA certificate is mqtt_ca_file) and the revocation
    # list the certificate listener reads.
    broker_admin_username: str = "quorum-admin"
    broker_admin_password: str | None = None
    devices_mqtt_host: str = ""
    devices_mqtt_port: int = Field(default=8883, ge=1, le=65535)
    devices_mqtt_cert_port: int = Field(default=8884, ge=1, le=65535)
    devices_ca_key_file: Path | None = None
    devices_crl_file: Path | None = None

    # Encryption at rest (docs/security.md, "Encryption at rest"): the master key that wraps
    # every meeting's key. One of: a key file (32 bytes, raw or base64, mode 0600; make one
    # with `python -m hub keys create --out FILE`), the key itself in base64, or the import
    # path (module:factory) of a key-management plug-in. The hub refuses to start without.
    master_key_file: Path | None = None
    master_key: SecretStr | None = None
    key_provider: str = ""

    host: str = "127.0.0.1"
    port: int = 8080
    # Hardening (docs/security.md, "Retention, k-anonymity and hardening"). ``production``:
    # the API docs (/docs, /openapi.json) need an admin unless ``api_docs`` says otherwise
    # (empty: public in development, admin in production; off: none). Browsers may call the
    # API from the origins in ``cors_origins`` only (comma-separated, e.g.
    # https://intranet.example.com; empty: none; "*" is refused). Request bodies are at most
    # ``max_body_bytes`` (an iCalendar import up to its own limit).
    env: Literal["development", "production"] = "development"
    api_docs: Literal["", "public", "admin", "off"] = ""
    cors_origins: str = ""
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)

    @field_validator("cors_origins")
    @classmethod
    def _explicit_origins(cls, value: str) -> str:
        for origin in (o.strip() for o in value.split(",") if o.strip()):
            if not re.fullmatch(r"https?://[^/\s*]+", origin):
                raise ValueError(
                    f"QUORUM_CORS_ORIGINS: {origin!r} is not an origin like "
                    "https://intranet.example.com (no '*', no path)"
                )
        return value

    @property
    def docs_mode(self) -> Literal["public", "admin", "off"]:
        """Who may read the API docs: the setting, or what ``env`` implies."""
        if self.api_docs:
            return self.api_docs
        return "admin" if self.env == "production" else "public"

    def __repr_args__(self) -> Any:
        """repr() without secrets: SecretStr fields show stars already; the database URL's
        password and any other field named like a secret are masked here too."""
        for name, value in super().__repr_args__():
            if name == "database_url" and isinstance(value, str):
                value = _without_password(value)
            elif name and isinstance(value, str) and re.search(SECRET_FIELD, name):
                value = "**********"
            yield name, value

    # Written to this file (mode 0600) on first start, so an operator can find it again.
    bootstrap_token_file: Path | None = None
    # Create the bootstrap admin with this token instead of a random one (demo, tests).
    bootstrap_token: SecretStr | None = None
    # Give the bootstrap admin this password for the web dashboard, if it has none yet
    # (demo, automated installs); a password changed later is kept.
    bootstrap_password: SecretStr | None = None

    # Tokens (docs/security.md, "People, tokens and the audit log"): access tokens of
    # POST /api/v1/auth/token live ``access_token_min``; their refresh tokens expire when
    # unused for ``refresh_token_days``; personal tokens of people live at most
    # ``token_max_days`` (display and device accounts: 3650). Sign-in tries (token, refresh,
    # web sign-in, password change) per client address per minute: ``auth_requests_per_min``.
    access_token_min: int = Field(default=15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(default=30, ge=1, le=365)
    token_max_days: int = Field(default=365, ge=1, le=3650)
    auth_requests_per_min: int = Field(default=60, ge=1)

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
            password=self.mqtt_password.get_secret_value() if self.mqtt_password else None,
            tls=self.mqtt_tls,
            ca_file=str(self.mqtt_ca_file) if self.mqtt_ca_file else None,
            cert_file=str(self.mqtt_cert_file) if self.mqtt_cert_file else None,
            key_file=str(self.mqtt_key_file) if self.mqtt_key_file else None,
        )


@lru_cache
def get_settings() -> Settings:
    return Settings()
