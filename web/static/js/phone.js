/* Phone desk (D-TEL): a reception slip in a few keys.
 * 1–9, 0 pick the category ①–⑩ (Alt+number while typing), focus goes to the content; Enter saves
 * (category only is a trivial question, D-TEL-1); F2 opens the handover (caller's name and number);
 * ④ notice not arrived: the notice / application number is looked up and over a month hands over (D-TEL-4).
 * After a save the form clears and the next call can start at once. */
"use strict";

(() => {
  const { h } = Station;
  const $ = (id) => document.getElementById(id);
  const P = window.PHONE;
  const byCode = Object.fromEntries(P.categories.map((c) => [c.code, c]));
  const byKey = Object.fromEntries(P.categories.map((c) => [c.key, c]));
  const DEFAULT_ESC = { 10: "complaint", 4: "notice_not_arrived" };
  let category = null;
  let saving = false;

  async function call(method, path, body) {
    try {
      return (await Station.api(method, path, body)).data;
    } catch (e) {
      const d = (e && e.detail) || {};
      const err = new Error((d.message_ja || "保存できませんでした") + (d.message_en ? " / " + d.message_en : ""));
      err.status = e.status; err.detail = d;
      throw err;
    }
  }

  function toast(msg, kind) {
    const t = $("toast");
    t.textContent = msg || "";
    t.dataset.kind = kind || "ok";
  }

  function pick(code) {
    const c = byCode[code];
    if (!c) return;
    category = c.code;
    for (const b of document.querySelectorAll(".phone-cat")) {
      const on = Number(b.dataset.code) === category;
      b.setAttribute("aria-checked", on ? "true" : "false");
      b.classList.toggle("on", on);
    }
    $("chosen").textContent = `${c.mark} ${c.ja}`;
    $("lookup-row").hidden = category !== 4;
    if (DEFAULT_ESC[category]) $("escalation").value = DEFAULT_ESC[category];
    else if (!$("escalate").checked) $("escalation").value = "complaint";
    (category === 4 ? $("lookup-ref") : $("content")).focus();
  }

  function setEscalate(on, kind) {
    $("escalate").checked = on;
    $("esc").hidden = !on;
    if (kind) $("escalation").value = kind;
    if (on) $("caller-name").focus();
  }

  function reset() {
    $("slip").reset();
    category = null;
    for (const b of document.querySelectorAll(".phone-cat")) { b.setAttribute("aria-checked", "false"); b.classList.remove("on"); }
    $("chosen").textContent = "区分を選んでください / choose a category";
    $("lookup-row").hidden = true;
    $("lookup-result").textContent = "";
    $("lookup-result").className = "";
    setEscalate(false);
    document.activeElement && document.activeElement.blur();
    $("cats").focus();
  }

  async function lookup() {
    const ref = $("lookup-ref").value.trim();
    if (!ref) return;
    try {
      const r = await call("GET", "/api/phone/lookup?ref=" + encodeURIComponent(ref));
      const out = $("lookup-result");
      if (!r.found) { out.textContent = r.message_ja; out.className = "warn"; return; }
      out.textContent = `申請日 ${r.application_date}（${r.days_since_application}日経過）・${r.status_ja}。${r.message_ja}`;
      out.className = r.stale ? "bad" : "ok";
      if (r.application_date) $("app-date").value = r.application_date;
      if (r.stale) setEscalate(true, "notice_not_arrived");
      else $("content").focus();
    } catch (e) { toast(e.message, "error"); }
  }

  function val(id) { const v = $(id).value.trim(); return v === "" ? null : v; }

  async function save() {
    if (saving) return;
    if (!category) { toast("区分を選んでください（1〜9、0） / choose a category", "error"); $("cats").focus(); return; }
    const body = { category, content: val("content"), response: val("response") };
    if (category === 4) { body.lookup_ref = val("lookup-ref"); body.application_date = val("app-date"); }
    if ($("escalate").checked) {
      body.escalation = $("escalation").value;
      body.caller_name = val("caller-name");
      body.caller_phone = val("caller-phone");
    }
    saving = true;
    try {
      const c = await call("POST", "/api/phone/calls", body);
      const esc = c.escalation ? `・本市職員へ引継ぎました（引継ぎ ${c.handover_id}） / handed over` : "";
      toast(`保存しました / saved: ${c.category_mark}${c.category_ja}${esc}`, "ok");
      reset();
      refresh();
    } catch (e) {
      toast(e.message, "error");
      if (e.detail && e.detail.suggest) { setEscalate(true, e.detail.suggest); }
      else if (e.detail && e.detail.field === "caller_name") $("caller-name").focus();
      else if (e.detail && e.detail.field === "caller_phone") $("caller-phone").focus();
      else if (e.detail && e.detail.field === "content") $("content").focus();
    } finally { saving = false; }
  }

  async function refresh() {
    try {
      const counts = await call("GET", "/api/phone/counts");
      $("total").textContent = `${counts.total}件`;
      $("counts").replaceChildren(...counts.by_category.map((c) =>
        h("li", { dataset: { category: c.category } }, h("span", { class: "mark" }, c.mark), ` ${c.ja} `,
          h("b", {}, String(c.count)))));
    } catch (e) { /* counts are a convenience */ }
    try {  // D-CAL-3: the desk's hours and today's calls against the one line's capacity
      const desk = await call("GET", "/api/phone/desk");
      const el = $("desk");
      el.textContent = Station.LANG === "en" ? desk.message_en : desk.message_ja;
      el.classList.toggle("warn", !desk.open || desk.over_capacity);
    } catch (e) { /* the desk line is a convenience */ }
    try {
      const calls = await call("GET", "/api/phone/calls");
      $("calls").replaceChildren(...calls.slice(0, 30).map((c) => h("tr", { dataset: { call: c.id } },
        h("td", {}, Station.hhmm(new Date(c.received_at)) + (c.outside_hours ? "（時間外）" : "")),
        h("td", {}, `${c.category_mark}${c.category_ja}`),
        h("td", {}, c.purged ? "（削除済み）" : (c.content || (c.trivial ? "（簡単な問い合わせ）" : ""))),
        h("td", {}, c.response || ""), h("td", {}, c.escalation_ja || ""))));
      $("calls-note").hidden = true;
    } catch (e) {
      if (e.status === 403) { $("calls-table").hidden = true; $("calls-note").hidden = false; }
    }
  }

  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT")
      && el.type !== "checkbox";
  }

  document.addEventListener("keydown", (ev) => {
    const digit = /^Digit([0-9])$/.exec(ev.code);
    if (digit && (ev.altKey || !typing(document.activeElement)) && !ev.ctrlKey && !ev.metaKey) {
      const c = byKey[digit[1]];
      if (c) { ev.preventDefault(); pick(c.code); }
      return;
    }
    if (ev.key === "Escape") { ev.preventDefault(); reset(); toast(""); return; }
    if (ev.key === "F2") { ev.preventDefault(); setEscalate(!$("escalate").checked); return; }
    if (ev.key === "Enter" && !typing(document.activeElement) && !ev.isComposing
        && !(document.activeElement && document.activeElement.tagName === "BUTTON")) {
      ev.preventDefault(); save();
    }
  });
  for (const b of document.querySelectorAll(".phone-cat")) b.addEventListener("click", () => pick(Number(b.dataset.code)));
  $("slip").addEventListener("submit", (ev) => { ev.preventDefault(); save(); });
  $("lookup-ref").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.isComposing) { ev.preventDefault(); ev.stopPropagation(); lookup(); }
  });
  $("lookup-btn").addEventListener("click", lookup);
  $("escalate").addEventListener("change", () => setEscalate($("escalate").checked));
  $("clear").addEventListener("click", () => { reset(); toast(""); });

  Station.api("GET", "/api/health").then((r) => Station.syncClock(r.data.now)).catch(() => {});
  Station.startClock();
  Station.live({ handover_updated: Station.debounce(refresh, 200) }, refresh);
  $("cats").tabIndex = -1;
  reset();
})();
