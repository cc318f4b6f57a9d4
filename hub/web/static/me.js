// My work: the caller's own action items (mark them done) and meetings (read the minutes).
"use strict";

(() => {
  function section(id, node) {
    const box = document.getElementById(id);
    box.replaceChildren(node);
    box.setAttribute("aria-busy", "false");
  }

  async function markDone(item, button) {
    button.disabled = true;
    try {
      await Q.api(`/action-items/${item.id}`, { method: "PATCH", body: { status: "done" } });
      await loadItems();
    } catch (error) {
      button.disabled = false;
      Q.status(`Could not change the item: ${error.message}`);
    }
  }

  async function loadItems() {
    const items = await Q.api("/action-items?owner=me");
    section("items", items.length ? Q.el("ul", { class: "items" }, items.map((item) => Q.el(
      "li", { "data-item": item.id, "data-status": item.status },
      Q.el("span", { text: item.task }),
      Q.el("span", { class: "muted", text:
        ` · ${item.status}${item.due ? ` · due ${item.due}` : ""}` }),
      item.status === "open" ? Q.el("button", {
        type: "button", text: "Done", onclick: (e) => markDone(item, e.currentTarget),
      }) : null,
    ))) : Q.el("p", { text: "No action items for you." }));
  }

  function minutesView(minutes) {
    const list = (title, values) => (values && values.length
      ? [Q.el("h4", { text: title }), Q.el("ul", {}, values.map((v) => Q.el("li", { text: v })))]
      : []);
    return Q.el("div", { class: "minutes" },
      Q.el("p", { class: "muted", text: `Minutes: ${minutes.status}` }),
      list("Decisions", minutes.decisions),
      list("Open questions", minutes.open_questions),
      list("Action items", (minutes.action_items || []).map(
        (a) => `${a.task} — ${a.owner || "no owner"}${a.due ? `, due ${a.due}` : ""}`)));
  }

  async function showMinutes(meeting, row, button) {
    button.disabled = true;
    try {
      row.append(minutesView(await Q.api(`/meetings/${meeting.session_id}/minutes`)));
      button.remove();
    } catch (error) {
      button.disabled = false;
      Q.status(`No minutes: ${error.message}`);
    }
  }

  async function loadMeetings() {
    const meetings = await Q.api("/meetings");
    section("meetings", meetings.length ? Q.el("ul", { class: "meetings" }, meetings.map((m) => {
      const row = Q.el("li", { "data-meeting": m.session_id },
        Q.el("strong", { text: m.title || "Meeting" }),
        Q.el("span", { class: "muted", text: ` · ${m.room_id} · ${Q.dateTime(m.started_at)}` }));
      if (m.minutes !== "none") {
        row.append(" ", Q.el("button", {
          type: "button", text: "Minutes", onclick: (e) => showMinutes(m, row, e.currentTarget),
        }));
      }
      return row;
    })) : Q.el("p", { text: "No meetings." }));
  }

  loadItems().catch((e) => Q.status(`Could not load your action items: ${e.message}`));
  loadMeetings().catch((e) => Q.status(`Could not load your meetings: ${e.message}`));
})();
