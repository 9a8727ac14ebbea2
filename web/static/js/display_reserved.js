/* Waiting-room display, reservations (issue 15): 予約 beside a called number that is a booked visitor's.
 * Additive to display.js: it watches the calls list and asks which of today's tickets are priority ones
 * whenever a ticket it has not seen yet appears there. */
"use strict";

(() => {
  const list = document.getElementById("calls");
  if (!list) return;
  const priority = new Set();
  const known = new Set();
  let asking = null;

  function decorate() {
    for (const li of list.querySelectorAll("li[data-ticket]")) {
      const id = Number(li.dataset.ticket);
      const has = li.querySelector(".call-reserved");
      if (priority.has(id) && !has) {
        const badge = document.createElement("span");
        badge.className = "call-reserved";
        badge.textContent = "予約";
        badge.setAttribute("title", "Reservation");
        li.querySelector(".call-number").after(badge);
      }
    }
  }

  async function ask() {
    try {
      const res = await fetch("/api/reservations/priority", { cache: "no-store" });
      if (res.ok) for (const id of (await res.json()).ticket_ids) priority.add(id);
    } catch (e) { /* next call asks again */ }
    asking = null;
    decorate();
  }

  new MutationObserver(() => {
    let fresh = false;
    for (const li of list.querySelectorAll("li[data-ticket]")) {
      const id = Number(li.dataset.ticket);
      if (!known.has(id)) { known.add(id); fresh = true; }
    }
    if (fresh && !asking) asking = ask(); else decorate();
  }).observe(list, { childList: true });
})();
