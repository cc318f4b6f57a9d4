"""A person's open action items with a due date as an iCalendar file of VTODOs.

``DUE;VALUE=DATE`` is the due date; the UID depends only on the item's id and the hub,
so a calendar program updates the to-do it already has when the file is fetched again.
"""

from datetime import datetime

from icalendar import Calendar, Todo

from hub.db.minutes_models import ActionItem


def item_uid(item_id: int) -> str:
    return f"action-item-{item_id}@quorum"


def render_items(items: list[ActionItem], titles: dict[str, str | None], now: datetime) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Quorum//Action items//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Action items")
    for item in items:
        if item.due is None:
            continue
        todo = Todo()
        todo.add("uid", item_uid(item.id))
        todo.add("dtstamp", now)
        todo.add("summary", item.task)
        todo.add("due", item.due)  # a date: DUE;VALUE=DATE
        todo.add("status", "COMPLETED" if item.status == "done" else "NEEDS-ACTION")
        title = titles.get(item.session_id)
        todo.add("description", f"From the meeting {title!r}." if title else "From a meeting.")
        quote = item.evidence.get("quote")
        if quote:
            todo.add("comment", str(quote))
        calendar.add_component(todo)
    return calendar.to_ical()
