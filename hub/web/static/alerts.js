// Alerts: GET /api/v1/alerts, refreshed on the stream's `alert` events and every minute.
// A hub without the alerts API says so instead of failing.
"use strict";

(() => {
  const box = document.getElementById("alerts");
  const showResolved = document.getElementById("show-resolved");
  let alerts = [];

  function render() {
    const shown = alerts.filter((a) => showResolved.checked || !a.resolved_at);
    box.setAttribute("aria-busy", "false");
    if (!shown.length) {
      box.replaceChildren(Q.el("p", { id: "no-alerts", text: "No open alerts." }));
      return;
    }
    box.replaceChildren(Q.el("ul", { class: "alerts" }, shown.map((a) => Q.el(
      "li", { class: `alert sev-${a.severity}`, "data-alert": a.id, "data-rule": a.rule },
      Q.el("p", {}, Q.el("strong", { class: "severity", text: a.severity.toUpperCase() }), " ",
        Q.el("span", { text: a.message })),
      Q.el("p", { class: "muted", text:
        `${a.rule} · ${a.subject_kind} ${a.subject_id} · opened ${Q.dateTime(a.opened_at)}` +
        ` · last seen ${Q.dateTime(a.last_seen_at)}` +
        (a.resolved_at ? ` · resolved ${Q.dateTime(a.resolved_at)}` : "") }),
    ))));
  }

  async function load() {
    try {
      const answer = await Q.api("/alerts?state=all&limit=500");
      alerts = Array.isArray(answer) ? answer : answer.items || [];
      render();
    } catch (error) {
      box.setAttribute("aria-busy", "false");
      if (error.status === 404 || error.status === 405) {
        box.replaceChildren(Q.el("p", { id: "alerts-unavailable",
          text: "Alerts unavailable: this hub has no alerts API." }));
      } else {
        box.replaceChildren(Q.el("p", { id: "alerts-unavailable",
          text: `Alerts unavailable: ${error.message}` }));
      }
    }
  }

  showResolved.addEventListener("change", render);
  Q.stream({ ready: load, alert: load, resync: load });
  setInterval(load, 60 * 1000);
})();
