/* Visitor status on a phone: live over SSE, and a poll every 15 s in case the stream is cut. */
"use strict";

(() => {
  const S = Station;
  const { t } = S;
  const $ = (id) => document.getElementById(id);
  const token = JSON.parse($("s-token").textContent);
  let lastState = $("status").dataset.state;

  function render(d) {
    $("status").dataset.state = d.state;
    $("s-number").textContent = d.number;
    $("s-category").textContent = S.LANG === "en" ? d.category_name_en : d.category_name_ja;
    $("s-called").hidden = d.state !== "called";
    $("s-wait").hidden = d.state !== "waiting";
    const other = !["waiting", "called"].includes(d.state);
    $("s-other").hidden = !other;
    if (d.state === "called") {
      $("s-called-sub").textContent = t("status_go", { n: d.counter_id });
      if (lastState !== "called" && navigator.vibrate) navigator.vibrate([300, 150, 300]);
      document.title = `${t("status_called")} ${d.number}`;
    }
    $("s-ahead").textContent = d.waiting_ahead;
    $("s-estimate").textContent = t("about_min", { n: d.estimated_wait_min });
    if (other) $("s-other-text").textContent = t("status_" + d.state);
    if (d.now) S.syncClock(d.now);
    $("s-updated").textContent = ` (${t("status_updated")} ${S.hhmm(S.now())})`;
    lastState = d.state;
  }

  async function refresh() {
    try {
      const res = await fetch(`/t/${encodeURIComponent(token)}/data`, { cache: "no-store" });
      if (res.ok) render(await res.json());
    } catch (e) { /* next poll */ }
  }
  const refreshSoon = S.debounce(refresh, 250);

  S.live({ ticket_called: refreshSoon, ticket_state_changed: refreshSoon, ticket_issued: refreshSoon }, refresh);
  setInterval(refresh, 15000);
  document.body.dataset.ready = "1";
})();
