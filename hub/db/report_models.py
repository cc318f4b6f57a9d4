"""ORM models of the scheduled reports (hub/reports, docs/reports.md).

Imported at the end of ``hub.db.models`` (like ``voice_models``) so Alembic sees them.
A run is one report of one period for one audience; its files (HTML, CSV, PNG) are stored
in the database, so every hub worker can serve them and a backup holds them.
"""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db.models import Base


class ReportRun(Base):
    """One built report: ``period`` over local dates ``[first_day, last_day)`` for
    ``audience`` (all | shared | department:<id>), built at ``created_at``."""

    __tablename__ = "report_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    period: Mapped[str] = mapped_column(String(8))  # daily | weekly | monthly
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    audience: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime]
    # When the rollups the figures come from were refreshed (null: never).
    as_of: Mapped[datetime | None]
    files: Mapped[list["ReportFileRow"]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="ReportFileRow.name"
    )
    __table_args__ = (
        UniqueConstraint("period", "first_day", "audience", name="uq_report_runs_period_audience"),
        Index("ix_report_runs_created", "created_at"),
    )


class ReportFileRow(Base):
    """One file of a run: report.html, report.csv, utilization.png, heatmap.png."""

    __tablename__ = "report_files"
    run_id: Mapped[int] = mapped_column(
        ForeignKey("report_runs.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    run: Mapped[ReportRun] = relationship(back_populates="files")
