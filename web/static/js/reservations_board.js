/* Staff: the day's bookings per slot (checked in, late, no-show), closing a slot, booking by phone or at
 * the counter. Codes and states only: the board never shows a resident's mail address or birth date. */
"use strict";

(() => {
  const S = Station;
  const $ = (id) => document.getElementById(id);
  const STATES = { booked: "予約", checked_in: "受付済", cancelled: "取消", no_show: "来庁なし", slot_closed: "中止" };

  async function call(method, url, body) {
    const res = await window.apiFetch(url, { method, headers: { "Content-Type": "application/json" },
      body: body ? JSON.stringify(body) : undefined });
    const data = res.status === 204 ? null : await res.json();
    if (!res.ok) throw new Error((data && data.detail && data.detail.message_ja) || res.statusText);
    return data;
  }

  async function load() {
    const day = $("rb-day").value;
    const b = await call("GET", `/api/reservations/board${day ? `?day=${day}` : ""}`);
    $("rb-counts").textContent = Object.entries(b.counts).map(([k, v]) => `${STATES[k] || k}: ${v}`).join("　");
    $("rb-table").tBodies[0].replaceChildren(...b.slots.filter((s) => s.booked || s.closed || s.entries.length)
      .map((s) => {
        const btn = S.h("button", { type: "button", class: "btn btn-small" }, s.closed ? "再開 / reopen" : "中止 / close");
        btn.addEventListener("click", () => toggle(b.day, s).catch((e) => alert(e.message)));
        return S.h("tr", { "data-slot": `${s.category}-${s.slot}` }, S.h("td", {}, s.category), S.h("td", {}, s.slot),
          S.h("td", {}, `${s.booked}/${s.capacity}${s.closed ? ` 中止（${s.closed_reason}）` : ""}`),
          S.h("td", {}, s.entries.map((e) => `${e.code} ${e.late ? "遅刻" : STATES[e.state] || e.state}` +
            (e.number ? ` ${e.number}` : "")).join("、")),
          S.h("td", {}, btn));
      }));
  }

  async function toggle(day, s) {
    if (s.closed) {
      await call("POST", "/api/reservations/slots/reopen", { day, category: s.category, slot: s.slot });
    } else {
      const reason = prompt("中止の理由 / reason", "システム障害");
      if (reason === null) return;
      const r = await call("POST", "/api/reservations/slots/close", { day, category: s.category, slot: s.slot, reason });
      alert(`中止しました。対象 ${r.affected.length}件（メール ${r.mailed}件）: ${r.affected.join(", ")}`);
    }
    await load();
  }

  $("rb-book").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    const body = Object.fromEntries(f.entries());
    if (!body.notice) body.notice = null;
    try {
      const r = await call("POST", "/api/reservations/staff", body);
      $("rb-result").textContent = `予約番号 ${r.code}（${r.day_label_ja} ${r.slot}）`;
      await load();
    } catch (e) { $("rb-result").textContent = e.message; }
  });
  $("rb-day").addEventListener("change", () => load().catch(() => {}));
  load().catch((e) => { $("rb-counts").textContent = e.message; }).finally(() => { document.body.dataset.ready = "1"; });
})();
