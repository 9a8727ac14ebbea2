/* Admin: today's queue (cancel, reprint), counter states, live device status. */
"use strict";

(() => {
  const S = Station;
  const { h, t } = S;
  const $ = (id) => document.getElementById(id);
  const OPEN_STATES = new Set(["waiting", "called", "serving"]);

  function toast(msg, kind) { const el = $("toast"); el.textContent = msg; el.dataset.kind = kind || "info"; }

  function confirmDialog(text) {
    return new Promise((resolve) => {
      const dlg = $("confirm");
      $("confirm-text").textContent = text;
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

  const loadQueueSoon = S.debounce(loadQueue, 200);
  S.live({
    ticket_issued: loadQueueSoon, ticket_state_changed: loadQueueSoon, ticket_called: loadQueueSoon,
    ticket_printed: loadQueueSoon, counter_state_changed: loadCounters,
    device_status_changed: (d) => renderDevice(d.device, d.health, d.reason_ja, d.reason_en),
  }, () => { loadQueue(); loadCounters(); loadHealth(); });
  S.startClock();
})();
