/* End of day (D-BO-6): the supervisor marks the papers handed over; the page reloads with the result. */
"use strict";
(() => {
  const btn = document.getElementById("eod-close");
  if (btn) btn.addEventListener("click", async () => {
    if (!window.confirm("回収書類を本市職員に引き渡しましたか？この日の個人情報を削除します。 / Handed over? Personal data will be purged.")) return;
    btn.disabled = true;
    const res = await window.apiFetch("/api/end-of-day/close", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ date: btn.dataset.day }) });
    if (res.ok) { location.reload(); return; }
    const d = ((await res.json().catch(() => null)) || {}).detail || {};
    const err = document.getElementById("eod-error");
    err.textContent = (d.message_ja || "引渡しを記録できませんでした") + (d.message_en ? " / " + d.message_en : "");
    err.hidden = false;
    btn.disabled = false;
  });
  Station.api("GET", "/api/health").then((r) => Station.syncClock(r.data.now)).catch(() => {});
  Station.startClock();
})();
