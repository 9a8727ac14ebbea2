/* Clerk panel: the counter's whole day on one screen, driven by keyboard shortcuts and live events. */
"use strict";

(() => {
  const S = Station;
  const { h, t } = S;
  const COUNTER = Number(document.getElementById("panel").dataset.counter);
  const $ = (id) => document.getElementById(id);

  let counter = null;       // /api/counters/{id}
  let current = null;       // current ticket or null
  let busy = false;

  // --- rendering ------------------------------------------------------------------------------
  function toast(msg, kind) {
    const el = $("toast");
    el.textContent = msg;
    el.dataset.kind = kind || "info";
  }

  function renderCounter() {
    const st = counter ? counter.state : "open";
    const pill = $("counter-state");
    pill.dataset.state = st;
    pill.textContent = t("counter_" + st);
    $("handled").textContent = counter ? counter.handled_today : 0;
    current = counter ? counter.current_ticket : null;
    const box = $("current-ticket");
    if (!current) {
      box.hidden = true;
      $("current-empty").hidden = false;
    } else {
      box.hidden = false;
      $("current-empty").hidden = true;
      $("cur-number").textContent = current.number;
      $("cur-category").textContent = S.LANG === "en" ? current.category_name_en : current.category_name_ja;
      const ps = $("cur-state");
      ps.dataset.state = current.state;
      ps.textContent = S.stateLabel(current.state);
      $("cur-recall").textContent = current.recall_count ? `${t("act_recall")} ×${current.recall_count}` : "";
    }
    tickElapsed();
    // Buttons that cannot apply now are disabled, so a mistaken key does nothing visible.
    const has = !!current;
    const state = current ? current.state : null;
    const enable = {
      "call-next": !has && st === "open",
      recall: state === "called",
      start: state === "called",
      finish: state === "serving" || state === "called",
      "no-show": state === "called",
      transfer: has,
      pause: true,
    };
    for (const b of document.querySelectorAll(".actions [data-act]")) b.disabled = !enable[b.dataset.act];
  }

  function tickElapsed() {
    const el = $("cur-elapsed");
    if (!current || !current.called_at) { el.textContent = "0:00"; return; }
    const secs = Math.max(0, Math.floor((S.now() - Date.parse(current.called_at)) / 1000));
    const m = Math.floor(secs / 60);
    const s = String(secs % 60).padStart(2, "0");
    el.textContent = `${m}:${s}`;
    el.classList.toggle("long", m >= 20);
  }

  function renderCategories(cats) {
    for (const c of cats) {
      const row = document.querySelector(`#cat-rows tr[data-cat="${CSS.escape(c.code)}"]`);
      if (!row) continue;
      row.querySelector('[data-f="waiting"]').textContent = c.waiting;
      row.querySelector('[data-f="oldest"]').textContent = c.oldest_wait_min + t("minutes");
      row.querySelector('[data-f="estimate"]').textContent = c.estimated_wait_min + t("minutes");
      row.classList.toggle("has-waiting", c.waiting > 0);
    }
  }

  function renderDevice(kind, health, reasonJa, reasonEn) {
    const li = document.querySelector(`#lights [data-dev="${kind}"]`);
    if (!li) return;
    li.hidden = false;  // the clock's light appears with the first word of the clock check
    li.dataset.health = health;
    li.querySelector(".dev-health").textContent = t("health_" + health);
    const reason = S.LANG === "en" ? (reasonEn || reasonJa) : reasonJa;
    li.querySelector(".dev-reason").textContent = health === "ok" ? "" : (reason || "");
  }

  function renderHealth(health) {
    S.syncClock(health.now);
    const simBadge = $("clock-sim");
    if (simBadge) simBadge.hidden = !health.clock_simulated;
    for (const [kind, d] of Object.entries(health.devices || {})) {
      renderDevice(kind, d.health, d.reason_ja, d.reason_en);
    }
  }

  function msg(m) { return S.LANG === "en" ? (m.en || m.ja) : m.ja; }

  function renderVerdict(v) {
    const box = $("card-verdict");
    box.replaceChildren();
    const bad = !v.is_my_number_card || v.cert_state === "expired" || v.needs_pin_reset;
    const warn = v.cert_state === "renew_soon" || (v.warnings || []).length > 0;
    box.dataset.level = bad ? "bad" : warn ? "warn" : "ok";
    box.append(h("p", { class: "verdict-head" }, v.is_my_number_card ? t("card_ok") : t("card_not_mnc")));
    const list = h("ul", { class: "verdict-list" });
    for (const m of v.messages || []) list.append(h("li", {}, msg(m)));
    for (const m of v.warnings || []) list.append(h("li", { class: "warn" }, msg(m)));
    box.append(list);
  }

  function cardNote(text, level) {
    const box = $("card-verdict");
    box.dataset.level = level || "";
    box.replaceChildren(h("p", { class: level ? "verdict-head" : "muted" }, text));
  }

  async function openScanned(ticketId) {
    const box = $("scan-result");
    try {
      const { data: tk } = await S.api("GET", `/api/tickets/${encodeURIComponent(ticketId)}`);
      const issued = S.hhmm(new Date(tk.issued_at));
      box.replaceChildren(
        h("div", { class: "scan-ticket" },
          h("span", { class: "scan-number" }, tk.number),
          h("span", {}, S.LANG === "en" ? tk.category_name_en : tk.category_name_ja),
          h("span", { class: "pill", "data-state": tk.state }, S.stateLabel(tk.state)),
          h("span", { class: "muted" }, `${t("issued_at")} ${issued}`),
          tk.counter_id ? h("span", { class: "muted" }, `${t("col_counter")} ${tk.counter_id}`) : null),
      );
    } catch (e) {
      box.replaceChildren(h("p", { class: "error" }, e.message));
    }
  }

  // Cases of this counter still open: Alt+C opens the called visitor's own case, so any other is named here
  // (a walk-up case left open, a PIN reset begun for an earlier visitor) rather than silently reopened.
  async function renderOpenCases() {
    const box = $("open-cases");
    if (!box) return;
    let list = [];
    try { list = (await S.api("GET", `/api/cases?counter_id=${COUNTER}`)).data || []; } catch (e) { list = []; }
    const open = list.filter((c) => ["open", "awaiting_staff"].includes(c.state)
      && !(current && c.ticket_id === current.id));
    box.hidden = open.length === 0;
    box.replaceChildren(...(open.length ? [
      h("strong", {}, t("panel_open_cases", { n: open.length })),
      ...open.map((c) => h("a", { href: `/counter/${COUNTER}/case/${c.id}`, class: "open-case", dataset: { case: c.id } },
        `${c.ticket_number || t("case_no_ticket")} ${S.LANG === "en" ? c.procedure_en : c.procedure_ja}`)),
    ] : []));
  }

  // --- data ------------------------------------------------------------------------------------
  async function refresh() {
    try {
      const [c, cats, health] = await Promise.all([
        S.api("GET", `/api/counters/${COUNTER}`),
        S.api("GET", "/api/categories"),
        S.api("GET", "/api/health"),
      ]);
      renderHealth(health.data);
      counter = c.data;
      renderCounter();
      renderCategories(cats.data);
      await renderOpenCases();
      document.body.dataset.ready = "1";
    } catch (e) {
      toast(e.message, "error");
    }
  }
  const refreshSoon = S.debounce(refresh, 120);

  // --- actions ---------------------------------------------------------------------------------
  async function run(act) {
    if (busy) return;
    const btn = document.querySelector(`.actions [data-act="${act}"]`);
    if (btn && btn.disabled) {
      if (!current && act !== "call-next" && act !== "pause") toast(t("no_ticket_for_action"), "warn");
      return;
    }
    if (act === "transfer") { openTransfer(); return; }
    busy = true;
    try {
      if (act === "call-next") {
        const r = await S.api("POST", `/api/counters/${COUNTER}/call-next`);
        if (r.status === 204) toast(t("nobody_waiting"), "info");
        else toast(t("done_msg", { n: r.data.number, a: t("act_call_next") }), "ok");
      } else if (act === "pause") {
        const verb = counter && counter.state === "open" ? "pause" : "resume";
        await S.api("POST", `/api/counters/${COUNTER}/${verb}`);
        toast(t(verb === "pause" ? "counter_paused" : "counter_open"), "ok");
      } else {
        const r = await S.api("POST", `/api/tickets/${current.id}/${act}`, { counter_id: COUNTER });
        const label = { recall: "act_recall", start: "act_start", finish: "act_finish", "no-show": "act_no_show" }[act];
        toast(t("done_msg", { n: r.data.number, a: t(label) }), "ok");
      }
    } catch (e) {
      toast(e.message, "error");
    } finally {
      busy = false;
      await refresh();
    }
  }

  function openTransfer() {
    const dlg = $("transfer-dialog");
    $("transfer-category").value = "";
    $("transfer-counter").value = "";
    dlg.showModal();
    $("transfer-category").focus();
  }

  $("transfer-cancel").addEventListener("click", () => $("transfer-dialog").close("cancel"));
  $("transfer-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const cat = $("transfer-category").value;
    const ctr = $("transfer-counter").value;
    $("transfer-dialog").close("ok");
    if (!current || (!cat && !ctr)) return;
    const body = {};
    if (cat) body.category = cat;
    if (ctr) body.counter_id = Number(ctr);
    try {
      const r = await S.api("POST", `/api/tickets/${current.id}/transfer`, body);
      toast(t("done_msg", { n: r.data.number, a: t("act_transfer") }), "ok");
    } catch (e) {
      toast(e.message, "error");
    }
    refresh();
  });

  for (const b of document.querySelectorAll(".actions [data-act]")) {
    b.addEventListener("click", () => run(b.dataset.act));
  }

  const KEYS = { n: "call-next", r: "recall", s: "start", f: "finish", x: "no-show", t: "transfer", p: "pause" };
  document.addEventListener("keydown", (ev) => {
    // Alt+C: the called visitor's case. Bound here, not only as accesskey (Firefox wants Alt+Shift+C,
    // and a focused select swallows it); ev.code keeps it on the C key whatever the keyboard layout.
    if (ev.altKey && !ev.ctrlKey && !ev.metaKey && (ev.code === "KeyC" || (ev.key || "").toLowerCase() === "c")) {
      ev.preventDefault();
      location.assign($("open-case").getAttribute("href"));
      return;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.repeat) return;
    const tag = (ev.target && ev.target.tagName) || "";
    if (["INPUT", "SELECT", "TEXTAREA"].includes(tag) || $("transfer-dialog").open) return;
    const act = KEYS[ev.key.toLowerCase()];
    if (!act) return;
    ev.preventDefault();
    run(act);
  });

  // --- live ------------------------------------------------------------------------------------
  const mine = (d) => d.counter_id === undefined || d.counter_id === COUNTER;
  S.live({
    ticket_issued: refreshSoon,
    ticket_called: refreshSoon,
    ticket_state_changed: refreshSoon,
    counter_state_changed: refreshSoon,
    ticket_printed: refreshSoon,
    case_updated: (d) => { if (mine(d)) refreshSoon(); },
    config_changed: refreshSoon,  // the admin changed what this counter serves, or a cut-off
    device_status_changed: (d) => { if (mine(d)) renderDevice(d.device, d.health, d.reason_ja, d.reason_en); },
    card_inserted: (d) => { if (mine(d)) cardNote(t("card_inserted")); },
    card_read: (d) => { if (mine(d)) renderVerdict(d.verdict || {}); },
    card_read_failed: (d) => {
      if (mine(d)) cardNote(S.LANG === "en" ? (d.message_en || d.message_ja) : d.message_ja, "bad");
    },
    card_removed: (d) => { if (mine(d)) cardNote(t("card_removed")); },
    scanned: (d) => {
      if (!mine(d)) return;
      if (d.kind === "ticket") openScanned(d.value);
      else $("scan-result").replaceChildren(
        h("p", { class: d.kind === "rejected" ? "error" : "" },
          (S.LANG === "en" ? (d.message_en || d.message_ja) : d.message_ja) || d.value));
    },
  }, refresh);

  S.startClock();
  setInterval(tickElapsed, 1000);
  // Oldest-wait minutes drift even without events.
  setInterval(refresh, 30000);
  refresh();
})();
