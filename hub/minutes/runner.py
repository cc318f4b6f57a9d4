"""The minutes' periodic work, one round per tick of the bookings loop (hub/checkin/runner.py):
auto-confirmation of old drafts, reminders, re-sending delete commands, then delivery.

With several hub workers on PostgreSQL only one does a round at a time: the round holds a
session-level advisory lock on a connection of its own (delivery commits after every
webhook, so a transaction-level lock would be let go in the middle of a round).
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from common.clock import Clock
from hub.minutes.deletion import CommandSender, resend_deletes
from hub.minutes.delivery import DeliveryReport, Poster, UserPublisher, deliver_due
from hub.minutes.reminders import send_reminders
from hub.minutes.review import auto_confirm

log = logging.getLogger(__name__)

# pg_try_advisory_lock key of the minutes round ("QMINS" in ASCII).
ROUND_LOCK_KEY = 0x514D494E53


class MinutesRunner:
    def __init__(
        self,
        *,
        session_factory: sessionmaker[Session],
        clock: Clock,
        auto_confirm_h: float,
        publish: UserPublisher | None,
        send_command: CommandSender | None,
        post: Poster,
    ) -> None:
        self._factory = session_factory
        self._clock = clock
        self._auto_confirm_h = auto_confirm_h
        self._publish = publish
        self._send_command = send_command
        self._post = post

    def tick(self) -> DeliveryReport | None:
        """One round; None when another worker is doing one."""
        with _round_lock(self._factory) as mine:
            if not mine:
                return None
            now = self._clock.now()
            self._job("auto-confirm", lambda s: auto_confirm(s, now, self._auto_confirm_h))
            self._job("reminders", lambda s: send_reminders(s, now))
            self._job("delete commands", lambda s: resend_deletes(s, now, self._send_command))
            return deliver_due(
                self._factory, self._clock.now(), publish=self._publish, post=self._post
            )

    def _job(self, name: str, job: Callable[[Session], object]) -> None:
        try:
            with self._factory() as session, session.begin():
                job(session)
        except Exception:  # one failing job must not stop the others
            log.exception("minutes job %s failed", name)


@contextmanager
def _round_lock(factory: sessionmaker[Session]) -> Iterator[bool]:
    engine: Engine = factory.kw["bind"]
    if engine.dialect.name != "postgresql":
        yield True
        return
    with engine.connect() as connection:
        held = bool(
            connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": ROUND_LOCK_KEY}
            ).scalar()
        )
        connection.commit()
        try:
            yield held
        finally:
            if held:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ROUND_LOCK_KEY})
                connection.commit()
