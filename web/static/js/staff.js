/* City staff: the issuance sets waiting for their check (D-ISS-2), the handover queue (引継ぎ) with what the
 * clerk recorded, closing with an outcome (asked once: it deletes the case's personal data), call-backs, and
 * the end-of-day receipt of the collected papers (D-BO-6). Live; text only (never innerHTML). */
"use strict";

(() => {
  const { h, t, api } = Station;
  const $ = (id) => document.getElementById(id);
  const en = Station.LANG === "en";
  const STATE_JA = { waiting: "未対応", taken: "対応中", closed: "完了" };
  const dlg = $("close-dialog");
  let closing = null;  // the handover the dialog is about
  let today = null;

  function toast(msg, bad) {
    const el = $("s-toast");
    el.textContent = msg || "";
    el.classList.toggle("bad", !!bad);
  }

  async function act(path, msg, body) {
    try { await api("POST", path, body); toast(msg); } catch (e) { toast(e.message, true); }
    refresh();
  }

  // --- what the clerk recorded -------------------------------------------------------------------------
  async function showDetail(x) {
    let c;
    try { c = (await api("GET", `/api/cases/${x.case_id}`)).data; } catch (e) { toast(e.message, true); return; }
    const rec = c.record || {};
    const presented = c.presented ? Object.entries(c.presented).filter(([, v]) => v).map(([k]) => k) : [];
    const rows = [
      [t("sf_procedure"), en ? c.procedure_en : c.procedure_ja],
      [t("sf_ticket"), `${c.ticket_number || "—"} / ${c.counter_id ? c.counter_id + "番" : "—"}`],
      [t("sf_clerk"), c.clerk],
      [t("sf_reason"), en ? x.reason_en : x.reason_ja],
      [t("sf_note"), x.note || "—"],
      [t("sf_steps"), c.steps.filter((s) => s.done).map((s) => (en ? s.en : s.ja)).join("、") || "—"],
      [t("sf_record"), [rec.notice_no, rec.manufacturing_no, rec.box_label].filter(Boolean).join(" / ") || "—"],
      [t("sf_presented"), presented.join("、") || "—"],
    ];
    $("detail-body").replaceChildren(...rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
    $("detail").hidden = false;
    $("detail").dataset.handover = x.id;
  }

  // --- closing asks once -------------------------------------------------------------------------------
  function askClose(x) {
    closing = x;
    $("outcome-note").value = "";
    $("cb-at").value = "";
    dlg.showModal();
    $("outcome").focus();
  }
  $("close-cancel").addEventListener("click", () => { closing = null; dlg.close(); });
  $("close-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const x = closing;
    dlg.close();
    closing = null;
    if (!x) return;
    const sel = $("outcome");
    try {
      await api("POST", `/api/followup/handovers/${x.id}/close`, { outcome: sel.value, note: $("outcome-note").value });
      toast(t("sf_closed_toast", { outcome: sel.options[sel.selectedIndex].textContent }));
      $("detail").hidden = true;
    } catch (e) { toast(e.message, true); }
    refresh();
  });
  $("cb-promise").addEventListener("click", async () => {
    const x = closing;
    const at = $("cb-at").value;
    if (!x || !at) { $("cb-at").focus(); return; }
    dlg.close();
    closing = null;
    try {
      await api("POST", `/api/followup/handovers/${x.id}/callback`, { promised_at: new Date(at).toISOString() });
      toast(t("sf_callbacks"));
    } catch (e) { toast(e.message, true); }
    refresh();
  });

  async function loadOutcomes() {
    const list = (await api("GET", "/api/followup/outcomes")).data;
    $("outcome").replaceChildren(...list.filter((o) => o.code !== "called_back")
      .map((o) => h("option", { value: o.code }, en ? o.label_en : o.label_ja)));
  }

  // --- the end-of-day receipt ----------------------------------------------------------------------------
  async function loadReceipt() {
    let r;
    try { r = (await api("GET", "/api/followup/receipt")).data; } catch (e) { return; }
    today = r.date;
    const done = r.received_at !== null;
    $("receipt-rows").replaceChildren(...r.kinds.map((k) => h("tr", { dataset: { kind: k.kind } },
      h("td", {}, en ? k.label_en : k.label_ja), h("td", { class: "num" }, k.expected),
      h("td", { class: "num" }, done ? String(k.received)
        : h("input", { type: "number", min: "0", max: "9999", class: "receipt-count", dataset: { kind: k.kind },
                       "aria-label": en ? k.label_en : k.label_ja })))));
    if (!r.kinds.length) $("receipt-rows").append(h("tr", {}, h("td", { colspan: "3" }, t("sf_receipt_none"))));
    $("receipt-save").hidden = done;
    $("receipt-note").disabled = done;
    const state = $("receipt-state");
    if (done) {
      const list = r.mismatches.map((m) => `${en ? m.label_en : m.label_ja} ${m.expected}→${m.received}`).join("、");
      state.textContent = t("sf_receipt_done", { by: r.received_by, at: Station.hhmm(new Date(r.received_at)) })
        + (r.mismatches.length ? " / " + t("sf_receipt_mismatch", { n: r.mismatches.length, list }) : "");
      state.className = r.mismatches.length ? "receipt-bad" : "receipt-ok";
      $("receipt-note").value = r.note;
    }
  }
  $("receipt-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const received = {};
    document.querySelectorAll(".receipt-count").forEach((el) => { received[el.dataset.kind] = Number(el.value || 0); });
    try {
      await api("POST", "/api/followup/receipt", { date: today, received, note: $("receipt-note").value });
    } catch (e) {
      $("receipt-state").textContent = e.message;
      $("receipt-state").className = "receipt-bad";
      return;
    }
    loadReceipt();
  });

  // --- the lists -----------------------------------------------------------------------------------------
  async function refresh() {
    try {
      const [checks, all, callbacks, preprints, held] = await Promise.all([
        api("GET", "/api/cases/awaiting-staff-check"), api("GET", "/api/handovers"),
        api("GET", "/api/followup/callbacks?open=true"), api("GET", "/api/followup/preprints"),
        api("GET", "/api/followup/held")].map((p) => p.then((r) => r.data)));
      const heldIds = new Set(held.map((x) => x.handover_id));  // D-OTH-4: the 業務管理者 passes these on first
      const handovers = all.filter((x) => !heldIds.has(x.id));
      const printed = new Set(preprints.map((p) => p.handover_id));
      $("checks").replaceChildren(...checks.map((c) => h("tr", { dataset: { case: c.id } },
        h("td", {}, c.ticket_number || "—"), h("td", {}, c.counter_id ? `${c.counter_id}番` : "—"),
        h("td", {}, c.record && c.record.box_label ? `${c.record.box_label}・${c.record.position}` : "—"),
        h("td", { class: "to-collect" }, (c.to_collect || []).map((d) => (en ? d.en : d.ja)).join(en ? ", " : "、")),
        h("td", {}, h("button", { type: "button", class: "btn btn-primary btn-small", dataset: { act: "check" },
          onclick: () => act(`/api/cases/${c.id}/staff-check`, "確認しました") }, "確認済み")))));
      $("checks-empty").hidden = checks.length > 0;
      $("checks-count").textContent = String(checks.length);
      const waitingCall = new Set(callbacks.map((cb) => cb.handover_id));
      $("handovers").replaceChildren(...handovers.map((x) => h("tr", { dataset: { handover: x.id, state: x.state } },
        h("td", {}, Station.hhmm(new Date(x.requested_at))), h("td", {}, x.ticket_number || "—"),
        h("td", {}, x.counter_id ? `${x.counter_id}番` : "—"), h("td", {}, x.procedure_ja),
        h("td", {}, x.reason_ja), h("td", {}, x.note || ""),
        h("td", { class: "h-state" }, STATE_JA[x.state] + (x.taken_by ? `（${x.taken_by}）` : "")
          + (waitingCall.has(x.id) ? ` ・${t("sf_callbacks")}` : "")
          + (printed.has(x.id) ? ` ・${t("sf_preprint_waiting")}` : "")),
        h("td", {}, x.reason === "preprint" && !printed.has(x.id)
          ? h("button", { type: "button", class: "btn btn-primary btn-small", dataset: { act: "printed" },
                          onclick: () => act(`/api/followup/handovers/${x.id}/preprint-printed`, t("sf_preprint_print")) },
              t("sf_preprint_print"))
          : null,
        x.state === "waiting"
          ? h("button", { type: "button", class: "btn btn-small", dataset: { act: "take" },
                          onclick: async () => { await act(`/api/handovers/${x.id}/take`, t("sf_take_toast")); showDetail(x); } },
              "対応する")
          : [h("button", { type: "button", class: "btn btn-small", dataset: { act: "show" }, onclick: () => showDetail(x) },
               t("sf_detail")),
             waitingCall.has(x.id) || printed.has(x.id) ? null
               : h("button", { type: "button", class: "btn btn-ok btn-small", dataset: { act: "close" },
                               onclick: () => askClose(x) }, "完了")]))));
      $("handovers-empty").hidden = handovers.length > 0;
      $("handovers-count").textContent = String(handovers.length);
      const now = Station.now();
      $("callbacks").replaceChildren(...callbacks.map((cb) => h("tr", {
        dataset: { callback: cb.id }, class: new Date(cb.promised_at) < now ? "cb-late" : "" },
        h("td", {}, Station.hhmm(new Date(cb.promised_at))), h("td", {}, `#${cb.handover_id}`),
        h("td", {}, new Date(cb.promised_at) < now ? t("sf_cb_late") : t("sf_cb_open")),
        h("td", {}, h("button", { type: "button", class: "btn btn-ok btn-small", dataset: { act: "called" },
          onclick: () => act(`/api/followup/callbacks/${cb.id}/done`, t("sf_cb_done"), { note: "" }) },
          t("sf_cb_mark_done"))))));
      $("callbacks-empty").hidden = callbacks.length > 0;
      $("callbacks-count").textContent = String(callbacks.length);
      document.body.dataset.ready = "1";
    } catch (e) { toast(e.message, true); }
  }

  const later = Station.debounce(refresh, 50);
  loadOutcomes().catch(() => {});
  Station.api("GET", "/api/health").then((r) => Station.syncClock(r.data.now)).catch(() => {});
  Station.live({ case_updated: later, handover_updated: later, case_closed: () => loadReceipt() },
               () => { refresh(); loadReceipt(); });
  Station.startClock();
})();
