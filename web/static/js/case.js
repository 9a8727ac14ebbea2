/* The case screen: walks the clerk through the procedure, one primary action per step (Enter).
 * Scans of the notice and card taps arrive over SSE and are applied without a key press.
 * Keys: Enter = the step's primary action, A = every document present, U = undo, H = hand over,
 * J/K = 住基カード none/held, Esc = back to the counter panel. */
"use strict";

(() => {
  const { h } = Station;
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

  const STATE_JA = { open: "対応中", awaiting_staff: "本市職員の確認待ち", handed_over: "本市職員へ引継ぎ中", closed: "終了" };

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
      throw new Error((d.message_ja || "操作できませんでした") + (d.message_en ? " / " + d.message_en : ""));
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
      if (v && v.last_print && !v.last_print.printed) toast("印刷できませんでした（" + v.last_print.error + "）。再印刷してください", true);
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
    $("c-ticket").textContent = v.ticket_number || "（番号札なし）";
    $("c-procedure").textContent = v.procedure_ja;
    const st = $("c-state");
    st.textContent = STATE_JA[v.state] || v.state;
    st.dataset.state = v.state;
    const sel = $("c-procedure-select");
    sel.value = v.procedure;
    sel.disabled = v.history.some((x) => !x.undone && x.step !== "procedure") || v.state !== "open";
    $("c-outcome").textContent = v.outcome_ja ? `結果: ${v.outcome_ja} / ${v.outcome_en}` : "";
    $("c-outcome").dataset.outcome = v.outcome || "";
    const steps = $("c-steps");
    steps.replaceChildren(...v.steps.map((s) => h("li", {
      class: s.done ? "done" : (s.code === v.next_step ? "next" : ""), dataset: { step: s.code },
    }, s.ja)));
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
      box.replaceChildren(h("p", { class: "muted" }, v.purged ? "個人情報は削除済みです / personal data purged"
        : (v.flow === "issuance" ? "交付通知書を読み取ってください / scan the notice" : "—")));
    } else {
      box.replaceChildren(
        h("div", { class: "slot", id: "c-slot" }, r.box_label ? `${r.box_label} ・ ${r.position}番目` : "棚位置なし"),
        h("dl", { class: "record" },
          h("dt", {}, "交付通知書"), h("dd", { id: "c-notice" }, r.notice_no || ""),
          h("dt", {}, "氏名（カナ）"), h("dd", {}, r.name_kana || "—"),
          h("dt", {}, "製造管理番号"), h("dd", {}, r.manufacturing_no),
          h("dt", {}, "区分"), h("dd", {}, r.is_renewal ? "更新（今のカードを回収）" : "初回交付"),
          h("dt", {}, "番号の書類"), h("dd", {}, r.notice_type_ja || ""),
          h("dt", {}, "住基カード"), h("dd", {}, r.has_juki_card ? "保有（回収）" : "なし"),
          h("dt", {}, "年齢"), h("dd", {}, r.age === null ? "不明" : `${r.age}歳${r.under_guardian_age ? "（保護者の同伴が必要）" : ""}`),
          h("dt", {}, "受取期限"), h("dd", {}, r.receipt_deadline || "—")));
    }
    const card = $("c-card");
    const cards = [["新しいカード", v.card], ["古いカード", v.old_card]].filter(([, c]) => c);
    card.replaceChildren(...cards.map(([label, c]) => h("div", { class: "cardinfo", dataset: { cert: c.cert_state } },
      h("strong", {}, label + ": "), `電子証明書 ${c.cert_state}${c.expires_on ? "（" + c.expires_on + "まで）" : ""}`,
      (c.locked_pins || []).length ? h("div", { class: "verdict-bad" }, "ロック: " + c.locked_pins.join(", ")) : null,
      ...(c.messages || []).map((m) => h("div", {}, m.ja)), ...(c.warnings || []).map((m) => h("div", { class: "verdict-bad" }, m.ja)))));
    const vd = $("c-verdict");
    const d = v.verdict;
    if (!d) { vd.replaceChildren(); return; }
    vd.replaceChildren(
      h("div", { class: d.complete ? "verdict-ok" : "verdict-bad", id: "verdict-head" },
        d.complete ? "書類はそろっています / complete" : "書類が足りません / incomplete"),
      h("ul", { class: "problems", id: "problems" }, ...d.problems.map((p) => h("li", { dataset: { item: p.item } }, p.ja))),
      h("ul", { class: "escalations" }, ...d.escalations.map((p) => h("li", {}, p.ja))),
      h("ul", { class: "notes" }, ...d.notes.map((p) => h("li", {}, p.ja))));
  }

  function renderHistory(v) {
    $("c-history").replaceChildren(...v.history.map((x) => h("li", { class: x.undone ? "undone" : "" },
      `${Station.hhmm(new Date(x.at))} ${x.step} (${x.actor})`)));
    $("c-collected").replaceChildren(...(v.collected.length ? [h("h3", {}, "回収した書類 / collected"),
      h("ul", { id: "collected" }, ...v.collected.map((c) => h("li", { dataset: { code: c.code } }, c.ja)))] : []));
  }

  const idKinds = () => catalog.id_kinds;
  function idSelect(id, withNone) {
    return h("select", { id, "aria-label": "本人確認書類" },
      withNone ? h("option", { value: "" }, "（なし）") : null,
      ...idKinds().map((k) => h("option", { value: k.code }, `${k.ja}${k.photo ? "" : "（写真なし）"}`)));
  }

  let primary = null;  // {label, run}

  function setPrimary(label, run) {
    primary = run ? { label, run } : null;
    $("primary-label").textContent = label || "";
    $("primary").disabled = !run;
  }

  function renderStep(v) {
    const body = $("step-body");
    const step = v.next_step;
    const name = (v.steps.find((s) => s.code === step) || {}).ja;
    $("step-name").textContent = name || (step === "complete" ? "完了" : (v.state === "closed" ? "終了" : (STATE_JA[v.state] || "")));
    $("step-name").dataset.step = step || "";
    // Unsent input belongs to the step on screen: a new step (or a case no longer open) starts blank.
    if (v.state !== "open" || step !== "notice") noticeDraft = "";
    if (v.state !== "open" || step !== "documents") docDraft = null;
    body.replaceChildren();
    if (v.state === "handed_over") {
      body.append(h("p", { class: "waiting-staff" }, `本市職員へ引継ぎ中: ${v.handover ? v.handover.reason_ja : ""}`));
      setPrimary("窓口画面へ戻る", () => location.assign(`/counter/${counterId}`));
      return;
    }
    if (v.state === "closed") return renderClosed(v, body);
    if (v.flow === "issuance") return renderIssuance(v, body, step);
    if (v.flow === "insurance") return renderInsurance(v, body, step);
    return renderSimple(v, body, step);
  }

  function renderClosed(v, body) {
    body.append(h("p", { class: v.outcome === "issued" || v.outcome === "applied" ? "verdict-ok" : "verdict-bad", id: "closed-msg" },
      `${v.outcome_ja || "終了"} / ${v.outcome_en || "closed"}`));
    const next = [];
    if (v.outcome === "issued") next.push(["insurance", "保険証利用・公金口座の手続きへ"]);
    if (v.outcome === "pin_reset_first") next.push(["pin_reset", "暗証番号の再設定へ"]);
    if (v.outcome === "renewal_first") next.push(["cert_renewal", "電子証明書の更新へ"]);
    for (const [proc, label] of next) {
      body.append(h("button", { type: "button", class: "btn", dataset: { link: proc }, onclick: async () => {
        const c = await act("POST", api("/link"), { procedure: proc });
        if (c) location.assign(`/counter/${counterId}/case/${c.id}`);
      } }, label));
    }
    for (const kind of [v.documents_slip && "documents", v.renewal_guidance && "renewal", v.pin_reset_guidance && "pin_reset"].filter(Boolean)) {
      if (v.purged) break;
      body.append(h("button", { type: "button", class: "btn btn-small", onclick: () => act("POST", api(`/slips/${kind}/reprint`), undefined, "再印刷しました") }, "案内を再印刷"));
    }
    setPrimary("窓口画面へ戻る", () => location.assign(`/counter/${counterId}`));
  }

  function renderIssuance(v, body, step) {
    if (step === "notice") {
      const input = h("input", { id: "notice-input", inputmode: "latin", autocomplete: "off", placeholder: "AB1-234567",
                                 "aria-label": "交付通知書番号 / notice number",
                                 oninput: (e) => { noticeDraft = e.target.value; } });
      input.value = noticeDraft;
      const form = h("form", { class: "notice-form", onsubmit: (e) => { e.preventDefault(); submitNotice(input.value); } },
        input, h("span", { class: "muted" }, "QRコードを読み取るか番号を入力 / scan or type"));
      body.append(form);
      setTimeout(() => input.focus(), 0);
      setPrimary("読み取る / look up", () => submitNotice(input.value));
      return;
    }
    if (step === "documents") return renderDocuments(v, body);
    const jukiDone = v.steps.some((s) => s.code === "juki_check" && s.done);
    if (step === "staff_check" || step === "juki_check") {
      if (step === "staff_check") body.append(h("p", { class: "waiting-staff", id: "waiting-staff" }, "本市職員の確認待ちです（カード・本人確認書類・通知書をセット済み）"));
      if (!jukiDone) {
        const holds = !!(v.record && v.record.has_juki_card);
        body.append(h("p", {}, "住民記録システムで住基カードの保有を確認してください（J: なし / K: あり）"));
        setPrimary(holds ? "住基カード: あり（回収済み）" : "住基カード: なし", () => juki(holds));
      } else {
        setPrimary("", null);
      }
      return;
    }
    if (step === "card_tap" || step === "old_card_tap") {
      const old = step === "old_card_tap";
      body.append(h("p", { class: "tap-hint" }, old ? "今お持ちのカード（古いカード）をリーダーに置いてください" : "新しいカードをリーダーに置いてください"));
      setPrimary("リーダーのカードを使う", () => act("POST", api("/card-tap"), { role: old ? "old" : "new" }));
      return;
    }
    if (step === "explained") {
      body.append(h("p", {}, "暗証番号記載票の書き方と、リーフレットでカードの説明をしてください（D-DOC-7, D-ISS-4）"));
      setPrimary("説明しました", () => act("POST", api("/steps/explained")));
      return;
    }
    if (step === "receipt_copy") {
      body.append(h("p", {}, "個人番号カード交付控に記入していただいてください（D-ISS-5）"));
      setPrimary("交付控 記入済み", () => act("POST", api("/steps/receipt_copy")));
      return;
    }
    if (step === "issued") {
      body.append(h("p", {}, "カードをお渡しします"));
      setPrimary("交付する / hand over", () => act("POST", api("/issue"), undefined, "交付しました"));
      return;
    }
    setPrimary("", null);
  }

  function submitNotice(text) {
    if (!text || !text.trim()) { toast("交付通知書番号を入力してください", true); return; }
    act("POST", api("/notice"), { text });
  }

  function juki(holds) { return act("POST", api("/juki-check"), { holds }); }

  function renderDocuments(v, body) {
    if (!docDraft) docDraft = { docs: {}, values: {}, who: "holder", guardianPresent: false };
    const draft = docDraft;
    // A select or field of this step, showing (and keeping) the clerk's unsent choice.
    const kept = (el) => {
      if (draft.values[el.id] !== undefined) el.value = draft.values[el.id];
      el.addEventListener("change", () => { draft.values[el.id] = el.value; });
      return el;
    };
    const items = v.checklist.filter((r) => !["holder_id", "proxy_id", "guardian_id", "guardian", "proxy_reason"].includes(r.item));
    const boxes = [];
    const list = h("ul", { class: "checklist", id: "checklist" });
    for (const r of items) {
      for (const code of [r.item, ...r.alternatives]) {
        const cb = h("input", { type: "checkbox", value: code, dataset: { doc: code }, checked: !!draft.docs[code],
                                onchange: (e) => { draft.docs[code] = e.target.checked; } });
        boxes.push(cb);
        const label = code === r.item ? r.ja : (catalog.documents[code] || {}).ja || code;
        list.append(h("li", {}, h("label", {}, cb, label, h("span", { class: "rule" }, " " + r.rule))));
      }
    }
    const needsGuardian = v.record && v.record.under_guardian_age;
    const who = h("div", { class: "who-row" },
      h("label", {}, h("input", { type: "radio", name: "who", value: "holder", checked: draft.who !== "proxy" }), "本人"),
      h("label", {}, h("input", { type: "radio", name: "who", value: "proxy", checked: draft.who === "proxy" }), "代理人"));
    const ids = h("div", { class: "who-row" }, h("label", {}, "本人確認書類 ", kept(idSelect("holder-id-1", true))),
      h("label", {}, "2点目 ", kept(idSelect("holder-id-2", true))));
    const proxy = h("div", { class: "who-row", id: "proxy-row", hidden: draft.who !== "proxy" },
      h("label", {}, "理由 ", kept(h("select", { id: "proxy-reason" }, h("option", { value: "" }, "（選択）"),
        ...catalog.proxy_reasons.map((p) => h("option", { value: p.code }, p.ja))))),
      h("label", {}, "代理人の本人確認書類 ", kept(idSelect("proxy-id", true))));
    const guardian = needsGuardian ? h("div", { class: "who-row" },
      h("label", {}, h("input", { type: "checkbox", id: "guardian-present", checked: draft.guardianPresent,
                                  onchange: (e) => { draft.guardianPresent = e.target.checked; } }), "保護者が同伴"),
      h("label", {}, "保護者の本人確認書類 ", kept(idSelect("guardian-id", true)))) : null;
    who.addEventListener("change", () => {
      draft.who = who.querySelector("input:checked").value;
      proxy.hidden = draft.who !== "proxy";
    });
    body.append(h("p", { class: "muted" }, "A: 全部そろっている ・ 提示されたものにチェックして Enter"), list, who, ids, proxy, guardian);
    const submit = () => {
      const val = (id) => ($(id) && $(id).value) || "";
      const payload = {
        documents: boxes.filter((b) => b.checked).map((b) => b.value),
        holder_ids: [val("holder-id-1"), val("holder-id-2")].filter(Boolean),
        who: who.querySelector("input:checked").value,
        proxy_reason: val("proxy-reason") || null,
        proxy_ids: [val("proxy-id")].filter(Boolean),
        guardian_present: !!($("guardian-present") && $("guardian-present").checked),
        guardian_ids: [val("guardian-id")].filter(Boolean),
      };
      if (!payload.proxy_ids.length || payload.who !== "proxy") payload.proxy_ids = payload.who === "proxy" ? [] : [];
      if (payload.who === "proxy" && val("proxy-id")) payload.proxy_ids = [val("proxy-id")];
      act("POST", api("/documents"), payload);
    };
    setPrimary("確認する / check", submit);
  }

  function renderInsurance(v, body, step) {
    if (step === "card_tap") {
      body.append(h("p", { class: "tap-hint" }, "ご本人のマイナンバーカードをリーダーに置いてください（証明書の期限と暗証番号の状態を確認します）"));
      setPrimary("リーダーのカードを使う", () => act("POST", api("/card-tap"), { role: "new" }));
      return;
    }
    if (step === "pins_known") {
      body.append(h("p", {}, "利用者証明用電子証明書と券面事項入力補助用の暗証番号（どちらも数字4桁）をご存じか確認してください"));
      setPrimary("両方の暗証番号をご存じです", () => act("POST", api("/steps/pins_known")));
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
        h("strong", {}, "申込 / applications"), app("insurance", "健康保険証利用申込"), app("public_funds", "公金受取口座登録"),
        h("strong", {}, "ご本人の同意 / consents"),
        con("insurance_irrevocable", "健康保険証の利用申込は、申込後に取り消せないことを説明し同意を得た", "1"),
        con("public_funds_own_name", "登録する口座がご本人名義であることを確認した", "2")));
      setPrimary("同意を記録する", () => act("POST", api("/consents"), {
        applications: [...body.querySelectorAll("[data-app]")].filter((x) => x.checked).map((x) => x.dataset.app),
        consents: [...body.querySelectorAll("[data-consent]")].filter((x) => x.checked).map((x) => x.dataset.consent),
      }));
      return;
    }
    if (step === "applied") {
      body.append(h("p", {}, "マイナポータル用端末で申込を操作補助してください（D-INS-4）"));
      setPrimary("申込完了", () => act("POST", api("/applied"), undefined, "申込を記録しました"));
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
      h("input", { type: "checkbox", checked: s.done, disabled: s.done, onchange: () => act("POST", api(`/steps/${s.code}`)) }), s.ja))));
    body.append(list);
    if (step === "complete") {
      if (v.flow === "handover") {
        body.append(h("p", {}, "必要書類を記入いただいたら、本市職員へ引き継ぎます"));
        setPrimary("本市職員へ引継ぐ", () => act("POST", api("/complete"), {}));
        return;
      }
      const outs = v.outcomes.filter((o) => !["handed_over", "cancelled"].includes(o.code));
      const sel = h("select", { id: "outcome" }, ...outs.map((o) => h("option", { value: o.code }, o.ja)));
      body.append(h("label", {}, "結果 ", sel));
      setPrimary("完了", () => act("POST", api("/complete"), { outcome: sel.value }));
      return;
    }
    const next = v.steps.find((s) => !s.done);
    setPrimary(next ? next.ja + " 済み" : "", next ? () => act("POST", api(`/steps/${next.code}`)) : null);
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
        "本市職員へ引き継ぎました");
  });
  $("undo").addEventListener("click", () => act("POST", api("/undo"), undefined, "ひとつ戻しました"));
  $("primary").addEventListener("click", () => primary && primary.run());
  $("c-procedure-select").addEventListener("change", (e) => act("POST", api("/procedure"), { procedure: e.target.value }));

  // --- keyboard --------------------------------------------------------------------------------------
  document.addEventListener("keydown", (e) => {
    if (dialog.open || e.ctrlKey || e.metaKey || e.altKey) return;
    const tag = (e.target && e.target.tagName) || "";
    const typing = tag === "INPUT" && e.target.type === "text" || tag === "TEXTAREA" || (tag === "INPUT" && !e.target.type);
    if (e.key === "Escape") { location.assign(`/counter/${counterId}`); return; }
    if (typing) return;  // the notice field submits itself with Enter
    if (e.key === "Enter") {
      if (tag === "BUTTON" && e.target.id !== "primary") return;
      e.preventDefault();
      if (primary) primary.run();
      return;
    }
    const k = e.key.toLowerCase();
    if (!view) return;
    if (k === "a" && view.next_step === "documents") { e.preventDefault(); act("POST", api("/documents/all")); }
    else if (k === "u") { e.preventDefault(); act("POST", api("/undo"), undefined, "ひとつ戻しました"); }
    else if (k === "h") { e.preventDefault(); openHandover(); }
    else if ((k === "j" || k === "k") && ["staff_check", "juki_check"].includes(view.next_step)) { e.preventDefault(); juki(k === "k"); }
    else if ((k === "1" || k === "2") && view.next_step === "consents") {
      const box = $(k === "1" ? "consent-insurance_irrevocable" : "consent-public_funds_own_name");
      if (box) { e.preventDefault(); box.checked = !box.checked; ticked[box.dataset.consent] = box.checked; }
    }
  });

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
  Station.startClock();
})();
