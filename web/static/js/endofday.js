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
  // City staff's receipt of the papers comes first (issue 14): say whether it is in.
  if (btn) Station.api("GET", "/api/followup/counts?date=" + btn.dataset.day).then((r) => {
    const note = document.createElement("p");
    note.id = "eod-receipt";
    note.className = r.data.receipt ? "day-closed" : "day-open";
    note.textContent = r.data.receipt
      ? Station.t("eod_receipt_in", { n: r.data.receipt_mismatches }) : Station.t("eod_receipt_missing");
    btn.before(note);
  }).catch(() => {});
  Station.api("GET", "/api/health").then((r) => Station.syncClock(r.data.now)).catch(() => {});
  Station.startClock();
})();
