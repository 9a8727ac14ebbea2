/* The audit page: GET /api/audit with the filters, rendered as text (never as HTML). */
"use strict";

(() => {
  const form = document.getElementById("audit-filter");
  const tbody = document.querySelector("#audit-table tbody");
  const empty = document.getElementById("audit-empty");
  const err = document.getElementById("audit-error");
  const fmt = new Intl.DateTimeFormat("ja-JP", {
    timeZone: "Asia/Tokyo", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
  });

  async function load() {
    const q = new URLSearchParams();
    for (const k of ["day", "actor", "action"]) {
      const v = form.elements[k].value.trim();
      if (v) q.set(k, v);
    }
    err.hidden = true;
    let rows;
    try {
      rows = (await Station.api("GET", "/api/audit?" + q.toString())).data;
    } catch (e) {
      err.textContent = e.message || String(e.status);
      err.hidden = false;
      return;
    }
    tbody.replaceChildren(...rows.map((e) => {
      const tr = document.createElement("tr");
      for (const v of [fmt.format(new Date(e.at)), e.actor, e.action, e.target, e.detail, e.client]) {
        const td = document.createElement("td");
        td.textContent = v;
        tr.append(td);
      }
      return tr;
    }));
    empty.hidden = rows.length > 0;
  }

  form.addEventListener("submit", (ev) => { ev.preventDefault(); load(); });
  load();
})();
