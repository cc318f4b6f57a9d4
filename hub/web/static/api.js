// Shared by every page: calls to the hub's REST API with the session cookie, the CSRF
// header on changes, a small DOM builder, time formatting and the live event stream.
"use strict";

const Q = (() => {
  class ApiError extends Error {
    constructor(status, detail) {
      super(`${status}: ${detail}`);
      this.status = status;
      this.detail = detail;
    }
  }

  function cookie(name) {
    for (const part of document.cookie.split(";")) {
      const [key, ...rest] = part.trim().split("=");
      if (key === name) return decodeURIComponent(rest.join("="));
    }
    return "";
  }

  function toLogin() {
    const here = location.pathname + location.search;
    location.assign("/login?next=" + encodeURIComponent(here));
  }

  async function api(path, options = {}) {
    const method = options.method || "GET";
    const headers = { Accept: "application/json" };
    const init = { method, headers, credentials: "same-origin" };
    if (options.body !== undefined) {
      init.body = JSON.stringify(options.body);
      headers["Content-Type"] = "application/json";
    }
    // Double submit: the API refuses a change made by cookie without this header.
    if (method !== "GET") headers["X-Quorum-CSRF"] = cookie("quorum_csrf");
    const response = await fetch("/api/v1" + path, init);
    if (response.status === 401) {
      toLogin();
      throw new ApiError(401, "signed out");
    }
    if (!response.ok) {
      let detail = response.statusText;
      try {
        const body = await response.json();
        detail = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
      } catch (_) { /* not JSON */ }
      throw new ApiError(response.status, detail);
    }
    return response.json();
  }

  // el("p", {class: "x", text: "hi"}, child, ...): attributes, then children (nodes or text).
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function time(iso) {
    if (!iso) return "";
    return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function dateTime(iso) {
    if (!iso) return "";
    return new Date(iso).toLocaleString([], {
      weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
    });
  }

  function status(text) {
    const node = document.getElementById("status");
    if (node) node.textContent = text;
  }

  // The live stream: handlers.ready() after subscribing (read the state then), then
  // handlers[event type](data). The browser reconnects by itself after a network error.
  function stream(handlers) {
    const source = new EventSource("/api/v1/stream");
    for (const type of ["ready", "space", "device", "resync", "alert"]) {
      source.addEventListener(type, (event) => {
        const handler = handlers[type];
        if (handler) handler(JSON.parse(event.data || "{}"));
      });
    }
    source.addEventListener("unauthorized", () => { source.close(); toLogin(); });
    source.onerror = () => { if (handlers.error) handlers.error(); };
    source.onopen = () => { if (handlers.open) handlers.open(); };
    return source;
  }

  const body = document.body.dataset;
  return { api, ApiError, el, time, dateTime, status, stream, cookie, page: body };
})();
