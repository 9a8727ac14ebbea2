/* City staff: the issuance sets waiting for their check (D-ISS-2) and the handover queue (引継ぎ), live. */
"use strict";

(() => {
  const { h } = Station;
  const $ = (id) => document.getElementById(id);
  const STATE_JA = { waiting: "未対応", taken: "対応中", closed: "完了" };

  function csrf() {
    const m = document.querySelector('meta[name="csrf-token"]');
    return (m && m.content) || "";
  }

  async function call(method, path) {
    const headers = { Accept: "application/json" };
    if (method !== "GET") headers["X-CSRF-Token"] = csrf();
    const res = await fetch(path, { method, headers, credentials: "same-origin", cache: "no-store" });
    if (res.status === 401) { location.assign("/login?next=/staff"); return null; }
    const data = await res.json().catch(() => null);
    if (!res.ok) {
      const d = (data && data.detail) || {};
      throw new Error((d.message_ja || "操作できませんでした") + (d.message_en ? " / " + d.message_en : ""));
    }
    return data;
  }

  function toast(msg, bad) {
    const t = $("s-toast");
    t.textContent = msg || "";
    t.classList.toggle("bad", !!bad);
  }

  async function act(path, msg) {
    try { await call("POST", path); toast(msg); } catch (e) { toast(e.message, true); }
    refresh();
  }

  // Closing a handover deletes the case's personal data: the first click asks, the second (within 8 s) does it.
  let armed = null;
  function closeOnce(btn, id) {
    if (armed && armed.id === id) {
      clearTimeout(armed.timer);
      armed = null;
      act(`/api/handovers/${id}/close`, Station.t("case.staff_closed"));
      return;
    }
    if (armed) { clearTimeout(armed.timer); armed.btn.textContent = Station.t("case.staff_close"); }
    btn.textContent = Station.t("case.staff_close_confirm");
    btn.dataset.armed = "1";
    armed = { id, btn, timer: setTimeout(() => { armed = null; btn.textContent = Station.t("case.staff_close"); delete btn.dataset.armed; }, 8000) };
    toast(Station.t("case.staff_close_hint"));
  }

  async function refresh() {
    try {
      const [checks, handovers] = await Promise.all([call("GET", "/api/cases/awaiting-staff-check"),
                                                     call("GET", "/api/handovers")]);
      $("checks").replaceChildren(...checks.map((c) => h("tr", { dataset: { case: c.id } },
        h("td", {}, c.ticket_number || "—"), h("td", {}, c.counter_id ? `${c.counter_id}番` : "—"),
        h("td", {}, c.record && c.record.box_label ? `${c.record.box_label}・${c.record.position}` : "—"),
        h("td", { class: "to-collect" }, (c.to_collect || []).map((d) => d.ja).join("、")),
        h("td", {}, h("button", { type: "button", class: "btn btn-primary btn-small", dataset: { act: "check" },
          onclick: () => act(`/api/cases/${c.id}/staff-check`, "確認しました") }, "確認済み")))));
      $("checks-empty").hidden = checks.length > 0;
      $("checks-count").textContent = String(checks.length);
      $("handovers").replaceChildren(...handovers.map((x) => h("tr", { dataset: { handover: x.id, state: x.state } },
        h("td", {}, Station.hhmm(new Date(x.requested_at))), h("td", {}, x.ticket_number || "—"),
        h("td", {}, x.counter_id ? `${x.counter_id}番` : "—"), h("td", {}, x.procedure_ja),
        h("td", {}, x.reason_ja), h("td", {}, x.note || ""),
        h("td", { class: "h-state" }, STATE_JA[x.state] + (x.taken_by ? `（${x.taken_by}）` : "")),
        h("td", {}, x.state === "waiting"
          ? h("button", { type: "button", class: "btn btn-small", dataset: { act: "take" },
                          onclick: () => act(`/api/handovers/${x.id}/take`, "引き継ぎました") }, "対応する")
          : h("button", { type: "button", class: "btn btn-ok btn-small", dataset: { act: "close" },
                          onclick: (e) => closeOnce(e.currentTarget, x.id) }, Station.t("case.staff_close"))))));
      $("handovers-empty").hidden = handovers.length > 0;
      $("handovers-count").textContent = String(handovers.length);
      document.body.dataset.ready = "1";
    } catch (e) { toast(e.message, true); }
  }

  const later = Station.debounce(refresh, 50);
  Station.live({ case_updated: later, handover_updated: later }, refresh);
  Station.startClock();
})();
