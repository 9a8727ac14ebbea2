/* Admin: today's queue (cancel, reprint), counter states and categories, category cut-offs, calendar days,
   live device status. Configuration changes go through /api/admin and reach every daemon at once. */
"use strict";

(() => {
  const S = Station;
  const { h, t } = S;
  const $ = (id) => document.getElementById(id);
  const OPEN_STATES = new Set(["waiting", "called", "serving"]);

  function toast(msg, kind, id) { const el = $(id || "toast"); el.textContent = msg; el.dataset.kind = kind || "info"; }

  function confirmDialog(text, yesLabel) {
    return new Promise((resolve) => {
      const dlg = $("confirm");
      $("confirm-text").textContent = text;
      dlg.querySelector('button[value="yes"]').textContent = yesLabel || t("act_cancel");
      dlg.addEventListener("close", () => resolve(dlg.returnValue === "yes"), { once: true });
      dlg.showModal();
    });
  }

  async function act(ticket, verb) {
    try {
      if (verb === "cancel") {
        if (!(await confirmDialog(t("confirm_cancel", { n: ticket.number })))) return;
        await S.api("POST", `/api/tickets/${ticket.id}/cancel`);
        toast(t("done_msg", { n: ticket.number, a: t("act_cancel") }), "ok");
      } else {
        const r = await S.api("POST", `/api/tickets/${ticket.id}/reprint`);
        toast(`${ticket.number}: ${r.data.printed ? t("reprinted") : t("reprint_failed")}`, r.data.printed ? "ok" : "error");
      }
    } catch (e) {
      toast(e.message, "error");
    }
    loadQueue();
  }

  async function loadQueue() {
    try {
      const { data } = await S.api("GET", "/api/tickets");
      $("queue-rows").replaceChildren(...data.slice().reverse().slice(0, 200).map((tk) => h("tr", { "data-ticket": tk.id },
        h("th", { scope: "row" }, tk.number),
        h("td", {}, S.LANG === "en" ? tk.category_name_en : tk.category_name_ja),
        h("td", {}, h("span", { class: "pill", "data-state": tk.state }, S.stateLabel(tk.state))),
        h("td", {}, S.hhmm(new Date(tk.issued_at))),
        h("td", {}, tk.counter_id || ""),
        h("td", {}, tk.printed === null ? "—" : tk.printed ? "✓" : (tk.print_error || "✗")),
        h("td", { class: "cell-actions" },
          OPEN_STATES.has(tk.state) ? h("button", { type: "button", class: "btn btn-small btn-warn",
            onclick: () => act(tk, "cancel") }, t("act_cancel")) : null,
          tk.state === "waiting" ? h("button", { type: "button", class: "btn btn-small",
            onclick: () => act(tk, "reprint") }, t("act_reprint")) : null))));
      document.body.dataset.ready = "1";
    } catch (e) { toast(e.message, "error"); }
  }

  async function loadCounters() {
    try {
      const { data } = await S.api("GET", "/api/counters");
      for (const c of data) {
        const pill = document.querySelector(`tr[data-counter="${c.id}"] [data-f="state"]`);
        if (pill) { pill.dataset.state = c.state; pill.textContent = t("counter_" + c.state); }
      }
    } catch (e) { /* banner */ }
  }

  function renderDevice(kind, health, reasonJa, reasonEn) {
    const row = document.querySelector(`tr[data-dev="${kind}"]`);
    if (!row) return;
    const pill = row.querySelector('[data-f="health"]');
    pill.dataset.state = { ok: "open", degraded: "paused", down: "closed" }[health] || "";
    pill.textContent = t("health_" + health);
    row.querySelector('[data-f="reason"]').textContent = health === "ok" ? "" : (S.LANG === "en" ? reasonEn || reasonJa : reasonJa);
  }
  async function loadHealth() {
    try {
      const { data } = await S.api("GET", "/api/health");
      S.syncClock(data.now);
      for (const [k, d] of Object.entries(data.devices || {})) renderDevice(k, d.health, d.reason_ja, d.reason_en);
    } catch (e) { /* banner */ }
  }

  for (const b of document.querySelectorAll("tr[data-counter] [data-verb]")) {
    b.addEventListener("click", async () => {
      const id = b.closest("tr").dataset.counter;
      try { await S.api("POST", `/api/counters/${id}/${b.dataset.verb}`); } catch (e) { toast(e.message, "error"); }
      loadCounters();
    });
  }

  // --- live configuration ---------------------------------------------------------------------------
  function renderConfig(cfg) {
    for (const c of cfg.counters) {
      const row = document.querySelector(`tr[data-counter="${c.id}"]`);
      if (!row) continue;
      for (const box of row.querySelectorAll('input[name="cat"]')) box.checked = c.categories.includes(box.value);
      const same = c.categories.join(",") === c.file_categories.join(",");
      row.querySelector('[data-f="file"]').textContent = same ? "" : t("file_says", { v: c.file_categories.join(", ") });
    }
    for (const c of cfg.categories) {
      const row = document.querySelector(`tr[data-category="${CSS.escape(c.code)}"]`);
      if (!row) continue;
      row.querySelector('[name="cutoff"]').value = c.cutoff_minutes === null ? "" : c.cutoff_minutes;
      row.querySelector('[name="service"]').value = c.default_service_minutes;
      row.querySelector('[data-f="changed"]').textContent = c.changed ? t("changed_from_file") : "";
    }
    $("calendar-rows").replaceChildren(...cfg.calendar.map((d) => h("tr", { "data-day": d.date, "data-source": d.source },
      h("th", { scope: "row" }, d.date),
      h("td", {}, S.LANG === "en" ? t("kind_" + d.kind) : d.kind_ja),
      // a closed day's hours come as the word 閉庁; the kind column already says "Closed" in English
      h("td", {}, S.LANG === "en" && d.kind === "closed" ? "—" : d.hours),
      h("td", {}, t("source_" + d.source)),
      // the note is the office's own free text (often Japanese, e.g. a holiday's name): say which language it is
      h("td", { lang: /[\u3040-\u30ff\u4e00-\u9fff]/.test(d.note || "") ? "ja" : null }, d.note),
      h("td", { class: "cell-actions" }, d.source === "admin" ? h("button", { type: "button", class: "btn btn-small",
        onclick: () => undoDay(d.date) }, t("undo_change")) : null))));
  }

  async function loadConfig() {
    try { renderConfig((await S.api("GET", "/api/admin/config")).data); } catch (e) { toast(e.message, "error", "calendar-msg"); }
  }

  async function save(where, method, url, body) {
    try {
      const r = await S.api(method, url, body);
      if (r.data && r.data.counters) renderConfig(r.data); else await loadConfig();
      toast(t("saved"), "ok", where);
      return true;
    } catch (e) {
      toast(e.message, "error", where);
      return false;
    }
  }

  for (const b of document.querySelectorAll('[data-save="counter"]')) {
    b.addEventListener("click", () => {
      const row = b.closest("tr");
      const cats = [...row.querySelectorAll('input[name="cat"]:checked')].map((x) => x.value);
      if (!cats.length) { toast(t("pick_one_category"), "error", "counters-msg"); return; }
      save("counters-msg", "PUT", `/api/admin/counters/${row.dataset.counter}`, { categories: cats });
    });
  }
  for (const b of document.querySelectorAll('[data-save="category"]')) {
    b.addEventListener("click", () => {
      const row = b.closest("tr");
      const cutoff = row.querySelector('[name="cutoff"]').value.trim();
      save("categories-msg", "PUT", `/api/admin/categories/${encodeURIComponent(row.dataset.category)}`, {
        cutoff_minutes: cutoff === "" ? null : Number(cutoff),
        default_service_minutes: Number(row.querySelector('[name="service"]').value),
      });
    });
  }
  $("day-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const day = $("day-date").value;
    if (!day) { toast(t("day_date_missing"), "error", "calendar-msg"); $("day-date").focus(); return; }
    if (await save("calendar-msg", "PUT", `/api/admin/calendar/${day}`, { kind: $("day-kind").value, note: $("day-note").value })) {
      $("day-note").value = "";
    }
  });
  async function undoDay(day) {
    if (!(await confirmDialog(t("confirm_undo_day", { d: day }), t("undo_change")))) return;
    try {
      await S.api("DELETE", `/api/admin/calendar/${day}`);
      toast(t("saved"), "ok", "calendar-msg");
    } catch (e) { toast(e.message, "error", "calendar-msg"); }
    loadConfig();
  }

  const loadQueueSoon = S.debounce(loadQueue, 200);
  S.live({
    ticket_issued: loadQueueSoon, ticket_state_changed: loadQueueSoon, ticket_called: loadQueueSoon,
    ticket_printed: loadQueueSoon, counter_state_changed: loadCounters,
    device_status_changed: (d) => renderDevice(d.device, d.health, d.reason_ja, d.reason_en),
    config_changed: loadConfig,  // another supervisor, or another PC of the office
  }, () => { loadQueue(); loadCounters(); loadHealth(); loadConfig(); });
  S.startClock();
})();
