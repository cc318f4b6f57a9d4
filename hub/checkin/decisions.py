"""Writing one entry of the audit trail (``booking_decisions``)."""

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from hub.db.models import BookingDecision

HUB_ACTOR = "hub"


def record(
    session: Session,
    *,
    booking_id: str,
    occurrence_id: int | None,
    kind: str,
    effective_at: datetime,
    explanation: str,
    evidence: list[dict[str, Any]],
    now: datetime,
    actor: str = HUB_ACTOR,
) -> BookingDecision:
    decision = BookingDecision(
        booking_id=booking_id,
        occurrence_id=occurrence_id,
        decided_at=now,
        effective_at=effective_at,
        kind=kind,
        actor=actor,
        explanation=explanation,
        evidence=evidence,
    )
    session.add(decision)
    return decision
