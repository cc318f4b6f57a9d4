"""Builds the bookings loop from the hub's settings, with its MQTT and HTTP clients."""

from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from common.clock import Clock
from common.mqtt import MqttConnection
from contract.topics import command_topic, user_action_items_topic, user_notification_topic
from hub.analytics.rollups import refresh_rollups
from hub.bookings.series import extend_horizon
from hub.checkin.policy import CheckInPolicy
from hub.checkin.runner import BookingsRunner, Job
from hub.live import LiveFeed
from hub.minutes.runner import MinutesRunner
from hub.settings import Settings
from hub.webhooks import WebhookClient


def policy_from(settings: Settings) -> CheckInPolicy:
    return CheckInPolicy(
        grace=timedelta(minutes=settings.checkin_grace_min),
        abandon_after=timedelta(minutes=settings.checkin_abandon_after_min),
        early_check_in=timedelta(minutes=settings.checkin_early_min),
        flag_after_strikes=settings.checkin_flag_after_strikes,
        cancel_after_strikes=settings.checkin_cancel_after_strikes,
        late_window=timedelta(hours=settings.checkin_late_window_h),
        auto_book=settings.checkin_auto_book,
    )


class BookingsService:
    """The loop plus the clients it delivers notices with; started and stopped by the app."""

    def __init__(
        self,
        settings: Settings,
        session_factory: sessionmaker[Session],
        clock: Clock,
        live: LiveFeed,
        jobs: list[tuple[Job, timedelta]] | None = None,
    ) -> None:
        # Refuses private targets at delivery too (hub/webhooks.py): DNS answers change.
        self._http = WebhookClient(allow_private=settings.webhook_allow_private)
        self._mqtt: MqttConnection | None = None
        prefix = settings.mqtt_prefix
        if settings.ingest_enabled:  # a broker is configured
            self._mqtt = MqttConnection(settings.broker_address(), f"{settings.client_id}-notices")
        mqtt = self._mqtt

        def publish(user_id: str, body: bytes) -> bool:
            if mqtt is None or not mqtt.connected:
                return False
            info = mqtt.publish(user_notification_topic(prefix, user_id), body, qos=1)
            return info.rc == 0

        def publish_item(user_id: str, body: bytes) -> bool:
            if mqtt is None or not mqtt.connected:
                return False
            info = mqtt.publish(user_action_items_topic(prefix, user_id), body, qos=1)
            return info.rc == 0

        def send_command(room_id: str, device_id: str, target: str, payload: bytes) -> bool:
            if mqtt is None or not mqtt.connected:
                return False
            topic = command_topic(prefix, room_id, device_id, target)
            return mqtt.publish(topic, payload, qos=1).rc == 0

        # Minutes: auto-confirmation, reminders, delete commands, action items' delivery.
        self.minutes = MinutesRunner(
            session_factory=session_factory,
            clock=clock,
            auto_confirm_h=settings.minutes_auto_confirm_h,
            publish=publish_item if mqtt is not None else None,
            send_command=send_command if mqtt is not None else None,
            post=self._post,
        )
        self.runner = BookingsRunner(
            session_factory=session_factory,
            clock=clock,
            policy=policy_from(settings),
            live=live,
            publish=publish if mqtt is not None else None,
            post=self._post,
            tick_s=settings.checkin_tick_s,
            jobs=jobs,
            rounds=[self.minutes.tick],
        )

    def _post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        return self._http.post(url, body, headers)

    def start(self) -> None:
        if self._mqtt is not None:
            self._mqtt.start()
        self.runner.start()

    def stop(self) -> None:
        self.runner.stop()
        if self._mqtt is not None:
            self._mqtt.stop()
        self._http.close()


# Periodic work of the loop besides check-in: recurring series are materialized further
# ahead (hub.bookings.series) as days pass; analytics rollups take in new rows (about 6 s
# for 6,000 spaces, bench/analytics.py; hub/analytics/rollups.py).
HOUSEKEEPING: list[tuple[Job, timedelta]] = [
    (extend_horizon, timedelta(hours=1)),
    (refresh_rollups, timedelta(minutes=5)),
]


def bookings_service(
    settings: Settings, session_factory: sessionmaker[Session], clock: Clock, live: LiveFeed
) -> BookingsService | None:
    """The loop, or None when turned off (``QUORUM_CHECKIN_ENABLED=false``)."""
    if not settings.checkin_enabled:
        return None
    return BookingsService(settings, session_factory, clock, live, jobs=HOUSEKEEPING)
