/* The manual beside the work (issue 16, item 3): a panel on the phone desk and the case screen.
 *
 * Phone desk: pressing a category key shows that category's articles at once; typing the caller's question
 * searches within the category as the clerk types. Case screen: the article for the step on screen.
 * Anywhere: "/" (when not typing) opens the panel's search. An article opened here is counted as read.
 * A clerk who finds no answer proposes one from here (D-ALL-3): the question typed is carried over.
 *
 * The page only adds <aside id="manual-panel" data-context="phone|case"> and this script; the panel watches
 * the page (the category buttons' aria-checked, the content field, the case's step) rather than being
 * called by it, so phone.js and case.js need no change. Needs common.js (Station.api, Station.h).
 */
"use strict";

(() => {
  const root = document.getElementById("manual-panel");
  if (!root || typeof Station === "undefined") return;
  // The seed citations 〔D-DOC-1〕 stay in the manual (/manual, the print) but not beside the clerk's work:
  // no rule codes on the counter screens (issue 12).
  const noRuleCodes = (html) => String(html).replace(/〔[^〕]*〕/g, "");
  if (!document.querySelector('link[href="/static/css/manual.css"]')) {  // the page needs no edit for it
    document.head.append(Object.assign(document.createElement("link"), { rel: "stylesheet", href: "/static/css/manual.css" }));
  }
  const { api, h, debounce } = Station;
  const context = root.dataset.context || "";
  const ctx = { category: null, procedure: null, step: null };
  let W = {};
  const w = (k, vars) => {
    let s = W["manual.page." + k] || k;
    for (const [n, v] of Object.entries(vars || {})) s = s.split("{" + n + "}").join(String(v));
    return s;
  };

  const q = h("input", { type: "search", class: "mp-q", id: "mp-q", "aria-label": "マニュアル検索 / search the manual" });
  const list = h("ol", { class: "mp-hits", id: "mp-hits", "aria-live": "polite" });
  const status = h("p", { class: "muted mp-status", id: "mp-status", role: "status" });
  const article = h("div", { class: "mp-article", id: "mp-article", hidden: true });
  const heading = h("h2", { id: "mp-heading" }, "マニュアル / Manual");
  const proposeBtn = h("button", { type: "button", class: "btn btn-small", id: "mp-propose" }, "提案 / propose");
  const form = h("form", { class: "mp-form", id: "mp-form", hidden: true });
  root.classList.add("manual-panel");
  root.setAttribute("aria-labelledby", "mp-heading");
  root.replaceChildren(heading, q, status, list, article, proposeBtn, form);

  function params(extra) {
    const p = new URLSearchParams();
    if (ctx.category) p.set("category", ctx.category);
    if (ctx.procedure) p.set("procedure", ctx.procedure);
    if (ctx.step && ctx.procedure) p.set("step", ctx.step);
    for (const [k, v] of Object.entries(extra || {})) if (v) p.set(k, v);
    return p;
  }

  function showHits(items, empty) {
    list.replaceChildren(...items.map((x) => {
      const a = h("a", { href: "/manual#" + x.slug, dataset: { slug: x.slug } });
      a.innerHTML = x.title_html || "";  // escaped by the station; matches in <mark>
      if (!x.title_html) a.textContent = x.title;
      const li = h("li", { class: x.in_context ? "in-context" : null }, a);
      if (x.snippet_html) { const p = h("p", { class: "hit-snippet" }); p.innerHTML = noRuleCodes(x.snippet_html); li.append(p); }
      return li;
    }));
    status.textContent = items.length ? "" : empty;
  }

  // Only the newest request may fill the list: a slow answer for the key pressed must not replace the
  // answer for what was typed after it.
  let latest = 0;

  async function byContext() {
    if (!ctx.category && !ctx.procedure) return;
    const mine = ++latest;
    const { data } = await api("GET", "/api/manual/articles?" + params());
    if (mine !== latest) return;
    showHits(data.map((a) => ({ slug: a.slug, title: a.title, in_context: true })), w("panel_empty"));
    if (data.length && context === "case") open(data[0].slug);
  }

  async function search(text) {
    const query = (text || "").trim();
    if (!query) { await byContext(); return; }
    const mine = ++latest;
    const { data } = await api("GET", "/api/manual/search?" + params({ q: query, limit: "5" }));
    if (mine !== latest) return;
    showHits(data.hits, w("no_hits"));
  }

  async function open(slug) {
    const { data: a } = await api("GET", "/api/manual/articles/" + encodeURIComponent(slug));
    article.hidden = false;
    const body = h("div", { class: "manual-body" });
    body.innerHTML = noRuleCodes(a.html);  // Markdown rendered by the station without raw HTML
    article.replaceChildren(h("h3", { id: "mp-title", tabindex: "-1" }, a.title),
      h("p", { class: "muted" }, w("version", { version: a.version })), body);
    article.dataset.slug = a.slug;
    article.dataset.body = a.body;  // a proposed change starts from the published text
    api("POST", `/api/manual/articles/${encodeURIComponent(slug)}/read`).catch(() => {});
  }

  function propose() {
    const slug = article.hidden ? "" : (article.dataset.slug || "");
    const content = document.getElementById("content");
    const question = q.value.trim() || (content ? content.value.trim() : "");
    const qi = h("input", { type: "text", id: "mp-question", maxlength: "500", value: question, required: true });
    const ti = h("input", { type: "text", id: "mp-ptitle", maxlength: "120" });
    const bi = h("textarea", { id: "mp-body", rows: "6", required: true });
    bi.value = slug ? (article.dataset.body || "") : "";
    const toast = h("span", { class: "toast", id: "mp-toast", role: "status" });
    form.replaceChildren(
      h("label", {}, (W["manual.page.question"] || "question") + " ", qi),
      slug ? "" : h("label", {}, (W["manual.page.proposed_title"] || "title") + " ", ti),
      h("label", {}, (W["manual.page.proposed_text"] || "text") + " ", bi),
      h("button", { type: "submit", class: "btn btn-small btn-primary", id: "mp-send" }, w("send")), toast);
    form.hidden = false;
    form.onsubmit = async (ev) => {
      ev.preventDefault();
      const origin = context === "phone" ? "phone" : context === "case" ? "case" : "counter";
      const ref = context === "phone" && ctx.category ? "phone:" + ctx.category
        : context === "case" && ctx.procedure ? `case:${ctx.procedure}.${ctx.step || ""}` : "";
      try {
        const { data } = await api("POST", "/api/manual/proposals", {
          slug: slug || null, title: ti.value, body: bi.value, question: qi.value, origin, origin_ref: ref,
          categories: ctx.category ? [Number(ctx.category)] : [] });
        toast.textContent = w("sent", { id: data.id });
      } catch (e) { toast.textContent = e.message; }
    };
    qi.focus();
  }

  // Keys typed in the panel are the panel's: the page's own shortcuts (Enter saves a slip or runs the
  // case's next step, Esc clears or leaves, letters act on the case) must not see them.
  root.addEventListener("keydown", (ev) => ev.stopPropagation());
  list.addEventListener("click", (ev) => {
    const a = ev.target.closest("a[data-slug]");
    if (!a || ev.ctrlKey || ev.metaKey) return;
    ev.preventDefault();
    open(a.dataset.slug);
  });
  proposeBtn.addEventListener("click", propose);
  const run = debounce((text) => search(text).catch((e) => { status.textContent = e.message; }), 150);
  q.addEventListener("input", () => run(q.value));
  q.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") {  // the first answer to what is typed now, not to what the list last showed
      ev.preventDefault();
      search(q.value).then(() => {
        const a = list.querySelector("a[data-slug]");
        if (a) open(a.dataset.slug);
      }).catch((e) => { status.textContent = e.message; });
    }
    if (ev.key === "Escape") { q.value = ""; q.blur(); }
  });
  document.addEventListener("keydown", (ev) => {
    const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement && document.activeElement.tagName);
    if (ev.key === "/" && !typing && !ev.ctrlKey && !ev.altKey) { ev.preventDefault(); q.focus(); q.select(); }
  });

  // --- watching the page ---------------------------------------------------------------------------
  if (context === "phone") {
    const cats = document.getElementById("cats");
    const content = document.getElementById("content");
    const pick = () => {
      const on = cats && cats.querySelector('.phone-cat[aria-checked="true"]');
      const code = on ? on.dataset.code : null;
      if (code === ctx.category) return;
      ctx.category = code;
      article.hidden = true;
      form.hidden = true;
      (content && content.value.trim() ? search(content.value) : byContext()).catch(() => {});
    };
    if (cats) new MutationObserver(pick).observe(cats, { subtree: true, attributes: true, attributeFilter: ["aria-checked"] });
    if (content) content.addEventListener("input", () => { if (!q.value.trim()) run(content.value); });
  }
  if (context === "case") {
    const stepEl = document.getElementById("step-name");
    const procEl = document.getElementById("c-procedure-select");
    const follow = () => {
      const step = stepEl ? stepEl.dataset.step || "" : "";
      const proc = procEl ? procEl.value : "";
      if (step === ctx.step && proc === ctx.procedure) return;
      ctx.step = step;
      ctx.procedure = proc;
      article.hidden = true;
      byContext().catch(() => {});
    };
    if (stepEl) new MutationObserver(follow).observe(stepEl, { attributes: true, attributeFilter: ["data-step"] });
    if (procEl) procEl.addEventListener("change", follow);
    follow();
  }

  api("GET", "/api/manual/words").then(({ data }) => { W = data; }).catch(() => {});
})();
