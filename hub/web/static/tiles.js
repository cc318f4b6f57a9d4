// What a room or desk is now, from its live state, its terminal and today's bookings;
// shared by the floor view, the room page and the door display.
"use strict";

const Tiles = (() => {
  const SOON_MS = 15 * 60 * 1000;
  const LABELS = {
    free: "Free",
    occupied: "Occupied",
    booked: "Booked",
    "no-show": "No-show, released",
    released: "Released",
    offline: "Terminal offline",
    unknown: "No data yet",
  };

  const live = (slot) => slot.state !== "cancelled";

  function currentSlot(slots, now) {
    return slots.find((s) => live(s) && new Date(s.starts_at) <= now && now < new Date(s.ends_at))
      || null;
  }

  function nextSlot(slots, now) {
    return slots.find((s) => live(s) && s.state === "booked" && new Date(s.starts_at) > now)
      || null;
  }

  // One of the LABELS keys. A terminal that is offline makes the rest unknowable; people
  // seen there count before what the booking says.
  function stateOf(space, slots, now, online) {
    const st = space.state || {};
    if (online === false || st.stale) return "offline";
    if (st.occupied === true) return "occupied";
    const current = currentSlot(slots, now);
    if (current && current.state === "released") {
      return current.release_reason === "no_show" ? "no-show" : "released";
    }
    if (current && (current.state === "booked" || current.state === "checked_in")) return "booked";
    const next = nextSlot(slots, now);
    if (next && new Date(next.starts_at) - now < SOON_MS) return "booked";
    if (st.occupied === false) return "free";
    return "unknown";
  }

  function people(st) {
    if (!st || st.occupied !== true || st.band === null || st.band === undefined) return "";
    if (st.band_top !== null && st.band_top !== undefined && st.band >= st.band_top) {
      return `${st.band_top}+ people`;
    }
    return st.band === 1 ? "1 person" : `${st.band} people`;
  }

  function bookingLine(slots, now) {
    const current = currentSlot(slots, now);
    const title = (s) => (s.details_visible && s.title ? s.title : "Booked");
    if (current) {
      let what = `${title(current)} ${Q.time(current.starts_at)}–${Q.time(current.ends_at)}`;
      if (current.state === "checked_in") what += ", checked in";
      if (current.state === "released") {
        const why = current.release_reason === "no_show" ? "no-show" : current.release_reason;
        what += `, released ${Q.time(current.released_at)} (${why})`;
      }
      return what;
    }
    const next = nextSlot(slots, now);
    return next ? `Next: ${title(next)} at ${Q.time(next.starts_at)}` : "";
  }

  function detail(st) {
    if (!st) return "";
    const parts = [];
    if (st.probability !== null && st.probability !== undefined) {
      parts.push(`P(occupied) ${Math.round(st.probability * 100)} %`);
    }
    if (st.band_label) parts.push(`headcount band ${st.band_label}`);
    if (st.signals && st.signals.length) parts.push(`signals: ${st.signals.join(", ")}`);
    if (st.since) parts.push(`since ${Q.time(st.since)}`);
    return parts.join(" · ");
  }

  // A tile: name, state in words (never colour alone), headcount, booking, details on hover.
  function tile({ id, kind, name, href, space, slots, now, online }) {
    const state = stateOf(space, slots, now, online);
    const count = people(space.state);
    const info = detail(space.state);
    const label = LABELS[state] + (count ? ` · ${count}` : "");
    const heading = href ? Q.el("a", { href, text: name }) : Q.el("span", { text: name });
    return Q.el(
      "li",
      {
        class: `tile st-${state}`,
        "data-space": id,
        "data-kind": kind,
        "data-state": state,
        title: info || null,
      },
      Q.el("span", { class: "tile-name" }, heading),
      Q.el("span", { class: "tile-state", text: label }),
      Q.el("span", { class: "tile-booking", text: bookingLine(slots, now) }),
      info ? Q.el("span", { class: "tile-detail", text: info }) : null,
    );
  }

  return { tile, stateOf, currentSlot, nextSlot, people, detail, bookingLine, LABELS };
})();
