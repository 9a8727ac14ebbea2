/* End of day (D-BO-6): the supervisor marks the papers handed over; the page reloads with the result. */
"use strict";
(() => {
  const btn = document.getElementById("eod-close");
  if (btn) btn.addEventListener("click", async () => {
    if (!window.confirm("回収書類を本市職員に引き渡しましたか？この日の個人情報を削除します。 / Handed over? Personal data will be purged.")) return;
    btn.disabled = true;
    let d;
    try {
      await Station.api("POST", "/api/end-of-day/close", { date: btn.dataset.day });
      location.reload();
      return;
    } catch (e) {
      d = (e && e.detail) || {};
    }
    const err = document.getElementById("eod-error");
    err.textContent = (d.message_ja || "引渡しを記録できませんでした") + (d.message_en ? " / " + d.message_en : "");
    err.hidden = false;
    btn.disabled = false;
  });
  Station.api("GET", "/api/health").then((r) => Station.syncClock(r.data.now)).catch(() => {});
  Station.startClock();
})();
