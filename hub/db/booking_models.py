"""Bookings: series, attendees, occurrences, the decisions on them (the audit trail), the
outbox of notices, webhooks and calendar feeds."""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.base import Base


class Booking(Base):
    """A booking of a room or desk: one meeting, or a recurring series (``rrule``).

    ``starts_at``/``ends_at`` are the first occurrence. A series is expanded in the
    booking's own time zone (a weekly 09:00 stays 09:00 across daylight saving) into
    :class:`BookingOccurrence` rows up to a horizon, so conflicts, check-in and
    analytics are plain queries over occurrences.
    """

    __tablename__ = "bookings"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    space_kind: Mapped[str] = mapped_column(String(8))  # room | desk
    space_id: Mapped[str] = mapped_column(String(63))
    # None only for bookings the hub made itself (auto-booking of an occupied room).
    organizer_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    timezone: Mapped[str] = mapped_column(String(64))
    rrule: Mapped[str | None] = mapped_column(Text)  # RFC 5545 RRULE value, without "RRULE:"
    # Occurrence starts (UTC, ISO 8601) excluded from the series.
    exdates: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Attendees that are not hub users (e-mail addresses or names from an imported calendar).
    external_attendees: Mapped[list[str]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(16))  # api | ical | voice | display | auto
    # The iCalendar UID of an imported event: importing the same calendar again updates it.
    ical_uid: Mapped[str | None] = mapped_column(String(255), index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(300))
    # Consecutive no-shows of a series; a check-in resets it (zombie detection).
    strikes: Mapped[int] = mapped_column(Integer, default=0)
    flagged_at: Mapped[datetime | None]
    __table_args__ = (Index("ix_bookings_space", "space_kind", "space_id"),)


class BookingAttendee(Base):
    __tablename__ = "booking_attendees"
    booking_id: Mapped[str] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)


class BookingOccurrence(Base):
    """One occurrence of a booking, with what happened to it.

    ``state``: ``booked`` (not started, or within its check-in window), ``checked_in``,
    ``released`` (a no-show, an abandoned meeting, or released by a person: see
    ``release_reason``), ``cancelled``, ``ended`` (held to its end). Times of check-in and
    release are *event* times (the terminal's clock for what sensors saw), not when the hub
    happened to learn of them.
    """

    __tablename__ = "booking_occurrences"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    booking_id: Mapped[str] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), index=True
    )
    space_kind: Mapped[str] = mapped_column(String(8))
    space_id: Mapped[str] = mapped_column(String(63))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16), default="booked")
    checked_in_at: Mapped[datetime | None]
    check_in_method: Mapped[str | None] = mapped_column(String(16))  # occupancy|voice|api|display
    released_at: Mapped[datetime | None]
    release_reason: Mapped[str | None] = mapped_column(String(16))  # no_show|abandoned|manual
    # The meeting's sensor head count, for right-sizing: the highest headcount band held a
    # few minutes (hub.analytics.headcount), set while it is held; None when not measured.
    peak_people: Mapped[int | None] = mapped_column(Integer)
    __table_args__ = (
        UniqueConstraint("booking_id", "starts_at", name="uq_occurrence_booking_start"),
        Index("ix_occurrences_space_time", "space_kind", "space_id", "starts_at"),
        Index("ix_occurrences_state_end", "state", "ends_at"),
    )


class BookingDecision(Base):
    """The audit trail: every decision on a booking, by the hub or a person, with its evidence.

    ``evidence`` lists what was seen and when (``[{"at": ..., "what": ..., ...}]``, event
    times); ``explanation`` says it in one sentence.
    """

    __tablename__ = "booking_decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    booking_id: Mapped[str] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), index=True
    )
    occurrence_id: Mapped[int | None] = mapped_column(
        ForeignKey("booking_occurrences.id", ondelete="CASCADE"), index=True
    )
    decided_at: Mapped[datetime]  # hub clock
    effective_at: Mapped[datetime]  # event time the decision takes effect from
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(63))  # "hub" or a user id
    explanation: Mapped[str] = mapped_column(Text)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class Notification(Base):
    """An outbox of notices to people (webhook and MQTT), written in the deciding transaction
    and delivered after the commit, with retries."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime]
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    booking_id: Mapped[str | None] = mapped_column(String(36))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    mqtt_sent_at: Mapped[datetime | None]
    webhook_done_at: Mapped[datetime | None]  # delivered, or no webhook to deliver to
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (Index("ix_notifications_pending", "webhook_done_at", "next_attempt_at"),)


class Webhook(Base):
    """Where a person's notices are POSTed, signed with HMAC-SHA256 over the body."""

    __tablename__ = "webhooks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CalendarFeed(Base):
    """A secret token that lets a calendar program read one space's bookings as an ICS feed."""

    __tablename__ = "calendar_feeds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    space_kind: Mapped[str] = mapped_column(String(8))
    space_id: Mapped[str] = mapped_column(String(63))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the token
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
