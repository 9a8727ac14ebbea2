/* The public congestion page (混雑状況): counts per category, refreshed when a number is called (SSE)
 * and every 10 s otherwise. The browser revalidates with the ETag, so an unchanged answer costs a 304. */
"use strict";

(() => {
  const S = Station;
  const W = JSON.parse(document.getElementById("r-words").textContent);
  const $ = (id) => document.getElementById(id);
  const w = (key, vars) => {
    let s = W["reservations.page." + key] || key;
    if (vars) for (const [k, v] of Object.entries(vars)) s = s.split("{" + k + "}").join(String(v));
    return s;
  };

  function render(d) {
    $("c-hours").textContent = d.open_today ? `${w("hours")}: ${d.opens}〜${d.closes}` : w("closed_today");
    $("c-cats").replaceChildren(...d.categories.map((c) => {
      const until = c.accepting_until ? S.hhmm(new Date(c.accepting_until)) : "";
      const typical = c.typical_by_hour.length
        ? S.h("p", { class: "c-typical" }, `${w("typical")}: `,
          ...c.typical_by_hour.map((x) => S.h("span", {}, `${x.hour}時 ${w("minutes", { n: x.typical_wait_min })}`)))
        : "";
      return S.h("section", { class: "c-cat", "data-category": c.code },
        S.h("h2", {}, S.LANG === "en" ? c.name_en : c.name_ja),
        S.h("dl", { class: "c-facts" },
          S.h("div", {}, S.h("dt", {}, w("waiting")), S.h("dd", { class: "c-waiting" }, w("people", { n: c.waiting }))),
          S.h("div", {}, S.h("dt", {}, w("calling")), S.h("dd", { class: "c-calling" }, c.now_calling || "—")),
          S.h("div", {}, S.h("dt", {}, w("wait")), S.h("dd", {}, w("minutes", { n: c.estimated_wait_min })))),
        S.h("p", { class: "c-state" }, c.accepting ? w("accepting", { until }) : w("not_accepting")),
        typical);
    }));
    if (d.now) S.syncClock(d.now);
    $("c-updated").textContent = S.hhmm(S.now());
  }

  async function refresh() {
    try {
      const res = await fetch("/api/public/status", { cache: "no-cache" });
      if (res.ok) render(await res.json());
    } catch (e) { /* next round */ }
  }
  // The daemon answers at once from its shared copy and refreshes that copy behind the answer (at most once a
  // second): ask right away, and once more a moment later for the refreshed figures.
  const again = S.debounce(refresh, 1500);
  const soon = S.debounce(() => { refresh(); again(); }, 300);
  render(JSON.parse($("c-initial").textContent));
  S.live({ ticket_called: soon, ticket_issued: soon, ticket_state_changed: soon }, () => {});
  setInterval(refresh, 10000);
  document.body.dataset.ready = "1";
})();
