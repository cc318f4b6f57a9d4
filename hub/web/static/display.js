// Door display: one room, large. Free or busy now, what is on, what is next.
"use strict";

(() => {
  const roomId = Q.page.room;
  const REFRESH_MS = 30 * 1000;
  let room = null;
  let slots = [];

  function render() {
    if (!room) return;
    const now = new Date();
    const state = Tiles.stateOf(room, slots, now, room.device ? room.device.online : null);
    const current = Tiles.currentSlot(slots, now);
    const busy = state === "occupied" || (current && current.state !== "released");
    const door = document.getElementById("door");
    door.dataset.state = state;
    door.className = `door ${busy ? "busy" : "free"} st-${state}`;
    document.getElementById("door-room").textContent = room.name;
    let word = busy ? "Busy" : "Free";
    if (state === "offline") word = "Status unknown";
    document.getElementById("door-state").textContent = word;
    const now_line = document.getElementById("door-now");
    const count = Tiles.people(room.state);
    now_line.textContent = [Tiles.LABELS[state], count, current ? Tiles.bookingLine(slots, now) : ""]
      .filter(Boolean).join(" · ");
    const next = Tiles.nextSlot(slots, now);
    const title = (s) => (s.details_visible && s.title ? s.title : "Booked");
    document.getElementById("door-next").textContent = next
      ? `Next: ${title(next)}, ${Q.time(next.starts_at)}–${Q.time(next.ends_at)}`
      : "No more bookings today";
    document.getElementById("door-clock").textContent = Q.time(now.toISOString());
  }

  async function load() {
    [room, slots] = await Promise.all([
      Q.api(`/rooms/${roomId}`), Q.api(`/rooms/${roomId}/bookings`),
    ]);
    render();
  }

  function fail(error) {
    document.getElementById("door-state").textContent =
      error.status === 404 ? "No such room" : "Cannot reach the hub";
  }

  Q.stream({
    ready: () => load().catch(fail),
    space: (e) => {
      if (room && e.space_kind === "room" && e.space_id === roomId) {
        room.state = { ...room.state, ...e, stale: false };
        render();
      }
    },
    device: (e) => {
      if (room && e.room_id === roomId) { room.device = { ...room.device, online: e.online }; render(); }
    },
    resync: () => load().catch(fail),
  });
  setInterval(() => load().catch(fail), REFRESH_MS);
  setInterval(render, 10 * 1000);
})();
