/* Kiosk, reservations (issue 15): a booked visitor checks in by the booking QR at the reader, or types the
 * code (or the notice number). Additive to kiosk.js: it brings its own button, form and result panel, and
 * hears the scanner's check-ins as `reservation_checked_in` events. */
"use strict";

(() => {
  const S = Station;
  const words = document.getElementById("kiosk-resv-words");
  const kiosk = document.getElementById("kiosk");
  if (!words || !kiosk) return;
  const W = JSON.parse(words.textContent);
  const w = (k) => W["reservations.kiosk." + k] || k;
  const RETURN_MS = 10000;
  let timer = null;

  const open = S.h("button", { type: "button", class: "kiosk-resv-open", id: "resv-open" }, w("button"));
  const input = S.h("input", { id: "resv-code", name: "code", maxlength: "40", autocomplete: "off",
    autocapitalize: "characters", spellcheck: "false" });
  const form = S.h("form", { class: "kiosk-resv", id: "resv-form", hidden: true },
    S.h("p", { class: "kiosk-resv-prompt" }, w("prompt")),
    S.h("label", { for: "resv-code" }, w("code_label")), input,
    S.h("div", { class: "kiosk-resv-actions" },
      S.h("button", { type: "submit", class: "kiosk-resv-submit" }, w("submit")),
      S.h("button", { type: "button", class: "kiosk-back", id: "resv-back" }, w("back"))));
  const result = S.h("section", { class: "kiosk-resv", id: "resv-result", hidden: true, role: "status" },
    S.h("p", { class: "kiosk-resv-badge", id: "resv-badge", hidden: true }, w("reserved")),
    S.h("p", { class: "issued-label", id: "resv-label" }, w("your_number")),
    S.h("p", { class: "issued-number", id: "resv-number" }),
    S.h("p", { class: "kiosk-resv-message", id: "resv-message" }),
    S.h("button", { type: "button", class: "kiosk-back", id: "resv-done" }, w("back")));
  const start = document.getElementById("screen-start");
  if (start) start.append(open);
  kiosk.append(form, result);
  const css = S.h("link", { rel: "stylesheet", href: "/static/css/kiosk_reserved.css" });
  document.head.append(css);

  /** The form and the result are overlays above kiosk.js's screens, which go on living underneath. */
  function screens(show) {
    form.hidden = show !== form;
    result.hidden = show !== result;
    clearTimeout(timer);
    if (show === result) timer = setTimeout(() => screens(null), RETURN_MS);
    if (show === form) timer = setTimeout(() => screens(null), RETURN_MS * 3);
  }

  function showResult(d) {
    document.getElementById("resv-badge").hidden = !d.priority;
    document.getElementById("resv-label").hidden = !d.number;
    document.getElementById("resv-number").textContent = d.number || "";
    document.getElementById("resv-message").textContent = S.LANG === "en" ? d.message_en : d.message_ja;
    screens(result);
  }

  open.addEventListener("click", () => { input.value = ""; screens(form); input.focus(); });
  document.getElementById("resv-back").addEventListener("click", () => screens(null));
  document.getElementById("resv-done").addEventListener("click", () => screens(null));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const { data } = await S.api("POST", "/api/reservations/check-in", { code: input.value.trim() });
      showResult(data);
    } catch (e) {
      showResult({ priority: false, number: "", message_ja: e.message, message_en: e.message });
    }
  });
  // Only this daemon's reader: with one PostgreSQL, every daemon's events reach every kiosk of the office.
  let mine = null;
  S.api("GET", "/api/health").then(({ data }) => { mine = data.counter_id; }).catch(() => {});
  S.live({ reservation_checked_in: (d) => { if (mine === null || d.counter_id === mine) showResult(d); } }, () => {});
})();
