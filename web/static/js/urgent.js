/* Urgent trouble or police (D-GUI-2, issue 14). On city-staff and supervisor screens: every open alert is a
 * red, flashing bar at the top with a tone until a person presses "I'm on it" (the seconds are kept).
 * On a counter screen (<script … data-raise="COUNTER">): a button (Alt+U) to raise one for this counter.
 * Words from the page's catalog table; text only. Include after common.js. */
"use strict";

(() => {
  const { t, api, h } = Station;
  const me = document.currentScript;
  const raiseOnly = !!(me && me.dataset.raise);

  function tone() {
    try {
      const ctx = new (window.AudioContext || window.webkitAudioContext)();
      [0, 0.45, 0.9].forEach((at) => {
        const o = ctx.createOscillator();
        const g = ctx.createGain();
        o.type = "square";
        o.frequency.value = 660;
        g.gain.value = 0.3;
        o.connect(g).connect(ctx.destination);
        o.start(ctx.currentTime + at);
        o.stop(ctx.currentTime + at + 0.3);
      });
    } catch (e) { /* no audio: the bar still flashes */ }
    window.__urgentTones = (window.__urgentTones || 0) + 1;  // what a test can see of the sound
  }

  function label(a) { return Station.LANG === "en" ? a.label_en : a.label_ja; }

  if (raiseOnly) {
    const counter = Number(me.dataset.raise) || null;
    const dlg = h("dialog", { id: "urgent-dialog" },
      h("h2", {}, t("urgent_raise")),
      ...["trouble", "police"].map((kind) => h("p", {}, h("button", {
        type: "button", class: "btn btn-warn", dataset: { urgentKind: kind },
        onclick: async () => {
          dlg.close();
          try { await api("POST", "/api/followup/urgent", { kind, counter_id: counter }); btn.textContent = t("urgent_raised_toast"); }
          catch (e) { btn.textContent = e.message; }
        } }, t("urgent_raise_" + kind)))),
      h("p", {}, h("button", { type: "button", class: "btn", onclick: () => dlg.close() }, t("sf_cancel"))));
    const btn = h("button", { type: "button", class: "btn btn-warn urgent-raise", id: "urgent-raise", accesskey: "u",
                              onclick: () => dlg.showModal() }, t("urgent_raise"));
    document.body.append(btn, dlg);
    return;
  }

  const openList = h("div", { role: "alert", "aria-live": "assertive" });
  const doneList = h("div", { role: "status" });  // the last acknowledgement by this screen, kept in view
  const zone = h("div", { class: "urgent-zone", id: "urgent-zone" }, openList, doneList);
  document.body.prepend(zone);
  const seen = new Set();

  async function refresh() {
    let open;
    try { open = (await api("GET", "/api/followup/urgent")).data; } catch (e) { return; }
    const fresh = open.some((a) => !seen.has(a.id));
    open.forEach((a) => seen.add(a.id));
    openList.replaceChildren(...open.map((a) => h("div", { class: "urgent-item", dataset: { urgent: a.id, kind: a.kind } },
      h("span", {}, t("urgent_banner", { kind: label(a), time: Station.hhmm(new Date(a.raised_at)),
        counter: a.counter_id ? t("urgent_counter", { n: a.counter_id }) : "—" })),
      h("button", { type: "button", class: "btn", dataset: { act: "ack" }, onclick: () => ack(a.id) }, t("urgent_ack")))));
    document.body.dataset.urgent = String(open.length);
    if (fresh) tone();
  }

  async function ack(id) {
    try {
      const a = (await api("POST", `/api/followup/urgent/${id}/ack`)).data;
      doneList.replaceChildren(h("div", { class: "urgent-item acked", dataset: { acked: a.id } },
        t("urgent_acked", { by: a.acked_by, s: a.ack_seconds })));
    } catch (e) { /* someone else had it: the refresh shows that */ }
    refresh();
  }

  Station.live({ urgent_updated: refresh }, refresh);
})();
