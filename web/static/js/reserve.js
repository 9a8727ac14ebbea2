/* The resident's booking pages (book, manage, what to bring): one script, three modes, no framework.
 * Everything shown comes from the JSON API; nothing personal is kept in the page beyond what was typed. */
"use strict";

(() => {
  const S = Station;
  const W = JSON.parse(document.getElementById("r-words").textContent);
  const $ = (id) => document.getElementById(id);
  const w = (key, vars) => {
    let s = W["reservations.page." + key] || key;
    if (vars) for (const [k, v] of Object.entries(vars)) s = s.split("{" + k + "}").join(String(v));
    return s;
  };
  const mode = $("reserve").dataset.mode;
  const state = { category: null, needsNotice: true, day: null, slot: null, booking: null, birth: null, code: null };

  function showError(err) {
    const box = $("r-error");
    box.textContent = err ? err.message : "";
    box.hidden = !err;
    if (err) box.scrollIntoView({ block: "center" });
  }

  function choice(label, sub, pressed, onClick, disabled) {
    const b = S.h("button", { type: "button", class: "r-choice", "aria-pressed": pressed ? "true" : "false" },
      label, sub ? S.h("small", {}, sub) : "");
    if (disabled) b.disabled = true;
    b.addEventListener("click", onClick);
    return b;
  }

  function press(container, btn) {
    for (const b of container.querySelectorAll(".r-choice")) b.setAttribute("aria-pressed", b === btn ? "true" : "false");
  }

  function renderChecklist(items) {
    const ul = $("r-checklist-items");
    ul.replaceChildren(...items.map((i) => S.h("li", {}, S.LANG === "en" ? i.en : i.ja)));
    $("r-checklist").hidden = items.length === 0;
  }

  async function loadCategories() {
    const { data } = await S.api("GET", "/api/reservations/categories");
    const box = $("r-categories");
    box.replaceChildren(...data.map((c, i) => {
      const b = choice(S.LANG === "en" ? c.name_en : c.name_ja, "", i === 0, () => {
        press(box, b); pickCategory(c);
      });
      return b;
    }));
    if (data.length) pickCategory(data[0]);
  }

  function pickCategory(c) {
    state.category = c.code;
    state.needsNotice = c.needs_notice;
    $("r-notice-field").hidden = !c.needs_notice;
  }

  async function loadDays() {
    const { data } = await S.api("GET", `/api/reservations/days?category=${encodeURIComponent(state.category)}`);
    const box = $("r-days");
    if (!data.length) { box.replaceChildren(S.h("p", {}, w("no_slots"))); return; }
    box.replaceChildren(...data.map((d) => {
      const b = choice(d.label_ja, d.free > 0 ? w("free", { n: d.free }) : w("full"), false, () => {
        press(box, b); state.day = d.day; loadSlots();
      }, d.free <= 0);
      b.dataset.day = d.day;
      return b;
    }));
    $("r-slots").replaceChildren();
  }

  async function loadSlots() {
    const q = `category=${encodeURIComponent(state.category)}&day=${encodeURIComponent(state.day)}`;
    const { data } = await S.api("GET", `/api/reservations/slots?${q}`);
    const box = $("r-slots");
    state.slot = null;
    box.replaceChildren(...data.slots.map((s) => {
      const b = choice(s.slot, s.free > 0 ? w("free", { n: s.free }) : w("full"), false, () => {
        press(box, b); state.slot = s.slot;
      }, s.free <= 0);
      b.dataset.slot = s.slot;
      return b;
    }));
  }

  function renderBooking(b, manage) {
    state.booking = b;
    $("r-done-code").textContent = b.code;
    $("r-done-when").textContent = `${b.day_label_ja} ${b.slot}〜 ${b.category_name_ja}`;
    $("r-qr").src = `/reserve/qr/${encodeURIComponent(b.code)}.png`;
    $("r-qr").alt = b.code;
    const until = new Intl.DateTimeFormat(S.LANG === "en" ? "en-GB" : "ja-JP", { timeZone: "Asia/Tokyo",
      month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" }).format(new Date(b.change_until));
    $("r-done-until").textContent = w("change_until", { until });
    $("r-done-title").textContent = b.state === "cancelled" ? w("cancelled") : manage ? w("manage") : w("done");
    $("r-manage-actions").hidden = !manage || b.state !== "booked";
    $("r-done").hidden = false;
    if (b.checklist && b.checklist.length) renderChecklist(b.checklist);
    $("r-done").scrollIntoView({ block: "start" });
  }

  async function onWho(ev) {
    ev.preventDefault();
    showError(null);
    state.birth = $("r-birth").value;
    try {
      if (mode === "checklist" || state.needsNotice) {
        const { data } = await S.api("POST", "/api/reservations/identify",
          { notice: $("r-notice").value.trim(), birth_date: state.birth });
        renderChecklist(data.checklist);
      }
      if (mode === "book") {
        await loadDays();
        $("r-when").hidden = false;
        $("r-when").scrollIntoView({ block: "start" });
      }
    } catch (e) { showError(e); }
  }

  async function onWhen(ev) {
    ev.preventDefault();
    showError(null);
    if (!state.day || !state.slot) { showError(new Error(w("choose_slot"))); return; }
    try {
      if (mode === "manage") {
        const { data } = await S.api("POST", "/api/reservations/change",
          { code: state.code, birth_date: state.birth, day: state.day, slot: state.slot });
        $("r-when").hidden = true;
        renderBooking(data, true);
        return;
      }
      const body = { category: state.category, day: state.day, slot: state.slot, birth_date: state.birth,
        notice: state.needsNotice ? $("r-notice").value.trim() : null, email: $("r-email").value.trim() || null,
        checklist_seen: !$("r-checklist").hidden };
      const { data } = await S.api("POST", "/api/reservations", body);
      $("r-who").hidden = true;
      $("r-when").hidden = true;
      renderBooking(data, false);
    } catch (e) { showError(e); if (e.status === 409 && state.day) loadSlots().catch(() => {}); }
  }

  async function onFind(ev) {
    ev.preventDefault();
    showError(null);
    state.code = $("r-code").value.trim();
    state.birth = $("r-birth").value;
    try {
      const { data } = await S.api("POST", "/api/reservations/lookup", { code: state.code, birth_date: state.birth });
      state.category = data.category;
      renderBooking(data, true);
    } catch (e) { showError(e); }
  }

  async function onCancel() {
    if (!window.confirm(w("cancel_confirm"))) return;
    showError(null);
    try {
      const { data } = await S.api("POST", "/api/reservations/cancel", { code: state.code, birth_date: state.birth });
      renderBooking(data, true);
    } catch (e) { showError(e); }
  }

  async function onChange() {
    showError(null);
    try {
      await loadDays();
      $("r-when").hidden = false;
      $("r-when").scrollIntoView({ block: "start" });
    } catch (e) { showError(e); }
  }

  if ($("r-who")) $("r-who").addEventListener("submit", onWho);
  if ($("r-find")) $("r-find").addEventListener("submit", onFind);
  $("r-when").addEventListener("submit", onWhen);
  $("r-print").addEventListener("click", () => window.print());
  $("r-cancel").addEventListener("click", onCancel);
  $("r-change").addEventListener("click", onChange);
  (mode === "book" ? loadCategories() : Promise.resolve())
    .catch(showError)
    .finally(() => { document.body.dataset.ready = "1"; });
})();
