/* The manual screen (/manual): search as you type, read an article, its versions and their diff, propose.
 * Server-made HTML (title_html, snippet_html, html) is escaped by the station (matches in <mark>, Markdown
 * rendered without raw HTML); everything else is built as text with Station.h. */
"use strict";

(() => {
  const { api, h, debounce } = Station;
  const W = JSON.parse(document.getElementById("manual-words").textContent);
  const w = (k, vars) => {
    let s = W["manual.page." + k] || k;
    for (const [n, v] of Object.entries(vars || {})) s = s.split("{" + n + "}").join(String(v));
    return s;
  };
  const $ = (id) => document.getElementById(id);
  const q = $("q"), cat = $("category"), hits = $("hits"), count = $("hits-count");
  let current = null;

  function html(el, markup) { el.innerHTML = markup; return el; }

  async function search() {
    const params = new URLSearchParams();
    if (q.value.trim()) params.set("q", q.value.trim());
    if (cat.value) params.set("category", cat.value);
    if (!params.toString()) { count.textContent = ""; return; }
    const { data } = await api("GET", "/api/manual/search?" + params);
    hits.replaceChildren(...data.hits.map((x) => h("li", { class: x.in_context ? "in-context" : null },
      html(h("a", { href: "#" + x.slug, dataset: { slug: x.slug }, class: "hit-title" }), x.title_html),
      html(h("p", { class: "hit-snippet" }), x.snippet_html))));
    count.textContent = data.hits.length ? w("hits", { n: data.hits.length }) : w("no_hits");
  }

  async function open(slug, focus) {
    const { data: a } = await api("GET", "/api/manual/articles/" + encodeURIComponent(slug));
    current = a;
    $("article").hidden = false;
    $("a-title").textContent = a.title;
    $("a-version").textContent = w("version", { version: a.version });
    $("a-meta").textContent = [a.category_marks.join(""), a.reviewed_on ? w("reviewed", { date: a.reviewed_on }) : ""]
      .filter(Boolean).join("　");
    html($("a-body"), a.html);
    $("a-sources").replaceChildren(...(a.sources.length ? [h("h3", {}, w("sources")),
      h("ul", {}, a.sources.map((s) => h("li", {}, s)))] : []));
    $("history").hidden = true;
    if (location.hash !== "#" + slug) history.replaceState(null, "", "#" + slug);
    api("POST", "/api/manual/articles/" + encodeURIComponent(slug) + "/read").catch(() => {});
    if (focus) $("a-title").focus();
  }

  function renderDiff(d) {
    const lines = [...d.title, ...d.body].map((l) => h("div", { class: "diff-" + l.op },
      (l.op === "add" ? "+ " : l.op === "del" ? "− " : "  ") + l.text));
    const fields = d.fields.map((f) => h("div", { class: "diff-field" }, `${f.field}: ${f.before} → ${f.after}`));
    $("diff").replaceChildren(...fields, ...lines);
  }

  async function showHistory() {
    if (!current) return;
    const { data: vs } = await api("GET", `/api/manual/articles/${encodeURIComponent(current.slug)}/versions`);
    $("versions").replaceChildren(...vs.map((v) => h("li", {},
      h("button", { type: "button", class: "btn btn-small", onclick: () => showDiff(v.version) },
        w("version", { version: v.version })),
      " " + new Date(v.published_at).toLocaleString(Station.LANG === "en" ? "en-GB" : "ja-JP", { timeZone: "Asia/Tokyo" }) +
      " " + w("by", { who: v.written_by, approver: v.approved_by }))));
    $("history").hidden = false;
    if (vs.length) await showDiff(vs[0].version);
  }

  async function showDiff(version) {
    const { data } = await api("GET", `/api/manual/articles/${encodeURIComponent(current.slug)}/diff?to=${version}`);
    renderDiff(data);
  }

  function propose(slug) {
    const form = $("propose");
    form.hidden = false;
    $("p-slug").value = slug || "";
    $("p-title-row").hidden = !!slug;
    $("p-heading").textContent = slug ? w("propose") : w("propose_new");
    $("p-body").value = slug && current ? current.body : "";
    $("p-question").value = slug ? "" : q.value.trim();
    $("p-toast").textContent = "";
    $("p-question").focus();
  }

  async function send(ev) {
    ev.preventDefault();
    const slug = $("p-slug").value;
    const body = { slug: slug || null, title: $("p-title").value, body: $("p-body").value,
      question: $("p-question").value, origin: slug ? "article" : "search",
      categories: cat.value ? [Number(cat.value)] : [] };
    try {
      const { data } = await api("POST", "/api/manual/proposals", body);
      $("p-toast").textContent = w("sent", { id: data.id });
    } catch (e) {
      $("p-toast").textContent = e.message;
    }
  }

  const run = debounce(() => search().catch((e) => { count.textContent = e.message; }), 150);
  q.addEventListener("input", run);
  cat.addEventListener("change", run);
  $("search-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const first = hits.querySelector("a[data-slug]");
    if (first) open(first.dataset.slug, true);
  });
  hits.addEventListener("click", (ev) => {
    const a = ev.target.closest("a[data-slug]");
    if (!a) return;
    ev.preventDefault();
    open(a.dataset.slug, false);
  });
  $("show-history").addEventListener("click", () => showHistory());
  $("propose-change").addEventListener("click", () => propose(current && current.slug));
  $("propose-new").addEventListener("click", () => propose(null));
  $("propose").addEventListener("submit", send);
  $("a-title").tabIndex = -1;
  document.addEventListener("keydown", (ev) => {
    const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
    if (ev.key === "/" && !typing) { ev.preventDefault(); q.focus(); q.select(); }
  });
  const params = new URLSearchParams(location.search);
  if (params.get("q")) { q.value = params.get("q"); }
  if (params.get("category")) { cat.value = params.get("category"); }
  if (q.value || cat.value) run();
  if (location.hash.length > 1) open(decodeURIComponent(location.hash.slice(1)), false).catch(() => {});
})();
