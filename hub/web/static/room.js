// A room's page: its state now, today's bookings and, for each, the hub's check-in and
// release decisions with their explanations.
"use strict";

(() => {
  const roomId = Q.page.room;
  const REFRESH_MS = 30 * 1000;
  let room = null;

  function renderState(slots) {
    const now = new Date();
    const box = document.getElementById("room-state");
    box.replaceChildren(Q.el("ul", { class: "tiles" }, Tiles.tile({
      id: room.id, kind: "room", name: room.name, href: null, space: room, slots, now,
      online: room.device ? room.device.online : null,
    })));
  }

  async function decisionsOf(bookingId) {
    try {
      return await Q.api(`/bookings/${encodeURIComponent(bookingId)}/decisions`);
    } catch (error) {
      if (error.status === 404 || error.status === 403) return null;
      throw error;
    }
  }

  function decisionList(decisions) {
    if (decisions === null) return Q.el("p", { class: "muted", text: "History not visible to you." });
    if (!decisions.length) return Q.el("p", { class: "muted", text: "No decisions yet." });
    return Q.el("ol", { class: "decisions" }, decisions.map((d) => Q.el(
      "li", { "data-kind": d.kind },
      Q.el("time", { datetime: d.effective_at, text: Q.time(d.effective_at) }), " ",
      Q.el("strong", { text: d.kind.replaceAll("_", " ") }), ` (${d.actor}): `,
      Q.el("span", { class: "explanation", text: d.explanation }),
    )));
  }

  async function load() {
    room = await Q.api(`/rooms/${roomId}`);
    document.getElementById("room-name").textContent = room.name;
    document.title = `${room.name} · Quorum`;
    const slots = await Q.api(`/rooms/${roomId}/bookings?include_cancelled=true`);
    renderState(slots);
    const history = new Map();
    await Promise.all([...new Set(slots.map((s) => s.booking_id))].map(async (id) => {
      history.set(id, await decisionsOf(id));
    }));
    const list = document.getElementById("bookings");
    list.replaceChildren(slots.length ? Q.el("ul", { class: "bookings" }, slots.map((s) => {
      const decisions = (history.get(s.booking_id) || [])
        .filter((d) => d.occurrence_id === null || d.occurrence_id === s.id);
      const state = s.state === "released" ? `released (${s.release_reason})` : s.state.replace("_", " ");
      return Q.el(
        "li", { class: "booking", "data-occurrence": s.id, "data-state": s.state },
        Q.el("h3", {}, `${Q.time(s.starts_at)}–${Q.time(s.ends_at)} `,
          s.details_visible && s.title ? s.title : "Booked"),
        Q.el("p", { class: "booking-state", text: `State: ${state}` +
          (s.checked_in_at ? `; checked in ${Q.time(s.checked_in_at)} (${s.check_in_method})` : "") +
          (s.released_at ? `; released ${Q.time(s.released_at)}` : "") }),
        decisionList(history.get(s.booking_id) === null ? null : decisions),
      );
    })) : Q.el("p", { text: "No bookings today." }));
    list.setAttribute("aria-busy", "false");
  }

  function fail(error) {
    if (error.status === 404) {
      document.getElementById("room-name").textContent = "Room not found";
      document.getElementById("bookings").replaceChildren(
        Q.el("p", { text: "No such room, or it is not one you may see." }));
    } else {
      Q.status(`Could not load the room: ${error.message}`);
    }
  }

  Q.stream({
    ready: () => load().catch(fail),
    space: (e) => {
      if (room && e.space_kind === "room" && e.space_id === roomId) load().catch(fail);
    },
    device: (e) => { if (room && e.room_id === roomId) load().catch(fail); },
    resync: () => load().catch(fail),
  });
  setInterval(() => { if (room) load().catch(fail); }, REFRESH_MS);
})();
