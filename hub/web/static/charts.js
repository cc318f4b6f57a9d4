// Small inline SVG charts drawn here (no chart library): bars and a weekday × hour heatmap.
// Every mark has a <title> and a text value, so the figures are readable without colour.
"use strict";

const Charts = (() => {
  const NS = "http://www.w3.org/2000/svg";

  function svg(tag, attrs = {}, text) {
    const node = document.createElementNS(NS, tag);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  const pct = (v) => (v === null || v === undefined ? "no data" : `${Math.round(v * 100)} %`);

  // Horizontal bars, one per row: [{label, value (0..1 or null)}].
  function bars(rows, { title }) {
    const rowH = 26, labelW = 150, barW = 260, valueW = 70;
    const width = labelW + barW + valueW, height = Math.max(rowH, rows.length * rowH);
    const root = svg("svg", {
      viewBox: `0 0 ${width} ${height}`, width: "100%", role: "img", "aria-label": title,
      class: "bars",
    });
    rows.forEach((row, i) => {
      const y = i * rowH;
      const g = svg("g", { class: "bar" });
      g.append(svg("title", {}, `${row.label}: ${pct(row.value)}`));
      g.append(svg("text", { x: labelW - 8, y: y + 17, "text-anchor": "end" }, row.label));
      g.append(svg("rect", { x: labelW, y: y + 5, width: barW, height: rowH - 10, class: "track" }));
      const w = row.value ? Math.max(1, Math.min(1, row.value) * barW) : 0;
      g.append(svg("rect", { x: labelW, y: y + 5, width: w, height: rowH - 10, class: "fill" }));
      g.append(svg("text", { x: labelW + barW + 8, y: y + 17 }, pct(row.value)));
      root.append(g);
    });
    return root;
  }

  // weekdays × hours grid of shares (null: no data), darker = more used.
  function heatmap(map, { title }) {
    const cell = 22, left = 44, top = 22;
    const hours = map.hours, days = map.weekdays;
    const root = svg("svg", {
      viewBox: `0 0 ${left + hours.length * cell} ${top + days.length * cell}`,
      width: "100%", role: "img", "aria-label": title, class: "heatmap",
    });
    hours.forEach((h, x) => {
      if (h % 3 === 0) {
        root.append(svg("text", { x: left + x * cell + cell / 2, y: 14, "text-anchor": "middle" }, h));
      }
    });
    days.forEach((day, y) => {
      root.append(svg("text", { x: left - 6, y: top + y * cell + 15, "text-anchor": "end" }, day));
      hours.forEach((h, x) => {
        const v = map.occupied_share[y][x];
        const g = svg("g", {});
        g.append(svg("title", {}, `${day} ${String(h).padStart(2, "0")}:00 — ${pct(v)}`));
        g.append(svg("rect", {
          x: left + x * cell + 1, y: top + y * cell + 1, width: cell - 2, height: cell - 2,
          class: v === null ? "cell empty" : "cell",
          "fill-opacity": v === null ? 1 : (0.08 + 0.92 * Math.min(1, v)).toFixed(2),
          "data-value": v === null ? "" : v,
        }));
        root.append(g);
      });
    });
    return root;
  }

  return { bars, heatmap, pct };
})();
