/* The counter's side of a preprint (D-APP-3, issue 14): forms city staff printed for this counter's
 * visitors, each given with one key (G) — the handover then closes and its personal data goes.
 * Include after common.js with data-counter. Text only. */
"use strict";

(() => {
  const { t, api, h } = Station;
  const counter = Number(document.currentScript.dataset.counter);
  const box = h("section", { class: "card preprint-box", id: "preprints", hidden: true, "aria-live": "polite" });
  (document.querySelector("main") || document.body).prepend(box);
  let first = null;

  async function give(id) {
    try { await api("POST", `/api/followup/preprints/${id}/given`); box.dataset.msg = t("pp_given"); } catch (e) {
      box.dataset.msg = e.message;
    }
    refresh();
  }

  async function refresh() {
    let list;
    try { list = (await api("GET", `/api/followup/preprints?counter=${counter}`)).data; } catch (e) { return; }
    first = list.length ? list[0].handover_id : null;
    box.replaceChildren(h("h2", {}, t("pp_title")),
      ...list.map((p) => h("p", { dataset: { preprint: p.handover_id } },
        t("pp_item", { ticket: p.ticket_number || "—", time: Station.hhmm(new Date(p.printed_at)), by: p.printed_by }), " ",
        h("button", { type: "button", class: "btn btn-ok btn-small", dataset: { act: "given" },
                      onclick: () => give(p.handover_id) }, t("pp_give")))),
      box.dataset.msg ? h("p", { class: "muted", id: "pp-msg" }, box.dataset.msg) : null);
    box.hidden = list.length === 0 && !box.dataset.msg;
  }

  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.repeat || ev.key.toLowerCase() !== "g") return;
    if (["INPUT", "SELECT", "TEXTAREA"].includes((ev.target && ev.target.tagName) || "") || first === null) return;
    ev.preventDefault();
    give(first);
  });
  Station.live({ handover_updated: refresh }, refresh);
})();
