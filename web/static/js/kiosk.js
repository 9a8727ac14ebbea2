/* Kiosk: one touch gives a number. It must never leave a visitor unsure whether they have one. */
"use strict";

(() => {
  const S = Station;
  const { t } = S;
  const $ = (id) => document.getElementById(id);
  const RETURN_MS = 8000;         // back to the start screen by itself
  const RETURN_FAULT_MS = 20000;  // longer when the visitor must write the number down
  const CONFIRM_MS = 1500;        // no word on the print by then: ask the daemon how it went

  let categories = [];
  let printerDown = false;
  let printerEpoch = 0;    // counts the printer's status events: a refresh started before one is older news
  let issued = null;       // the ticket on screen
  let returnTimer = null;
  let confirmTimer = null;
  let busy = false;
  // How the print of recent tickets went (id → printed), from `ticket_printed` events or the daemon's answer.
  // An outcome can be announced before the POST that issued the ticket has answered: it waits here.
  const outcomes = new Map();

  function remember(id, printed) {
    outcomes.delete(id);
    outcomes.set(id, printed);
    if (outcomes.size > 50) outcomes.delete(outcomes.keys().next().value);
  }

  /** true / false once known, undefined while the ticket is still being printed (or nobody told us). */
  function printOutcome(ticket) {
    if (ticket.printed === true || ticket.printed === false) return ticket.printed;
    return outcomes.get(ticket.id);
  }

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
        ? (c.estimated_wait_min > 0 ? t("about_min", { n: c.estimated_wait_min }) : t("wait_soon")) : "";
    }
    show("start");
  }

  async function refresh() {
    const epoch = printerEpoch;
    try {
      const [cats, health] = await Promise.all([S.api("GET", "/api/categories"), S.api("GET", "/api/health")]);
      S.syncClock(health.data.now);
      categories = cats.data;
      const p = (health.data.devices || {}).printer;
      // A printer event that came while this was on its way is newer than this answer: it stands.
      if (epoch === printerEpoch) printerDown = !!p && p.health === "down";
      renderCategories();
      document.body.dataset.ready = "1";
    } catch (e) {
      /* keep the last screen; the reconnect banner says what is happening */
    }
  }
  const refreshSoon = S.debounce(refresh, 200);

  function showFault() {
    if (!$("issued-fault").hidden) return;
    $("issued-fault").hidden = false;
    $("issued-ok").hidden = true;
    $("screen-issued").classList.add("fault");
    scheduleReturn(RETURN_FAULT_MS);
  }

  function scheduleReturn(ms) {
    clearTimeout(returnTimer);
    returnTimer = setTimeout(timeUp, ms);
  }

  function timeUp() {
    // Still no word that the ticket printed: the visitor must not walk away without the number noted.
    if (issued && printOutcome(issued) === undefined && $("issued-fault").hidden) showFault();
    else backToStart();
  }

  // The print's outcome normally comes as a `ticket_printed` event within a moment. If it has not (the live
  // stream is still connecting or is reconnecting), ask the daemon for the ticket (open, like the display).
  function confirmSoon(ticket) {
    clearTimeout(confirmTimer);
    confirmTimer = setTimeout(() => confirmPrint(ticket), CONFIRM_MS);
  }

  async function confirmPrint(ticket) {
    if (issued !== ticket || printOutcome(ticket) !== undefined) return;
    try {
      const { data } = await S.api("GET", "/api/tickets/" + ticket.id);
      if (data.printed === true || data.printed === false) remember(ticket.id, data.printed);
    } catch (e) {
      /* not reachable now: ask again; timeUp shows the note if the answer never comes */
    }
    if (issued !== ticket) return;
    const printed = printOutcome(ticket);
    if (printed === false) showFault();
    else if (printed === undefined) confirmSoon(ticket);
  }

  function backToStart() {
    clearTimeout(returnTimer);
    clearTimeout(confirmTimer);
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
      $("issued-ahead").textContent = data.estimated_wait_min > 0
        ? t("kiosk_ahead", { n: data.waiting_ahead, m: data.estimated_wait_min })
        : t("kiosk_ahead_soon", { n: data.waiting_ahead });  // never 「約0分」
      $("issued-fault").hidden = true;
      $("issued-ok").hidden = false;
      $("screen-issued").classList.remove("fault");
      show("issued");
      scheduleReturn(RETURN_MS);
      const printed = printOutcome(data);
      if (printerDown || printed === false) showFault();
      if (printed === undefined) confirmSoon(data);
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
      remember(d.ticket_id, d.printed !== false);
      if (issued && d.ticket_id === issued.id && d.printed === false) showFault();
    },
    device_status_changed: (d) => {
      if (d.device !== "printer") return;
      printerEpoch += 1;
      printerDown = d.health === "down";
    },
  }, refresh);

  S.startClock();
  // Opening and cut-off come with time, not with events.
  setInterval(refresh, 30000);
  refresh();
})();
