/* apiFetch(url, opts): fetch for the logged-in screens (clerk panel, admin, audit).
 *
 * - adds the session's CSRF token (from <meta name="csrf-token">) as X-CSRF-Token on every
 *   state-changing request (POST, PUT, PATCH, DELETE), and sends cookies (same origin only);
 * - on 401 (not logged in, session expired) goes to /login?next=<this page> and never resolves;
 * - otherwise resolves to the Response, exactly as fetch() does.
 * A classic script (no build step, like the other screens): it sets window.apiFetch and
 * window.StationAuth = { apiFetch, csrfToken, logout }.
 */
"use strict";

(() => {
  const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return (meta && meta.getAttribute("content")) || "";
  }

  function toLogin() {
    const here = location.pathname + location.search;
    location.assign("/login?next=" + encodeURIComponent(here));
  }

  async function apiFetch(url, opts) {
    const o = Object.assign({ credentials: "same-origin" }, opts || {});
    const method = (o.method || "GET").toUpperCase();
    const headers = new Headers(o.headers || {});
    if (UNSAFE.has(method) && !headers.has("X-CSRF-Token")) {
      const token = csrfToken();
      if (token) headers.set("X-CSRF-Token", token);
    }
    o.headers = headers;
    const res = await fetch(url, o);
    if (res.status === 401 && !String(url).startsWith("/api/auth/login")) {
      toLogin();
      return new Promise(() => {});  // the page is leaving
    }
    return res;
  }

  async function logout(next) {
    await apiFetch("/api/auth/logout", { method: "POST" });
    location.assign("/login" + (next ? "?next=" + encodeURIComponent(next) : ""));
  }

  window.apiFetch = apiFetch;
  window.StationAuth = { apiFetch, csrfToken, logout };
})();
