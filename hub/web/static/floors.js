// The floor view: every floor the caller may see, its rooms and desks as tiles, updated
// live from the event stream; bookings (check-ins, no-shows) are read again every 30 s.
"use strict";

(() => {
  const BOOKINGS_EVERY_MS = 30 * 1000;
  const view = { rooms: new Map(), desks: new Map(), slots: new Map(), loaded: false };

  async function loadSlots() {
    const jobs = [];
    for (const id of view.rooms.keys()) jobs.push(["room", id, `/rooms/${id}/bookings`]);
    for (const id of view.desks.keys()) jobs.push(["desk", id, `/desks/${id}/bookings`]);
    await Promise.all(jobs.map(async ([kind, id, path]) => {
      try {
        view.slots.set(`${kind}:${id}`, await Q.api(path));
      } catch (error) {
        if (error.status !== 404) throw error;
      }
    }));
  }

  async function loadAll() {
    const [rooms, desks] = await Promise.all([Q.api("/rooms"), Q.api("/desks")]);
    view.rooms = new Map(rooms.map((r) => [r.id, r]));
    view.desks = new Map(desks.map((d) => [d.id, d]));
    await loadSlots();
    view.loaded = true;
    render();
  }

  function online(roomId) {
    const room = view.rooms.get(roomId);
    return room && room.device ? room.device.online : null;
  }

  function roomTile(room, now) {
    return Tiles.tile({
      id: room.id, kind: "room", name: room.name, href: `/rooms/${room.id}`, space: room,
      slots: view.slots.get(`room:${room.id}`) || [], now, online: online(room.id),
    });
  }

  function deskTile(desk, now) {
    return Tiles.tile({
      id: desk.id, kind: "desk", name: desk.name, href: null, space: desk,
      slots: view.slots.get(`desk:${desk.id}`) || [], now, online: online(desk.room.id),
    });
  }

  function render() {
    const now = new Date();
    const floors = new Map();
    for (const room of view.rooms.values()) {
      const key = room.floor.id;
      if (!floors.has(key)) floors.set(key, { floor: room.floor, building: room.building, rooms: [] });
      floors.get(key).rooms.push(room);
    }
    const ordered = [...floors.values()].sort((a, b) =>
      a.building.name.localeCompare(b.building.name) || a.floor.level - b.floor.level);
    const sections = ordered.map(({ floor, building, rooms }) => {
      rooms.sort((a, b) => a.name.localeCompare(b.name));
      const meetingRooms = rooms.filter((r) => r.kind !== "desk_area");
      const deskAreas = rooms.filter((r) => r.kind === "desk_area");
      return Q.el(
        "section", { class: "floor", "aria-labelledby": `floor-${floor.id}` },
        Q.el("h2", { id: `floor-${floor.id}`, text: `${floor.name} · ${building.name}` }),
        Q.el("ul", { class: "tiles" }, meetingRooms.map((r) => roomTile(r, now))),
        deskAreas.map((area) => {
          const desks = [...view.desks.values()]
            .filter((d) => d.room.id === area.id)
            .sort((a, b) => a.name.localeCompare(b.name));
          return Q.el(
            "div", { class: "desk-area" },
            Q.el("h3", {}, Q.el("a", { href: `/rooms/${area.id}`, text: area.name }),
              online(area.id) === false ? " (terminal offline)" : ""),
            Q.el("ul", { class: "tiles desks" }, desks.map((d) => deskTile(d, now))),
          );
        }),
      );
    });
    const root = document.getElementById("floors");
    root.replaceChildren(...(sections.length ? sections
      : [Q.el("p", { text: "No rooms to show: your account sees no spaces." })]));
    root.setAttribute("aria-busy", "false");
  }

  // A space event carries the new live state (and the fused estimate, when there is one).
  function onSpace(event) {
    const map = event.space_kind === "desk" ? view.desks : view.rooms;
    const space = map.get(event.space_id);
    if (!space) return;
    const fields = ["occupied", "since", "probability", "band", "band_top", "band_label",
      "band_confidence", "signals", "estimated_at"];
    const state = { ...(space.state || {}), stale: false };
    for (const key of fields) if (key in event) state[key] = event[key];
    space.state = state;
    render();
  }

  function onDevice(event) {
    const room = view.rooms.get(event.room_id);
    if (!room) return;
    room.device = { ...(room.device || {}), id: event.device_id, online: event.online };
    render();
  }

  const live = document.getElementById("live");
  Q.stream({
    ready: () => { live.textContent = "Live"; loadAll().catch(showError); },
    space: (e) => { if (view.loaded) onSpace(e); },
    device: (e) => { if (view.loaded) onDevice(e); },
    resync: () => loadAll().catch(showError),
    error: () => { live.textContent = "Reconnecting…"; },
  });
  setInterval(() => {
    if (view.loaded) loadSlots().then(render).catch(showError);
  }, BOOKINGS_EVERY_MS);

  function showError(error) {
    Q.status(`Could not load the floors: ${error.message}`);
  }
})();
