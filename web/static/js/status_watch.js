/* Ticket status page, reservations (issue 15): "mail me when my turn is near". The address is kept only
 * until the mail is sent or the ticket ends. Additive to status.js. */
"use strict";

(() => {
  const form = document.getElementById("s-watch");
  if (!form) return;
  const token = JSON.parse(document.getElementById("s-token").textContent);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const out = document.getElementById("s-watch-result");
    try {
      const { data } = await Station.api("POST", `/t/${encodeURIComponent(token)}/watch`,
        { email: document.getElementById("s-watch-email").value.trim() });
      out.textContent = Station.LANG === "en" ? data.message_en : data.message_ja;
    } catch (e) { out.textContent = e.message; }
  });
})();
