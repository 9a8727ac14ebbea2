/* The 業務管理者 in the loop (D-OTH-4, issue 14), on the supervisor's screen: handovers that need the
 * integrated terminal beyond the clerks' authority or a J-LIS inquiry wait here until the 業務管理者 has
 * reported them and passes them to city staff. Nothing personal is shown. Text only. */
"use strict";

(() => {
  const { t, api, h } = Station;
  const en = Station.LANG === "en";
  const box = h("section", { class: "card manager-box", id: "manager-held", hidden: true });
  (document.querySelector("main") || document.body).prepend(box);

  async function refresh() {
    let list;
    try { list = (await api("GET", "/api/followup/held")).data; } catch (e) { return; }
    box.replaceChildren(h("h2", {}, t("mg_title")), ...list.map((x) => h("p", { dataset: { held: x.handover_id } },
      t("mg_item", { time: Station.hhmm(new Date(x.requested_at)), reason: en ? x.reason_en : x.reason_ja,
                     counter: x.counter_id ? t("urgent_counter", { n: x.counter_id }) : "—" }), " ",
      h("button", { type: "button", class: "btn btn-primary btn-small", dataset: { act: "forward" },
                    onclick: async () => { await api("POST", `/api/followup/handovers/${x.handover_id}/forward`).catch(() => {}); refresh(); } },
        t("mg_forward")))));
    box.hidden = list.length === 0;
  }
  Station.live({ handover_updated: refresh }, refresh);
})();
