/* Shared by every screen: the language table, JSON calls, live events with reconnect, server time.
 * No framework and no build step: the office LAN has no internet and the screens run all day. */
"use strict";

const Station = (() => {
  const T = JSON.parse(document.getElementById("i18n").textContent);
  const LANG = window.LANG || "ja";

  /** Fill "{n}"-style placeholders of a language string. */
  function t(key, vars) {
    let s = T[key] !== undefined ? T[key] : key;
    if (vars) for (const [k, v] of Object.entries(vars)) s = s.split("{" + k + "}").join(String(v));
    return s;
  }

  /** A service error, carrying the message the API wrote for people. */
  class ApiError extends Error {
    constructor(status, detail) {
      const own = detail && (LANG === "en" ? detail.message_en : detail.message_ja);
      super(own || t("api_unreachable"));
      this.status = status;
      this.detail = detail || {};
    }
  }

  /** JSON request; resolves to {status, data} (data null for 204), rejects with ApiError. */
  async function api(method, path, body) {
    const opts = { method, headers: { Accept: "application/json" }, cache: "no-store", credentials: "same-origin" };
    if (method !== "GET") {
      // The session's CSRF token (logged-in screens); the kiosk and display have none and need none.
      const meta = document.querySelector('meta[name="csrf-token"]');
      const token = meta && meta.getAttribute("content");
      if (token) opts.headers["X-CSRF-Token"] = token;
    }
    if (body instanceof FormData) {
      opts.body = body;  // a file upload: the browser writes the multipart boundary itself
    } else if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, opts);
    } catch (e) {
      throw new ApiError(0, null);
    }
    let data = null;
    if (res.status !== 204) {
      try { data = await res.json(); } catch (e) { data = null; }
    }
    if (res.status === 401 && !path.startsWith("/api/auth/")) {
      // Not logged in, or the session expired: log in and come back here.
      location.assign("/login?next=" + encodeURIComponent(location.pathname + location.search));
      return new Promise(() => {});
    }
    if (!res.ok) throw new ApiError(res.status, data && data.detail);
    return { status: res.status, data };
  }

  /** Log out, then go to the login page (coming back to `next` after the next login). */
  async function logout(next) {
    await api("POST", "/api/auth/logout").catch(() => {});
    location.assign("/login" + (next ? "?next=" + encodeURIComponent(next) : ""));
  }

  /** Build an element: h("div", {class: "x"}, "text", child). Text is never parsed as HTML. */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") el.className = v;
      else if (k === "dataset") Object.assign(el.dataset, v);
      else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  /** Server time: the daemon's clock may be simulated, so elapsed times follow it, not the PC's. */
  let offsetMs = 0;
  let synced = false;
  let clockTick = null;
  function syncClock(serverIso) {
    const s = Date.parse(serverIso);
    if (Number.isNaN(s)) return;
    offsetMs = s - Date.now();
    synced = true;
    if (clockTick) clockTick();
  }
  function now() { return new Date(Date.now() + offsetMs); }

  const tokyo = new Intl.DateTimeFormat("ja-JP", {
    timeZone: "Asia/Tokyo", hour: "2-digit", minute: "2-digit", hour12: false,
  });
  const tokyoDate = new Intl.DateTimeFormat(LANG === "en" ? "en-GB" : "ja-JP", {
    timeZone: "Asia/Tokyo", month: LANG === "en" ? "short" : "long", day: "numeric", weekday: "short",
  });
  function hhmm(d) { return tokyo.format(d); }
  function dateLabel(d) { return tokyoDate.format(d); }

  /** Keep the header clock on the daemon's time (once a second; cheap). */
  function startClock() {
    const el = document.getElementById("clock");
    if (!el) return;
    // Blank until the daemon has told us its time: a simulated clock must never flash the PC's time.
    const tick = () => { if (synced) { const d = now(); el.textContent = dateLabel(d) + " " + hhmm(d); } };
    clockTick = tick;
    tick();
    setInterval(tick, 1000);
  }

  /**
   * Live events. The browser's EventSource reconnects by itself on a dropped stream, but gives up for
   * good on some failures (readyState CLOSED), so we reopen it ourselves with a bounded backoff.
   * `onReady` runs after every (re)connection, when the daemon's `hello` arrives: screens refetch
   * their state there, because events sent while we were away may be gone (daemon restarted).
   */
  function live(handlers, onReady) {
    const banner = document.getElementById("reconnect");
    let es = null;
    let retryTimer = null;
    let delay = 1000;
    let downSince = null;
    const setDown = (down) => {
      if (banner) banner.hidden = !down;
      document.body.classList.toggle("is-offline", down);
      if (down && downSince === null) downSince = Date.now();
      if (!down) downSince = null;
    };
    // Resume after the last event seen: at first from the page's render (meta event-seq), later from the
    // last id received, so events between render and connect, or during a reconnect, are not missed.
    const meta = document.querySelector('meta[name="event-seq"]');
    let lastSeq = meta && /^\d+$/.test(meta.content) ? meta.content : null;
    const open = () => {
      retryTimer = null;
      es = new EventSource(lastSeq === null ? "/api/events" : "/api/events?since=" + lastSeq);
      es.addEventListener("hello", () => {
        delay = 1000;
        setDown(false);
        if (onReady) onReady();
      });
      for (const [name, fn] of Object.entries(handlers)) {
        es.addEventListener(name, (ev) => {
          if (ev.lastEventId) lastSeq = ev.lastEventId;
          let data = {};
          try { data = JSON.parse(ev.data); } catch (e) { return; }
          try { fn(data); } catch (e) { console.error(name, e); }
        });
      }
      es.onerror = () => {
        setDown(true);
        if (es.readyState === EventSource.CLOSED && retryTimer === null) {
          es.close();
          retryTimer = setTimeout(open, delay);
          delay = Math.min(delay * 2, 5000);
        }
      };
    };
    open();
    // A stream can also die silently (sleeping laptop, proxy): reopen if it stays down too long.
    setInterval(() => {
      if (downSince !== null && Date.now() - downSince > 10000 && retryTimer === null) {
        es.close();
        downSince = Date.now();
        open();
      }
    }, 5000);
  }

  /** Coalesce bursts of events into one refetch. */
  function debounce(fn, ms) {
    let timer = null;
    return (...args) => {
      clearTimeout(timer);
      timer = setTimeout(() => fn(...args), ms);
    };
  }

  function catName(c) { return LANG === "en" ? c.name_en : c.name_ja; }
  function catDesc(c) { return LANG === "en" ? c.description_en : c.description_ja; }
  function stateLabel(state) { return t("state_" + state); }

  // The header menu's logout (web/templates/_topbar.html), on every page that shows the menu (issue 12).
  const navLogout = document.getElementById("nav-logout");
  if (navLogout) navLogout.addEventListener("click", () => logout());

  return { T, LANG, t, api, ApiError, logout, h, syncClock, now, hhmm, startClock, live, debounce,
           catName, catDesc, stateLabel };
})();
