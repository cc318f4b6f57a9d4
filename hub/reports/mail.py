"""The report as a complete MIME e-mail (``email.message.EmailMessage``).

Structure (what mail programs show best)::

    multipart/mixed
      multipart/alternative
        text/plain                 a short summary
        multipart/related
          text/html                the report, charts as <img src="cid:...">
          image/png                utilization chart (Content-ID)
          image/png                heatmap (Content-ID)
      text/csv                     report.csv, an attachment

The hub does not send mail itself: write ``bytes(message)`` to a mail program or an
SMTP library (``smtplib.SMTP.send_message``).
"""

import uuid
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from hub.reports.build import BuiltReport
from hub.reports.html_out import render_html


def summary_text(report: BuiltReport) -> str:
    data, total = report.data, report.data.total
    utilization = "no data" if total.utilization is None else f"{100 * total.utilization:.0f}%"
    return (
        f"{report.title}\n\n"
        f"Rooms: {len(data.rooms)}\n"
        f"Booked hours: {total.booked_hours:.1f}\n"
        f"Used hours: {total.occupied_hours:.1f}\n"
        f"Utilization: {utilization}\n"
        f"Meetings: {total.meetings}, no-shows released: {total.no_shows}, "
        f"abandoned: {data.abandoned}\n\n"
        "The full report is in the HTML part; one row per space in report.csv.\n"
    )


def report_email(
    report: BuiltReport, *, sender: str, to: list[str], subject: str | None = None
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject or report.title
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = format_datetime(report.data.generated_at)
    message["Message-ID"] = make_msgid(domain="quorum.invalid")
    message.set_content(summary_text(report))
    # Content-IDs carry angle brackets in the header, not in the cid: URL; short enough that
    # the header is never folded.
    cids = {name: f"<{name}.{uuid.uuid4().hex[:16]}@quorum.invalid>" for name in report.charts}
    html = render_html(report.data, {name: f"cid:{cid[1:-1]}" for name, cid in cids.items()})
    message.add_alternative(html, subtype="html")
    html_part = message.get_body(preferencelist=("html",))
    assert isinstance(html_part, EmailMessage)  # add_alternative made it just above
    for name, png in report.charts.items():
        html_part.add_related(
            png,
            maintype="image",
            subtype="png",
            cid=cids[name],
            filename=f"{name}.png",
            disposition="inline",
        )
    message.add_attachment(report.csv(), maintype="text", subtype="csv", filename="report.csv")
    return message
