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

  // Words, not codes: an action by its catalog phrase (the code stays in the cell's title, for the filter),
  // and a detail's yes/no/none values in words instead of Python's True/False/None.
  function action(code) {
    const key = "audit_act." + String(code || "").replace(/[.-]/g, "_");
    const word = Station.t(key);
    return word === key ? code : word;
  }
  function detail(text) {
    return String(text || "").replace(/=(True|False|None)\b/g, (_, v) => "=" + Station.t("audit_val." + v.toLowerCase()));
  }

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
      for (const [v, code] of [[fmt.format(new Date(e.at))], [e.actor], [action(e.action), e.action], [e.target],
                               [detail(e.detail)], [e.client]]) {
        const td = document.createElement("td");
        td.textContent = v;
        if (code) td.title = code;  // the code the filter takes
        tr.append(td);
      }
      return tr;
    }));
    empty.hidden = rows.length > 0;
  }

  form.addEventListener("submit", (ev) => { ev.preventDefault(); load(); });
  load();
})();
