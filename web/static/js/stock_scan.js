/* /stock, the back office by scan (issue 14, D-BO-1..4): one scan field, the step chosen with F2–F7.
 * Inspect shows the card's issuance-list data beside the scan and waits for Enter (OK) or 1/2/3 (defect);
 * the notice check takes the notice, then the card, and a mismatch is loud (red, flashing, a tone);
 * mail / ready / return move the scanned card (or a whole box, BOX-nnnn); find shows box and position in
 * large type. Ranges, notes, paged lists and the A4 print links are below. Text only (never innerHTML). */
"use strict";

(() => {
  const { t, api, h } = Station;
  const en = Station.LANG === "en";
  const $ = (id) => document.getElementById(id);
  const STATUSES = JSON.parse($("bo-statuses").textContent);
  const scan = $("bo-scan");
  const verdict = $("bo-verdict");
  const pending = $("bo-pending");
  const find = $("bo-find");
  const log = $("bo-log");
  let current = null;       // inspect: the card shown, waiting for the clerk's decision
  let checkNotice = null;   // notice check: the notice scanned first
  const listState = { kind: "overdue", page: 1, pages: 1 };

  function mode() { return document.querySelector('input[name="bo-mode"]:checked').value; }

  function beep(bad) {
    try {
      const ctx = new (window.AudioContext || window.webkitAudioContext)();
      const o = ctx.createOscillator();
      const g = ctx.createGain();
      o.type = bad ? "square" : "sine";
      o.frequency.value = bad ? 220 : 880;
      g.gain.value = bad ? 0.4 : 0.1;
      o.connect(g).connect(ctx.destination);
      o.start();
      o.stop(ctx.currentTime + (bad ? 0.8 : 0.12));
    } catch (e) { /* no audio device: the screen still says it */ }
  }

  function say(msg, bad) {
    verdict.textContent = msg;
    verdict.className = "bo-verdict " + (bad ? "bad" : "ok");
    verdict.hidden = false;
    document.body.dataset.verdict = bad ? "bad" : "ok";
    log.prepend(h("li", { class: bad ? "bad" : "" }, Station.hhmm(Station.now()) + " " + msg));
    if (bad) beep(true);
  }

  function showModeOptions() {
    const m = mode();
    document.querySelectorAll(".bo-opt").forEach((el) => el.classList.toggle("on", el.dataset.for === m));
    pending.hidden = true; find.hidden = true; current = null; checkNotice = null;
    if (m === "check") say(t("bo_check_first"), false);
    scan.focus();
  }

  function statusWord(st) { return STATUSES[st] || st; }

  function stepDone(r) {
    let msg = t("bo_done_step", { n: r.moved, status: statusWord(r.to) });
    const skipped = Object.values(r.skipped || {}).reduce((a, b) => a + b, 0);
    if (skipped) msg += " / " + t("bo_skipped", { n: skipped });
    if (r.receipt_deadline) msg += ` (${t("stock_f_deadline")} ${r.receipt_deadline})`;
    say(msg + (r.manufacturing_nos.length === 1 ? " " + r.manufacturing_nos[0] : ""), false);
    refreshCounts();
  }

  function stepBody(text, to) {
    const box = /^BOX-?(\d{1,4})$/i.exec(text);
    const body = box ? { to, box: Number(box[1]) } : { to, refs: [text] };
    if (to === "mailed") body.date = $("bo-date").value;
    if (to === "returned") body.reason = $("bo-reason").value;
    return body;
  }

  async function step(text, to) {
    try { stepDone((await api("POST", "/api/stock/steps", stepBody(text, to))).data); } catch (e) { say(e.message, true); }
  }

  async function showCard(text) {
    let c;
    try { c = (await api("GET", "/api/stock/cards/" + encodeURIComponent(text))).data; } catch (e) {
      say(e.message, true); return;
    }
    current = c;
    const rows = [
      [t("stock_f_kana"), c.name_kana || "-"], [t("bo_birth"), c.birth_date || "-"],
      [t("stock_f_notice"), c.notice_no], [t("stock_f_manufacturing"), c.manufacturing_no],
      [t("stock_lot"), c.delivery_lot], [t("stock_f_status"), en ? c.status : c.status_ja],
      [t("stock_f_slot"), c.box_label ? `${c.box_label} #${c.position}` : "-"],
    ];
    $("bo-listdata").replaceChildren(...rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
    pending.hidden = false;
    pending.dataset.card = c.manufacturing_no;
  }

  async function decide(key) {
    const c = current;
    const reason = { 1: "print", 2: "photo", 3: "data_mismatch" }[key];
    const body = reason ? { to: "defect", reason } : { to: "inspected" };
    current = null;
    pending.hidden = true;
    try {
      await api("POST", `/api/stock/cards/${c.manufacturing_no}/transition`, body);
      say(reason ? t("bo_done_defect", { mfg: c.manufacturing_no, reason: t("bo_defect_" + reason) })
                 : t("bo_done_inspected", { mfg: c.manufacturing_no }), false);
      refreshCounts();
    } catch (e) { say(e.message, true); }
  }

  async function check(text) {
    if (!checkNotice) {
      checkNotice = text;
      say(t("bo_check_then", { notice: text }), false);
      return;
    }
    const notice = checkNotice;
    checkNotice = null;
    try {
      const r = (await api("POST", "/api/stock/notice-check", { notice, card: text })).data;
      say(en ? r.message_en : r.message_ja, !r.match);
      if (r.match) beep(false);
    } catch (e) { say(e.message, true); }
  }

  async function locate(text) {
    try {
      const r = (await api("GET", "/api/stock/locate/" + encodeURIComponent(text))).data;
      find.hidden = false;
      if (r.on_shelf) {
        $("bo-find-box").textContent = r.box_label;
        $("bo-find-pos").textContent = `${t("bo_find_pos")} ${r.position}`;
        say(`${r.notice_no} → ${r.box_label} #${r.position}`, false);
      } else {
        $("bo-find-box").textContent = "—";
        $("bo-find-pos").textContent = "";
        say(t("bo_not_on_shelf", { status: en ? r.status : r.status_ja }), true);
      }
    } catch (e) { say(e.message, true); }
  }

  $("bo-scan-form").addEventListener("submit", (ev) => ev.preventDefault());
  scan.addEventListener("keydown", (ev) => {
    const empty = scan.value.trim() === "";
    if (current && empty && (ev.key === "Enter" || ["1", "2", "3"].includes(ev.key))) {
      ev.preventDefault();
      decide(ev.key === "Enter" ? 0 : Number(ev.key));
      return;
    }
    if (current && ev.key === "Escape") { current = null; pending.hidden = true; return; }
    if (ev.key !== "Enter" || empty) return;
    ev.preventDefault();
    const text = scan.value.trim();
    scan.value = "";
    verdict.hidden = true;
    const m = mode();
    if (m === "inspect") showCard(text);
    else if (m === "check") check(text);
    else if (m === "mail") step(text, "mailed");
    else if (m === "ready") step(text, "ready");
    else if (m === "return") step(text, "returned");
    else locate(text);
  });
  document.querySelectorAll('input[name="bo-mode"]').forEach((r) => r.addEventListener("change", showModeOptions));
  document.addEventListener("keydown", (ev) => {
    const radio = document.querySelector(`input[name="bo-mode"][data-key="${ev.key}"]`);
    if (!radio) return;
    ev.preventDefault();
    radio.checked = true;
    showModeOptions();
  });

  $("bo-range").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = ev.target.elements;
    const body = { to: f.to.value, first: f.first.value.trim(), last: f.last.value.trim() };
    if (body.to === "mailed") body.date = $("bo-date").value;
    if (body.to === "returned") body.reason = $("bo-reason").value;
    const out = $("bo-range-result");
    try {
      const r = (await api("POST", "/api/stock/steps", body)).data;
      out.textContent = t("bo_done_step", { n: r.moved, status: statusWord(r.to) })
        + (Object.keys(r.skipped).length ? " / " + t("bo_skipped", { n: Object.values(r.skipped).reduce((a, b) => a + b, 0) }) : "");
      out.className = "";
      refreshCounts();
      loadList();
    } catch (e) { out.textContent = e.message; out.className = "error"; }
  });

  $("bo-note").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = ev.target.elements;
    const out = $("bo-note-result");
    try {
      await api("POST", `/api/stock/cards/${encodeURIComponent(f.card.value.trim())}/note`, { note: f.note.value });
      out.textContent = t("bo_note_saved");
    } catch (e) { out.textContent = e.message; }
  });

  async function loadList() {
    const { kind, page } = listState;
    $("bo-list-print").href = ["overdue", "stale"].includes(kind) ? `/stock/print/${kind}` : "/stock/print/notices";
    let r;
    try { r = (await api("GET", `/api/stock/lists/${kind}?page=${page}&per_page=20`)).data; } catch (e) { return; }
    listState.pages = r.pages;
    $("bo-pageinfo").textContent = t("bo_page", { page: r.page, pages: r.pages, total: r.total });
    document.querySelector("#bo-list-table tbody").replaceChildren(...r.items.map((c) => h("tr", {},
      h("td", {}, c.manufacturing_no), h("td", {}, c.notice_no), h("td", {}, en ? c.status : c.status_ja),
      h("td", {}, c.box_label ? `${c.box_label} #${c.position}` : "-"), h("td", {}, c.receipt_deadline || "-"))));
  }
  $("bo-kind").addEventListener("change", (ev) => { listState.kind = ev.target.value; listState.page = 1; loadList(); });
  $("bo-prev").addEventListener("click", () => { if (listState.page > 1) { listState.page -= 1; loadList(); } });
  $("bo-next").addEventListener("click", () => { if (listState.page < listState.pages) { listState.page += 1; loadList(); } });

  async function refreshCounts() {
    let counts;
    try { counts = (await api("GET", "/api/stock/counts")).data; } catch (e) { return; }
    $("bo-counts").replaceChildren(...Object.entries(counts).map(([st, n]) => h("div", { class: "bo-count", dataset: { status: st } },
      statusWord(st), h("b", {}, n))));
  }

  const printDate = () => $("bo-print-mailing").href = "/stock/print/mailing?date=" + $("bo-date").value;
  $("bo-date").addEventListener("change", printDate);
  printDate();
  api("GET", "/api/health").then((r) => Station.syncClock(r.data.now)).catch(() => {});  // the office's clock
  showModeOptions();
  verdict.hidden = true;
  refreshCounts();
  loadList();
  document.body.dataset.boReady = "1";
})();
