/* Kiosk: one touch gives a number. It must never leave a visitor unsure whether they have one. */
"use strict";

(() => {
  const S = Station;
  const { t } = S;
  const $ = (id) => document.getElementById(id);
  const RETURN_MS = 8000;         // back to the start screen by itself
  const RETURN_FAULT_MS = 20000;  // longer when the visitor must write the number down

  let categories = [];
  let printerDown = false;
  let issued = null;       // the ticket on screen
  let returnTimer = null;
  let busy = false;
  // A failed print can be announced before the POST that issued the ticket has answered;
  // remember recent failures so the number is still flagged when the answer arrives.
  const failedPrints = new Set();

  function show(name) {
    for (const id of ["screen-start", "screen-closed", "screen-issued"]) $(id).hidden = id !== "screen-" + name;
    document.body.dataset.screen = name;
  }

  function renderCategories() {
    if (issued) return;  // never pull the number away from a visitor to redraw buttons
    const accepting = categories.filter((c) => c.accepting);
    if (categories.length && accepting.length === 0) {
      const c = categories[0];
      $("closed-message").textContent = S.LANG === "en" ? c.message_en : c.message_ja;
      show("closed");
      return;
    }
    for (const c of categories) {
      const btn = document.querySelector(`.cat-btn[data-cat="${CSS.escape(c.code)}"]`);
      if (!btn) continue;
      btn.disabled = !c.accepting;
      btn.querySelector('[data-f="waiting"]').textContent = c.accepting
        ? t("waiting_n", { n: c.waiting }) : t("kiosk_paused_cat");
      btn.querySelector('[data-f="estimate"]').textContent = c.accepting
        ? t("about_min", { n: c.estimated_wait_min }) : "";
    }
    show("start");
  }

  async function refresh() {
    try {
      const [cats, health] = await Promise.all([S.api("GET", "/api/categories"), S.api("GET", "/api/health")]);
      S.syncClock(health.data.now);
      categories = cats.data;
      const p = (health.data.devices || {}).printer;
      printerDown = !!p && p.health === "down";
      renderCategories();
      document.body.dataset.ready = "1";
    } catch (e) {
      /* keep the last screen; the reconnect banner says what is happening */
    }
  }
  const refreshSoon = S.debounce(refresh, 200);

  function showFault() {
    $("issued-fault").hidden = false;
    $("issued-ok").hidden = true;
    $("screen-issued").classList.add("fault");
    scheduleReturn(RETURN_FAULT_MS);
  }

  function scheduleReturn(ms) {
    clearTimeout(returnTimer);
    returnTimer = setTimeout(backToStart, ms);
  }

  function backToStart() {
    clearTimeout(returnTimer);
    issued = null;
    $("kiosk-error").textContent = "";
    renderCategories();
    refresh();
  }

  async function issue(code) {
    if (busy) return;
    busy = true;
    $("kiosk-error").textContent = "";
    for (const b of document.querySelectorAll(".cat-btn")) b.classList.toggle("pressed", b.dataset.cat === code);
    try {
      const { data } = await S.api("POST", "/api/tickets", { category: code });
      issued = data;
      $("issued-number").textContent = data.number;
      $("issued-category").textContent = S.LANG === "en" ? data.category_name_en : data.category_name_ja;
      $("issued-ahead").textContent = t("kiosk_ahead", { n: data.waiting_ahead, m: data.estimated_wait_min });
      $("issued-fault").hidden = true;
      $("issued-ok").hidden = false;
      $("screen-issued").classList.remove("fault");
      show("issued");
      scheduleReturn(RETURN_MS);
      if (printerDown || data.printed === false || failedPrints.has(data.id)) showFault();
      $("back").focus();
    } catch (e) {
      if (e.status === 409) await refresh();  // closed meanwhile: the closed screen explains
      $("kiosk-error").textContent = e.message;
    } finally {
      busy = false;
      for (const b of document.querySelectorAll(".cat-btn")) b.classList.remove("pressed");
    }
  }

  for (const b of document.querySelectorAll(".cat-btn")) b.addEventListener("click", () => issue(b.dataset.cat));
  $("back").addEventListener("click", backToStart);

  S.live({
    ticket_issued: refreshSoon,
    ticket_state_changed: refreshSoon,
    counter_state_changed: refreshSoon,
    config_changed: refreshSoon,  // a day closed or a cut-off moved: the buttons follow at once
    ticket_printed: (d) => {
      if (d.printed !== false) return;
      failedPrints.add(d.ticket_id);
      if (failedPrints.size > 50) failedPrints.delete(failedPrints.values().next().value);
      if (issued && d.ticket_id === issued.id) showFault();
    },
    device_status_changed: (d) => {
      if (d.device === "printer") printerDown = d.health === "down";
    },
  }, refresh);

  S.startClock();
  // Opening and cut-off come with time, not with events.
  setInterval(refresh, 30000);
  refresh();
})();
