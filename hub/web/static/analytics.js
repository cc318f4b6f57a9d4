// Analytics: utilization per room and per day (/utilization) and the weekday × hour
// heatmap (/analytics/heatmap), drawn by charts.js.
"use strict";

(() => {
  const DAY_MS = 24 * 3600 * 1000;

  function fill(id, node) {
    const figure = document.getElementById(id);
    figure.replaceChildren(node);
    figure.setAttribute("aria-busy", "false");
  }

  function message(text) {
    return Q.el("p", { class: "muted", text });
  }

  async function load() {
    const days = Number(document.getElementById("days").value);
    const end = new Date();
    const start = new Date(end - days * DAY_MS);
    const range = `start=${encodeURIComponent(start.toISOString())}&end=${encodeURIComponent(end.toISOString())}`;
    const localDate = (d) => d.toLocaleDateString("en-CA");
    const dates = `from=${localDate(start)}&to=${localDate(new Date(+end + DAY_MS))}`;
    const [byRoom, byDay, heat] = await Promise.all([
      Q.api(`/utilization?group_by=room&${range}`),
      Q.api(`/utilization?group_by=day&${range}`),
      Q.api(`/analytics/heatmap?kind=room&${dates}`),
    ]);
    const rooms = byRoom.rows.map((r) => ({ label: r.label, value: r.utilization }));
    fill("by-room", rooms.length ? Charts.bars(rooms, { title: "Utilization by room" })
      : message("No rooms in this period."));
    const perDay = byDay.rows.map((r) => ({ label: r.date || r.label, value: r.utilization }));
    fill("by-day", perDay.length ? Charts.bars(perDay, { title: "Utilization by day" })
      : message("No days in this period."));
    fill("heatmap", heat.as_of === null
      ? message("No figures yet: the analytics rollups have not run.")
      : Charts.heatmap(heat.heatmap, { title: "Share of time occupied by weekday and hour" }));
  }

  function fail(error) {
    Q.status(`Could not load the analytics: ${error.message}`);
  }

  document.getElementById("days").addEventListener("change", () => load().catch(fail));
  load().catch(fail);
})();
