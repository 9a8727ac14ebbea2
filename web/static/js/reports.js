/* Reports (D-ALL-1): the day's counts as tables and small SVG charts drawn here (no chart library). */
"use strict";

(() => {
  const { h } = Station;
  const $ = (id) => document.getElementById(id);
  const SVG = "http://www.w3.org/2000/svg";

  function s(tag, attrs, text) {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
    if (text !== undefined) el.textContent = String(text);
    return el;
  }

  /** A "nice" axis: the top at or above `max`, ticks at 1/2/5 × 10^k; whole numbers for counts. */
  function axis(max, integer) {
    const raw = Math.max(max, integer ? 1 : 0.1) / 4;
    const mag = 10 ** Math.floor(Math.log10(raw));
    let step = [1, 2, 5, 10].map((m) => m * mag).find((x) => x >= raw);
    if (integer) step = Math.max(1, Math.round(step));
    const top = Math.max(step, Math.ceil(max / step) * step);
    const ticks = [];
    for (let v = step; v <= top + step / 1000; v += step) ticks.push(Math.round(v * 1000) / 1000);
    return { top, ticks };
  }

  /** A category name on at most two lines under its bar: split at 「・」 or by length, never cut off. */
  function labelLines(text, perLine) {
    if (!text || text.length <= perLine) return [text || ""];
    const dot = text.indexOf("・");
    if (dot > 0 && dot < text.length - 1 && dot + 1 <= perLine && text.length - dot - 1 <= perLine) {
      return [text.slice(0, dot + 1), text.slice(dot + 1)];
    }
    const first = text.slice(0, perLine);
    const rest = text.slice(perLine);
    return [first, rest.length > perLine ? rest.slice(0, perLine - 1) + "…" : rest];
  }

  /** Grouped vertical bars: labels[i] with one value per series. Room above the top bar for its value,
   * whole-number ticks for counts (opts.integer), category names on up to two lines (opts.sub). */
  function bars(svg, labels, series, opts) {
    const o = opts || {};
    const W = 560, L = 40, T = 26, B = o.sub ? 62 : 30, H = 200 + B;
    const n = labels.length || 1;
    const max = Math.max(0, ...series.flatMap((x) => x.values.map((v) => v || 0)));
    const { top, ticks } = axis(max, !!o.integer);
    const band = (W - L - 8) / n;
    const bw = Math.max(4, Math.min(36, (band - 8) / series.length));
    const perLine = Math.max(3, Math.floor((band - 6) / 14));  // 14 px characters
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    svg.replaceChildren();
    for (const v of ticks) {
      const y = H - B - (H - B - T) * (v / top);
      svg.append(s("line", { x1: L, y1: y, x2: W - 4, y2: y, class: "grid" }));
      svg.append(s("text", { x: L - 4, y: y + 5, "text-anchor": "end", class: "tick" }, v));
    }
    svg.append(s("line", { x1: L, y1: H - B, x2: W - 4, y2: H - B, class: "axis" }));
    svg.append(s("line", { x1: L, y1: T, x2: L, y2: H - B, class: "axis" }));
    labels.forEach((lab, i) => {
      const x0 = L + band * i + (band - bw * series.length) / 2;
      series.forEach((ser, j) => {
        const v = ser.values[i] || 0;
        const hgt = (H - B - T) * (v / top);
        const r = s("rect", { x: x0 + j * bw, y: H - B - hgt, width: bw - 2, height: Math.max(0, hgt), class: ser.cls });
        r.append(s("title", {}, `${lab}: ${v}`));
        svg.append(r);
        if (v) svg.append(s("text", { x: x0 + j * bw + (bw - 2) / 2, y: H - B - hgt - 4, "text-anchor": "middle", class: "value" }, v));
      });
      const cx = L + band * i + band / 2;
      svg.append(s("text", { x: cx, y: H - B + 18, "text-anchor": "middle" }, lab));
      if (o.sub) {
        labelLines(o.sub[i], perLine).forEach((line, k) => {
          const t = s("text", { x: cx, y: H - B + 36 + 17 * k, "text-anchor": "middle", class: "sub" }, line);
          t.append(s("title", {}, o.sub[i]));
          svg.append(t);
        });
      }
    });
    svg.dataset.bars = String(labels.length);
    svg.dataset.top = String(top);
  }

  function table(el, head, rows) {
    el.replaceChildren(h("thead", {}, h("tr", {}, ...head.map((x, i) => h("th", { scope: "col", class: i ? "num" : null }, x)))),
      h("tbody", {}, ...rows.map((r) => h("tr", {}, ...r.map((x, i) => h("td", { class: i ? "num" : null }, x === null ? "—" : x))))));
  }

  function kpi(label, value, key) {
    return h("div", { class: "rep-kpi", dataset: { kpi: key } }, label, h("b", {}, String(value)));
  }

  async function load(day) {
    $("rep-error").hidden = true;
    let r;
    try {
      r = (await Station.api("GET", "/api/reports/daily?date=" + encodeURIComponent(day))).data;
    } catch (e) {
      $("rep-error").textContent = (e.detail && e.detail.message_ja) || "読み込めませんでした / could not load";
      $("rep-error").hidden = false;
      return;
    }
    for (const [id, base] of [["rep-csv", "/api/reports/daily.csv"], ["rep-print", "/reports/print"], ["rep-eod", "/end-of-day"]]) {
      $(id).href = `${base}?date=${day}`;
    }
    history.replaceState(null, "", `/reports?date=${day}`);
    const t = r.tickets;
    $("rep-day-state").textContent = r.day ? `引渡し済み（${r.day.closed_by}） / handed over` : "未引渡し / not handed over yet";
    $("rep-day-state").className = r.day ? "day-closed" : "day-open";
    $("kpis").replaceChildren(
      kpi("番号札 / tickets", t.total, "tickets"),
      kpi("窓口の手続き / cases", r.cases.total, "cases"),
      kpi("交付 / issued", r.cases.counts.find((c) => c.key === "issued").count, "issued"),
      kpi("保険証利用申込 / insurance", r.insurance_applications, "insurance"),
      kpi("公金受取口座 / public funds", r.public_funds_registrations, "public_funds"),
      kpi("更新案内 / renewal guidance", r.renewal_guidance, "renewal_guidance"),
      kpi("電話 / phone calls", r.phone.total, "phone"),
      kpi("引継ぎ / escalations", r.escalations.total, "escalations"),
      kpi("待ち時間 中央値 / median wait", t.wait.median_min === null ? "—" : `${t.wait.median_min}分`, "wait_median"),
      kpi("待ち時間 90% / p90 wait", t.wait.p90_min === null ? "—" : `${t.wait.p90_min}分`, "wait_p90"),
    );
    bars($("chart-tickets"), t.by_category.map((c) => c.category), [{ cls: "bar", values: t.by_category.map((c) => c.issued) }],
      { sub: t.by_category.map((c) => c.ja), integer: true });
    table($("t-tickets"), ["区分", "発券", "完了", "不在", "取消", "待ち中央値(分)", "待ちp90", "対応中央値", "対応p90"],
      t.by_category.map((c) => [`${c.category} ${c.ja}`, c.issued, c.done, c.no_show, c.cancelled,
        c.wait.median_min, c.wait.p90_min, c.service.median_min, c.service.p90_min]));
    bars($("chart-hours"), t.by_hour.map((x) => `${x.hour}時`), [
      { cls: "bar", values: t.by_hour.map((x) => x.wait.median_min) },
      { cls: "bar2", values: t.by_hour.map((x) => x.service.median_min) }]);
    table($("t-hours"), ["時間帯", "待ち件数", "待ち中央値", "待ちp90", "対応件数", "対応中央値", "対応p90"],
      t.by_hour.map((x) => [`${x.hour}時台`, x.wait.n, x.wait.median_min, x.wait.p90_min, x.service.n, x.service.median_min, x.service.p90_min]));
    table($("t-cases"), ["手続き / 結果", "件数"], r.cases.by_procedure.flatMap((p) => [
      [h("b", {}, p.ja), p.total], ...p.outcomes.map((o) => [`　${o.ja}`, o.count])]));
    table($("t-handling"), ["取扱い", "件数"], r.cases.counts.map((c) => [c.ja, c.count])
      .concat(r.cases.collected.map((c) => [`回収: ${c.ja}`, c.count])));
    bars($("chart-phone"), r.phone.by_category.map((c) => c.mark), [{ cls: "bar", values: r.phone.by_category.map((c) => c.count) }],
      { integer: true });
    table($("t-phone"), ["区分", "件数"], r.phone.by_category.map((c) => [`${c.mark} ${c.ja}`, c.count])
      .concat([["簡単な問い合わせ（区分のみ）", r.phone.trivial]]));
    table($("t-esc"), ["理由", "件数"], [["合計", r.escalations.total], ["窓口から", r.escalations.from_counter],
      ["電話から", r.escalations.from_phone], ...r.escalations.by_reason.map((x) => [x.ja, x.count])]);
    document.body.dataset.loaded = day;
  }

  $("rep-form").addEventListener("submit", (ev) => { ev.preventDefault(); load($("rep-date").value); });
  $("rep-date").addEventListener("change", () => load($("rep-date").value));
  Station.api("GET", "/api/health").then((r) => Station.syncClock(r.data.now)).catch(() => {});
  Station.startClock();
  load($("rep-date").value);
})();
