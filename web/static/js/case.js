/* The case screen: walks the clerk through the procedure, one primary action per step (Enter).
 * Scans of the notice and card taps arrive over SSE and are applied without a key press.
 * Keys: Enter = the step's primary action, A = fill the documents as all present (Enter confirms),
 * U = undo, H = hand over, J/K = 住基カード none/held, Esc = back out of a confirmation, else back to the
 * counter panel; on a closed case N calls the next visitor, 1/2 continue with a linked procedure, P reprints.
 * A step that ends the visit without the card (returned for documents, handed to city staff) asks once:
 * Enter again confirms, Esc goes back. Every word comes from the message catalog (screen.case.*). */
"use strict";

(() => {
  const { h } = Station;
  const w = (key, vars) => Station.t("case." + key, vars);
  const EN = Station.LANG === "en";
  const word = (m) => (m ? (EN ? (m.en || m.ja) : m.ja) : "");
  const root = document.getElementById("case");
  const caseId = Number(root.dataset.case);
  const counterId = Number(root.dataset.counter);
  const catalog = JSON.parse(document.getElementById("catalog").textContent);
  const $ = (id) => document.getElementById(id);
  let view = null;
  let busy = false;
  const ticked = {};  // consent checkboxes the clerk ticked on this case
  // What the clerk has typed, ticked and chosen on the current step but not yet sent. A live re-render
  // (the echo of the clerk's own action, another screen's change, a reconnect) rebuilds the step's form
  // from the view; these put the clerk's unsent input back, so Enter sends what is on the screen.
  let noticeDraft = "";
  let docDraft = null;
  // Bumped when a load starts and when an action answers: a load that an action or a newer load overtook
  // answers with an older view and must not replace the newer one on screen.
  let epoch = 0;
  // A step that ends the visit, waiting for its second Enter: {message, run}; Esc drops it.
  let pending = null;
  let filledByA = false;  // the documents form was filled by A: say so until the clerk confirms
  const GOOD_OUTCOMES = ["issued", "applied"];
  // The visit goes on with a linked procedure (station.domain.case_flow.CONTINUES): the ticket is still served.
  const CONTINUES = ["pin_reset_first", "renewal_first"];

  function csrf() {
    const m = document.querySelector('meta[name="csrf-token"]');
    return (m && m.content) || "";
  }

  async function call(method, path, body) {
    const headers = { Accept: "application/json" };
    if (method !== "GET") headers["X-CSRF-Token"] = csrf();
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body),
                                    credentials: "same-origin", cache: "no-store" });
    if (res.status === 401) { location.assign("/login?next=" + encodeURIComponent(location.pathname)); return null; }
    let data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    if (!res.ok) {
      const d = (data && data.detail) || {};
      throw new Error((EN ? (d.message_en || d.message_ja) : d.message_ja) || w("failed"));
    }
    return data;
  }

  function toast(msg, bad) {
    const t = $("c-toast");
    t.textContent = msg || "";
    t.classList.toggle("bad", !!bad);
  }

  async function act(method, path, body, okMsg) {
    if (busy) return null;
    busy = true;
    try {
      const v = await call(method, path, body);
      epoch++;  // a load still in flight read the case before this action: its view is older
      if (v && v.id === caseId) { view = v; render(); }
      toast(okMsg || "", false);
      // What printed is said in the step itself (#printed); a failed print also alarms here.
      if (v && v.last_print && !v.last_print.printed) {
        toast(w("print_failed", { slip: w("slip." + v.last_print.kind), error: v.last_print.error || "" }), true);
      }
      return v;
    } catch (e) {
      toast(e.message, true);
      return null;
    } finally {
      busy = false;
    }
  }

  const api = (p) => `/api/cases/${caseId}${p}`;

  async function load() {
    const mine = ++epoch;
    try {
      const v = await call("GET", api(""));
      if (mine !== epoch || !v) return;  // overtaken by an action's answer or a newer load
      if (view === null || JSON.stringify(v) !== JSON.stringify(view)) { view = v; render(); }
      document.body.dataset.ready = "1";
    } catch (e) { toast(e.message, true); }
  }
  // One reload for a burst of events (and for the echo of the clerk's own action).
  const loadSoon = Station.debounce(load, 50);

  // --- rendering ---------------------------------------------------------------------------------
  function render() {
    const v = view;
    $("c-ticket").textContent = v.ticket_number || w("no_ticket");
    $("c-procedure").textContent = EN ? v.procedure_en : v.procedure_ja;
    const st = $("c-state");
    st.textContent = w("state." + v.state);
    st.dataset.state = v.state;
    st.dataset.good = v.state === "closed" && (GOOD_OUTCOMES.includes(v.outcome) || ["simple", "handover"].includes(v.flow)
      && !["cancelled", "handed_over"].includes(v.outcome)) ? "1" : "";
    const sel = $("c-procedure-select");
    sel.value = v.procedure;
    sel.disabled = v.history.some((x) => !x.undone && x.step !== "procedure") || v.state !== "open";
    $("c-outcome").textContent = v.outcome_ja ? w("outcome", { outcome: EN ? v.outcome_en : v.outcome_ja }) : "";
    $("c-outcome").dataset.outcome = v.outcome || "";
    const steps = $("c-steps");
    steps.replaceChildren(...v.steps.map((s) => h("li", {
      class: s.done ? "done" : (s.code === v.next_step ? "next" : ""), dataset: { step: s.code },
    }, EN ? s.en : s.ja)));
    $("undo").disabled = !v.can_undo;
    $("handover-btn").disabled = !(v.state === "open" || v.state === "awaiting_staff");
    renderRecord(v);
    renderHistory(v);
    renderStep(v);
  }

  function renderRecord(v) {
    const r = v.record;
    const box = $("c-record");
    if (!r) {
      box.replaceChildren(h("p", { class: "muted" }, v.purged ? w("purged")
        : (v.flow === "issuance" ? w("scan_notice") : w("no_record"))));
    } else {
      const dash = (x) => (x === null || x === undefined || x === "" ? w("none") : String(x));
      const age = r.age === null || r.age === undefined ? w("rec.age_unknown")
        : w("rec.age_value", { age: r.age }) + (r.under_guardian_age ? w("rec.needs_guardian") : "");
      box.replaceChildren(
        h("div", { class: "slot", id: "c-slot" }, r.box_label ? w("slot", { box: r.box_label, position: r.position }) : w("no_slot")),
        h("dl", { class: "record" },
          h("dt", {}, w("rec.notice")), h("dd", { id: "c-notice" }, dash(r.notice_no)),
          h("dt", {}, w("rec.name")), h("dd", {}, dash(r.name_kana)),
          h("dt", {}, w("rec.mfg")), h("dd", {}, dash(r.manufacturing_no)),
          h("dt", {}, w("rec.kind")), h("dd", {}, r.is_renewal ? w("rec.renewal") : w("rec.first")),
          h("dt", {}, w("rec.number_doc")), h("dd", {}, dash(r.notice_type_ja)),
          h("dt", {}, w("rec.juki")), h("dd", {}, r.has_juki_card ? w("rec.juki_yes") : w("rec.juki_no")),
          h("dt", {}, w("rec.age")), h("dd", {}, age),
          h("dt", {}, w("rec.deadline")), h("dd", {}, dash(r.receipt_deadline))));
    }
    const card = $("c-card");
    // The insurance flow reads the visitor's own card: it is not a "new" card.
    const first = v.flow === "issuance" ? w("card.new") : w("card.visitor");
    const cards = [[first, v.card, "card"], [w("card.old"), v.old_card, "old-card"]].filter(([, c]) => c);
    card.replaceChildren(...cards.map(([label, c, id]) => h("div", { class: "cardinfo", id: "cardinfo-" + id, dataset: { cert: c.cert_state } },
      h("strong", {}, label), " ",
      w("cert_line", { state: w("cert." + (c.cert_state || "unknown")), until: c.expires_on ? w("cert_until", { date: c.expires_on }) : "" }),
      (c.locked_pins || []).length ? h("div", { class: "verdict-bad" },
        w("locked", { pins: c.locked_pins.map((p) => w("pin." + p)).join(w("list_sep")) })) : null,
      ...(c.messages || []).map((m) => h("div", {}, word(m))), ...(c.warnings || []).map((m) => h("div", { class: "verdict-bad" }, word(m))))));
    const vd = $("c-verdict");
    const d = v.verdict;
    if (!d) { vd.replaceChildren(); return; }
    vd.replaceChildren(
      h("div", { class: d.complete ? "verdict-ok" : "verdict-bad", id: "verdict-head" },
        d.complete ? w("docs_complete") : w("docs_incomplete")),
      v.presented ? h("p", { class: "asserted", id: "asserted" }, w("asserted", { what: assertedText(v.presented) })) : null,
      h("ul", { class: "problems", id: "problems" }, ...d.problems.map((p) => h("li", { dataset: { item: p.item } }, word(p)))),
      h("ul", { class: "escalations" }, ...d.escalations.map((p) => h("li", {}, word(p)))),
      h("ul", { class: "notes" }, ...d.notes.map((p) => h("li", {}, word(p)))));
  }

  const idName = (code) => { const k = catalog.id_kinds.find((x) => x.code === code); return k ? (EN ? k.en : k.ja) : code; };
  const docName = (code) => { const d = catalog.documents[code]; return d ? (EN ? d.en : d.ja) : code; };
  const sep = () => w("list_sep");

  /** What the clerk confirmed on the documents step, in words (kinds only, as recorded on the case). */
  function assertedText(p) {
    const ids = (xs) => (xs && xs.length ? xs.map(idName).join(sep()) : w("id_none"));
    const parts = [w("asserted.docs", { docs: (p.documents || []).map(docName).join(sep()) }),
      p.holder_ids && p.holder_ids.length ? w("asserted.ids", { ids: p.holder_ids.map(idName).join(sep()) }) : w("asserted.no_ids")];
    if (p.who === "proxy") {
      const reason = (catalog.proxy_reasons.find((x) => x.code === p.proxy_reason) || {});
      parts.push(w("asserted.proxy", { reason: (EN ? reason.en : reason.ja) || w("none"), ids: ids(p.proxy_ids) }));
    } else if (view && view.record && view.record.under_guardian_age) {
      parts.push(p.guardian_present ? w("asserted.guardian_yes", { ids: ids(p.guardian_ids) }) : w("asserted.guardian_no"));
    }
    return parts.join(" ／ ");
  }

  function renderHistory(v) {
    $("c-history").replaceChildren(...v.history.map((x) => h("li", { class: x.undone ? "undone" : "", dataset: { step: x.step } },
      w("history_line", { time: Station.hhmm(new Date(x.at)), step: stepName(v, x.step), actor: x.actor }))));
    $("c-collected").replaceChildren(...(v.collected.length ? [h("h3", {}, w("collected")),
      h("ul", { id: "collected" }, ...v.collected.map((c) => h("li", { dataset: { code: c.code } }, EN ? c.en : c.ja)))] : []));
  }

  /** A step by its name: the procedure's own (catalog), else the screen's words for the steps every case has. */
  function stepName(v, code) {
    const s = v.steps.find((x) => x.code === code);
    if (s) return EN ? s.en : s.ja;
    return w("step." + code);
  }

  // ID kinds grouped by whether they carry a photo (the catalog's names say the rest; nothing appended).
  function idSelect(id, label) {
    const group = (photo) => h("optgroup", { label: photo ? w("id_photo") : w("id_no_photo") },
      ...catalog.id_kinds.filter((k) => !!k.photo === photo).map((k) => h("option", { value: k.code }, EN ? k.en : k.ja)));
    return h("select", { id, "aria-label": label }, h("option", { value: "" }, w("id_none")), group(true), group(false));
  }

  let primary = null;  // {label, run}

  function setPrimary(label, run) {
    primary = run ? { label, run } : null;
    $("primary-label").textContent = label || "";
    $("primary").disabled = !run;
    $("primary").hidden = !run;  // nothing to do now: no empty button (and no stray "null" label)
  }

  /** Ask once before a step that ends the visit: the message, then Enter again confirms, Esc goes back. */
  function askFirst(message, run) {
    pending = { message, step: view ? view.next_step : null, run: async () => { pending = null; await run(); } };
    renderConfirm();
  }

  function renderConfirm() {
    const box = $("confirm");
    box.hidden = !pending;
    if (!pending) return;
    box.replaceChildren(h("p", { class: "confirm-msg" }, pending.message), h("p", { class: "confirm-hint" }, w("confirm_hint")));
    setPrimary(w("confirm"), pending.run);
    $("primary").classList.add("btn-warn");
  }

  function dropPending() {
    if (!pending) return false;
    pending = null;
    $("primary").classList.remove("btn-warn");
    toast(w("confirm_cancelled"), false);
    if (view) render();
    return true;
  }

  function renderStep(v) {
    const body = $("step-body");
    const step = v.next_step;
    const found = v.steps.find((s) => s.code === step);
    const name = found ? (EN ? found.en : found.ja) : "";
    $("step-name").textContent = name || (step === "complete" ? w("step_done") : w("state." + v.state));
    $("step-name").dataset.step = step || "";
    // Unsent input belongs to the step on screen: a new step (or a case no longer open) starts blank.
    if (v.state !== "open" || step !== "notice") noticeDraft = "";
    if (v.state !== "open" || step !== "documents") docDraft = null;
    body.replaceChildren();
    $("primary").classList.remove("btn-warn");
    // A question asked on this step survives a live re-render of the same step; any other step drops it.
    if (pending && (v.state !== "open" || pending.step !== step)) pending = null;
    $("confirm").hidden = true;
    if (v.state === "handed_over") {
      body.append(h("p", { class: "waiting-staff" }, w("with_staff", { reason: v.handover ? (EN ? v.handover.reason_en : v.handover.reason_ja) : "" })));
      body.append(h("p", { class: "muted", id: "call-next-hint" }, w("call_next_hint")));
      setPrimary(w("back_to_panel"), () => location.assign(`/counter/${counterId}`));
      return;
    }
    if (v.state === "closed") return renderClosed(v, body);
    if (v.last_print) body.append(printedLine(v.last_print));  // e.g. the renewal guidance, printed on the tap
    if (v.flow === "issuance") renderIssuance(v, body, step);
    else if (v.flow === "insurance") renderInsurance(v, body, step);
    else renderSimple(v, body, step);
    if (pending) renderConfirm();
  }

  /** What the printer did for this case, said on the screen (a slip to hand over, or reprint it). */
  function printedLine(lp) {
    return h("p", { class: lp.printed ? "printed" : "verdict-bad", id: "printed", dataset: { kind: lp.kind } },
      lp.printed ? w("printed", { slip: w("slip." + lp.kind) }) : w("print_failed", { slip: w("slip." + lp.kind), error: lp.error || "" }));
  }

  let closedKeys = {};  // key → action on a closed case (1/2: linked procedures, P: reprint)

  function renderClosed(v, body) {
    const good = $("c-state").dataset.good === "1";
    body.append(h("p", { class: good ? "verdict-ok" : "verdict-bad", id: "closed-msg" }, EN ? (v.outcome_en || w("state.closed")) : (v.outcome_ja || w("state.closed"))));
    if (v.last_print) body.append(printedLine(v.last_print));
    const next = [];
    if (v.outcome === "issued") next.push("insurance");
    if (v.outcome === "pin_reset_first") next.push("pin_reset");
    if (v.outcome === "renewal_first") next.push("cert_renewal");
    closedKeys = {};
    const row = h("div", { class: "closed-actions" });
    next.forEach((proc, i) => {
      const key = String(i + 1);
      const run = async () => {
        const c = await act("POST", api("/link"), { procedure: proc });
        if (c) location.assign(`/counter/${counterId}/case/${c.id}`);
      };
      closedKeys[key] = run;
      row.append(h("button", { type: "button", class: "btn", dataset: { link: proc }, onclick: run }, h("kbd", {}, key), w("link." + proc)));
    });
    const slips = [v.documents_slip && "documents", v.renewal_guidance && "renewal", v.pin_reset_guidance && "pin_reset"].filter(Boolean);
    if (!v.purged && slips.length) {
      const kind = slips[slips.length - 1];
      const run = () => act("POST", api(`/slips/${kind}/reprint`), undefined, w("reprinted"));
      closedKeys.p = run;
      row.append(h("button", { type: "button", class: "btn", id: "reprint", onclick: run }, h("kbd", {}, "P"), w("reprint")));
    }
    if (row.childElementCount) body.append(row);
    if (v.ticket_id) body.append(h("p", { class: "muted", id: "call-next-hint" },
      CONTINUES.includes(v.outcome) ? w("call_next_hint_continues") : w("call_next_hint")));
    setPrimary(w("back_to_panel"), () => location.assign(`/counter/${counterId}`));
  }

  function renderIssuance(v, body, step) {
    if (step === "notice") {
      const input = h("input", { id: "notice-input", inputmode: "latin", autocomplete: "off", placeholder: "AB1-234567",
                                 "aria-label": w("notice_label"),
                                 oninput: (e) => { noticeDraft = e.target.value; } });
      input.value = noticeDraft;
      const form = h("form", { class: "notice-form", onsubmit: (e) => { e.preventDefault(); submitNotice(input.value); } },
        input, h("span", { class: "muted" }, w("notice_hint")));
      body.append(form);
      setTimeout(() => input.focus(), 0);
      setPrimary(w("notice_lookup"), () => submitNotice(input.value));
      return;
    }
    if (step === "documents") return renderDocuments(v, body);
    const jukiDone = v.steps.some((s) => s.code === "juki_check" && s.done);
    if (step === "staff_check" || step === "juki_check") {
      if (step === "staff_check") body.append(h("p", { class: "waiting-staff", id: "waiting-staff" }, w("waiting_staff")));
      if (!jukiDone) {
        const holds = !!(v.record && v.record.has_juki_card);
        body.append(h("p", {}, w("juki_hint")));
        setPrimary(holds ? w("juki_held") : w("juki_none"), () => juki(holds));
      } else {
        setPrimary("", null);
      }
      return;
    }
    if (step === "card_tap" || step === "old_card_tap") {
      const old = step === "old_card_tap";
      body.append(h("p", { class: "tap-hint" }, old ? w("tap_old") : w("tap_new")));
      setPrimary(w("tap_use"), () => act("POST", api("/card-tap"), { role: old ? "old" : "new" }));
      return;
    }
    if (step === "explained") {
      body.append(h("p", {}, w("explain_hint")));
      setPrimary(w("explained"), () => act("POST", api("/steps/explained")));
      return;
    }
    if (step === "receipt_copy") {
      body.append(h("p", {}, w("receipt_hint")));
      setPrimary(w("receipt_done"), () => act("POST", api("/steps/receipt_copy")));
      return;
    }
    if (step === "issued") {
      body.append(h("p", {}, w("issue_hint")));
      setPrimary(w("issue"), () => act("POST", api("/issue"), undefined, w("issued_toast")));
      return;
    }
    setPrimary("", null);
  }

  function submitNotice(text) {
    if (!text || !text.trim()) { toast(w("notice_empty"), true); return; }
    act("POST", api("/notice"), { text });
  }

  function juki(holds) { return act("POST", api("/juki-check"), { holds }); }

  const OWN_ITEMS = ["holder_id", "proxy_id", "guardian_id", "guardian", "proxy_reason"];  // not checkboxes

  /** A: fill the form as "everything the record asks for" — visibly, for the clerk to check and confirm
   * with Enter: every document ticked, a photo ID chosen, and for a minor the guardian and their ID. */
  function fillAll(v) {
    const photo = (catalog.id_kinds.find((k) => k.photo) || {}).code || "";
    const docs = {};
    for (const r of v.checklist) if (!OWN_ITEMS.includes(r.item)) docs[r.item] = true;
    docDraft = { docs, values: { "holder-id-1": photo, "holder-id-2": "" }, who: "holder",
                 guardianPresent: !!(v.record && v.record.under_guardian_age) };
    if (docDraft.guardianPresent) docDraft.values["guardian-id"] = photo;
    filledByA = true;
    render();
    const first = $("holder-id-1");
    if (first) first.focus();
  }

  function renderDocuments(v, body) {
    if (!docDraft) docDraft = { docs: {}, values: {}, who: "holder", guardianPresent: false };
    const draft = docDraft;
    // A select or field of this step, showing (and keeping) the clerk's unsent choice.
    const kept = (el) => {
      if (draft.values[el.id] !== undefined) el.value = draft.values[el.id];
      el.addEventListener("change", () => { draft.values[el.id] = el.value; });
      return el;
    };
    const items = v.checklist.filter((r) => !OWN_ITEMS.includes(r.item));
    const boxes = [];
    const list = h("ul", { class: "checklist docs", id: "checklist" });
    for (const r of items) {
      for (const code of [r.item, ...r.alternatives]) {
        const cb = h("input", { type: "checkbox", value: code, dataset: { doc: code }, checked: !!draft.docs[code],
                                onchange: (e) => { draft.docs[code] = e.target.checked; } });
        boxes.push(cb);
        const label = code === r.item ? (EN ? r.en : r.ja) : docName(code);
        list.append(h("li", {}, h("label", {}, cb, label)));
      }
    }
    const needsGuardian = v.record && v.record.under_guardian_age;
    const who = h("div", { class: "who-row" },
      h("label", {}, h("input", { type: "radio", name: "who", value: "holder", checked: draft.who !== "proxy" }), w("who_holder")),
      h("label", {}, h("input", { type: "radio", name: "who", value: "proxy", checked: draft.who === "proxy" }), w("who_proxy")));
    const ids = h("div", { class: "who-row" }, h("label", {}, w("holder_id") + " ", kept(idSelect("holder-id-1", w("holder_id")))),
      h("label", {}, w("holder_id2") + " ", kept(idSelect("holder-id-2", w("holder_id2")))));
    const proxy = h("div", { class: "who-row", id: "proxy-row", hidden: draft.who !== "proxy" },
      h("label", {}, w("proxy_reason") + " ", kept(h("select", { id: "proxy-reason" }, h("option", { value: "" }, w("choose")),
        ...catalog.proxy_reasons.map((p) => h("option", { value: p.code }, EN ? p.en : p.ja))))),
      h("label", {}, w("proxy_id") + " ", kept(idSelect("proxy-id", w("proxy_id")))));
    const guardian = needsGuardian ? h("div", { class: "who-row guardian-row" },
      h("label", {}, h("input", { type: "checkbox", id: "guardian-present", checked: draft.guardianPresent,
                                  onchange: (e) => { draft.guardianPresent = e.target.checked; } }), w("guardian_present")),
      h("label", {}, w("guardian_id") + " ", kept(idSelect("guardian-id", w("guardian_id"))))) : null;
    who.addEventListener("change", () => {
      draft.who = who.querySelector("input:checked").value;
      proxy.hidden = draft.who !== "proxy";
    });
    body.append(h("p", { class: filledByA ? "filled" : "muted", id: "docs-hint" }, filledByA ? w("docs_filled") : w("docs_hint")),
      list, h("div", { class: "who-box" }, who, ids, proxy, guardian));
    const payload = () => {
      const val = (id) => ($(id) && $(id).value) || "";
      const whoNow = who.querySelector("input:checked").value;
      return {
        documents: boxes.filter((b) => b.checked).map((b) => b.value),
        holder_ids: [val("holder-id-1"), val("holder-id-2")].filter(Boolean),
        who: whoNow,
        proxy_reason: whoNow === "proxy" ? (val("proxy-reason") || null) : null,
        proxy_ids: whoNow === "proxy" ? [val("proxy-id")].filter(Boolean) : [],
        guardian_present: !!($("guardian-present") && $("guardian-present").checked),
        guardian_ids: [val("guardian-id")].filter(Boolean),
      };
    };
    // Enter: what the server would decide. Complete → sent at once; ends the visit → ask once first.
    const submit = async () => {
      const body_ = payload();
      let pre = null;
      try { pre = await call("POST", api("/documents/check"), body_); } catch (e) { toast(e.message, true); return; }
      if (!pre) return;
      const send = () => { filledByA = false; return act("POST", api("/documents"), body_); };
      if (!pre.ends_visit) { await send(); return; }
      const lines = [...pre.problems, ...pre.escalations].map(word).join(" ／ ");
      askFirst((pre.problems.length ? w("confirm_return") : w("confirm_escalate")) + " " + lines, send);
    };
    setPrimary(w("docs_check"), submit);
  }

  function renderInsurance(v, body, step) {
    if (step === "card_tap") {
      body.append(h("p", { class: "tap-hint" }, w("ins_tap")));
      setPrimary(w("tap_use"), () => act("POST", api("/card-tap"), { role: "new" }));
      return;
    }
    if (step === "pins_known") {
      body.append(h("p", {}, w("pins_hint")));
      setPrimary(w("pins_known"), () => act("POST", api("/steps/pins_known")));
      return;
    }
    if (step === "consents") {
      const app = (code, label) => h("label", {}, h("input", { type: "checkbox", checked: true, dataset: { app: code } }), label);
      // Ticks survive a live re-render of the same step (another screen's event reloads the case).
      const con = (code, label, key) => h("label", {}, h("input", {
        type: "checkbox", dataset: { consent: code }, id: "consent-" + code, checked: !!ticked[code],
        onchange: (e) => { ticked[code] = e.target.checked; },
      }), h("kbd", {}, key), label);
      body.append(h("div", { class: "checklist" },
        h("strong", {}, w("applications")), app("insurance", w("app.insurance")), app("public_funds", w("app.public_funds")),
        h("strong", {}, w("consents")),
        con("insurance_irrevocable", w("consent.insurance_irrevocable"), "1"),
        con("public_funds_own_name", w("consent.public_funds_own_name"), "2")));
      setPrimary(w("record_consents"), () => act("POST", api("/consents"), {
        applications: [...body.querySelectorAll("[data-app]")].filter((x) => x.checked).map((x) => x.dataset.app),
        consents: [...body.querySelectorAll("[data-consent]")].filter((x) => x.checked).map((x) => x.dataset.consent),
      }));
      return;
    }
    if (step === "applied") {
      body.append(h("p", {}, w("applied_hint")));
      setPrimary(w("applied"), () => act("POST", api("/applied"), undefined, w("applied_toast")));
      return;
    }
    if (step === "insurance_explained") {  // D-INS: what is applied for, before the consents (issue 12)
      body.append(h("p", {}, "健康保険証としての利用と公金受取口座の登録について説明してください。利用申込は取り消せないこと、口座はご本人名義に限ることも伝えます"));
      setPrimary(name || "説明しました", () => act("POST", api("/steps/insurance_explained")));
      return;
    }
    setPrimary("", null);
  }

  function renderSimple(v, body, step) {
    const list = h("ul", { class: "checklist" }, ...v.steps.map((s) => h("li", {}, h("label", {},
      h("input", { type: "checkbox", checked: s.done, disabled: s.done, onchange: () => act("POST", api(`/steps/${s.code}`)) }), EN ? s.en : s.ja))));
    body.append(list);
    if (step === "complete") {
      if (v.flow === "handover") {
        body.append(h("p", {}, w("handover_hint")));
        setPrimary(w("handover_do"), () => act("POST", api("/complete"), {}));
        return;
      }
      const outs = v.outcomes.filter((o) => !["handed_over", "cancelled"].includes(o.code));
      const sel = h("select", { id: "outcome" }, ...outs.map((o) => h("option", { value: o.code }, EN ? o.en : o.ja)));
      body.append(h("label", {}, w("result") + " ", sel));
      setPrimary(w("complete"), () => act("POST", api("/complete"), { outcome: sel.value }));
      return;
    }
    const next = v.steps.find((s) => !s.done);
    setPrimary(next ? w("tick_done", { step: EN ? next.en : next.ja }) : "", next ? () => act("POST", api(`/steps/${next.code}`)) : null);
  }

  // --- handover dialog -----------------------------------------------------------------------------
  const dialog = $("handover-dialog");
  function openHandover() {
    if ($("handover-btn").disabled) return;
    $("handover-note").value = "";
    dialog.showModal();
    $("handover-reason").focus();
  }
  $("handover-btn").addEventListener("click", openHandover);
  $("handover-cancel").addEventListener("click", () => dialog.close());
  $("handover-form").addEventListener("submit", (e) => {
    e.preventDefault();
    dialog.close();
    act("POST", api("/handover"), { reason: $("handover-reason").value, note: $("handover-note").value || null },
        w("handed_toast"));
  });
  $("undo").addEventListener("click", () => act("POST", api("/undo"), undefined, w("undone_toast")));
  $("primary").addEventListener("click", () => primary && primary.run());
  $("c-procedure-select").addEventListener("change", (e) => act("POST", api("/procedure"), { procedure: e.target.value }));

  // --- keyboard --------------------------------------------------------------------------------------
  document.addEventListener("keydown", (e) => {
    // Alt+C here too: the called visitor's case (bound in script; accesskey differs between browsers).
    if (!dialog.open && e.altKey && !e.ctrlKey && !e.metaKey && (e.code === "KeyC" || (e.key || "").toLowerCase() === "c")) {
      e.preventDefault();
      location.assign(`/counter/${counterId}/case`);
      return;
    }
    if (dialog.open || e.ctrlKey || e.metaKey || e.altKey) return;
    const tag = (e.target && e.target.tagName) || "";
    const typing = tag === "INPUT" && e.target.type === "text" || tag === "TEXTAREA" || (tag === "INPUT" && !e.target.type);
    if (e.key === "Escape") {
      e.preventDefault();
      if (!dropPending()) location.assign(`/counter/${counterId}`);
      return;
    }
    if (typing) return;  // the notice field submits itself with Enter
    if (e.key === "Enter") {
      if (tag === "BUTTON" && e.target.id !== "primary") return;
      e.preventDefault();
      if (primary) primary.run();
      return;
    }
    const k = e.key.toLowerCase();
    if (!view) return;
    if (view.state === "closed" || view.state === "handed_over") {
      if (closedKeys[k] && view.state === "closed") { e.preventDefault(); closedKeys[k](); }
      else if (k === "n" && view.ticket_id) { e.preventDefault(); callNext(); }
      return;
    }
    if (k === "a" && view.next_step === "documents") { e.preventDefault(); fillAll(view); }
    else if (k === "u") { e.preventDefault(); act("POST", api("/undo"), undefined, w("undone_toast")); }
    else if (k === "h") { e.preventDefault(); openHandover(); }
    else if ((k === "j" || k === "k") && ["staff_check", "juki_check"].includes(view.next_step)) { e.preventDefault(); juki(k === "k"); }
    else if ((k === "1" || k === "2") && view.next_step === "consents") {
      const box = $(k === "1" ? "consent-insurance_irrevocable" : "consent-public_funds_own_name");
      if (box) { e.preventDefault(); box.checked = !box.checked; ticked[box.dataset.consent] = box.checked; }
    }
  });

  /** N on a finished visit: call the next visitor here and go to the panel (the ticket is already done). */
  async function callNext() {
    if (CONTINUES.includes(view.outcome)) {  // the visitor did not go on: their ticket ends here
      try { await Station.api("POST", `/api/tickets/${view.ticket_id}/finish`, { counter_id: counterId }); } catch (e) { /* already done */ }
    }
    try { await Station.api("POST", `/api/counters/${counterId}/call-next`); } catch (e) { /* the panel says why */ }
    location.assign(`/counter/${counterId}`);
  }

  /** Other cases still open at this counter: named, with a warning, never opened by Alt+C. */
  async function renderOthers() {
    const box = $("other-cases");
    let list = [];
    try { list = (await call("GET", `/api/cases?counter_id=${counterId}`)) || []; } catch (e) { list = []; }
    const others = list.filter((c) => c.id !== caseId && ["open", "awaiting_staff"].includes(c.state));
    box.hidden = others.length === 0;
    box.replaceChildren(...(others.length ? [h("strong", {}, w("other_open")),
      ...others.map((c) => h("a", { href: `/counter/${counterId}/case/${c.id}`, dataset: { case: c.id } },
        `${c.ticket_number || w("no_ticket")} ${EN ? c.procedure_en : c.procedure_ja}`))] : []));
  }

  // --- live: scans, card taps, and this case changing elsewhere (the city-staff check) -----------------
  Station.live({
    case_updated: (d) => { if (d.case_id === caseId) loadSoon(); },
    scanned: (d) => {
      if (d.counter_id !== counterId || !view) return;
      if (d.kind === "notice" && view.next_step === "notice") submitNotice(d.value);
      else if (d.kind === "rejected") toast(d.message_ja, true);
    },
    card_read: (d) => {
      if (d.counter_id !== counterId || !view || view.state !== "open") return;
      const s = view.next_step;
      if (s === "card_tap" || s === "old_card_tap") act("POST", api("/card-tap"), { role: s === "old_card_tap" ? "old" : "new" });
    },
  }, load);
  renderOthers();
  Station.startClock();
})();
