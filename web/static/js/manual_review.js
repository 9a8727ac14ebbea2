/* Reviewing proposals (/manual/review): city staff accept (as written or edited) or reject with a reason;
 * the supervisor sees the same list (the buttons answer 403 for a role that may not decide). */
"use strict";

(() => {
  const { api, h } = Station;
  const W = JSON.parse(document.getElementById("manual-words").textContent);
  const w = (k, vars) => {
    let s = W["manual.page." + k] || k;
    for (const [n, v] of Object.entries(vars || {})) s = s.split("{" + n + "}").join(String(v));
    return s;
  };
  const $ = (id) => document.getElementById(id);
  const toast = (m) => { $("r-toast").textContent = m; };

  function diffView(d) {
    if (!d) return h("div");
    return h("div", { class: "manual-diff" },
      d.fields.map((f) => h("div", { class: "diff-field" }, `${f.field}: ${f.before} → ${f.after}`)),
      [...d.title, ...d.body].map((l) => h("div", { class: "diff-" + l.op },
        (l.op === "add" ? "+ " : l.op === "del" ? "− " : "  ") + l.text)));
  }

  async function decide(id, kind, li) {
    try {
      if (kind === "reject") {
        const reason = li.querySelector(".reason").value;
        await api("POST", `/api/manual/proposals/${id}/reject`, { reason });
        toast(w("rejected"));
      } else {
        const body = kind === "edit" ? { body: li.querySelector(".edit").value } : {};
        const { data } = await api("POST", `/api/manual/proposals/${id}/accept`, body);
        toast(w("accepted", { version: data.version }));
      }
      await load();
    } catch (e) {
      toast(e.message);
    }
  }

  async function load() {
    const { data: list } = await api("GET", "/api/manual/proposals?status=open");
    $("open-count").textContent = String(list.length);
    const items = [];
    for (const p of list) {
      const { data: full } = await api("GET", `/api/manual/proposals/${p.id}`);
      const li = h("li", { class: "manual-proposal", dataset: { id: String(p.id) } },
        h("h3", {}, `#${p.id} ${p.slug ? p.title : w("new_article") + " " + p.title}`),
        h("p", {}, `${w("question")}: ${p.question}`),
        h("p", { class: "muted" }, `${w("asked", { n: p.asked_count })} — ${p.proposed_by} (${p.origin} ${p.origin_ref})`),
        diffView(full.diff),
        h("label", { class: "phone-field" }, w("proposed_text"), h("textarea", { class: "edit", rows: "6" }, p.body)),
        h("label", { class: "phone-field" }, w("reason"), h("input", { type: "text", class: "reason", maxlength: "500" })));
      li.append(h("div", { class: "phone-actions" },
        h("button", { type: "button", class: "btn btn-primary accept", onclick: () => decide(p.id, "accept", li) }, w("accept")),
        h("button", { type: "button", class: "btn edit-accept", onclick: () => decide(p.id, "edit", li) }, w("edit_accept")),
        h("button", { type: "button", class: "btn btn-warn reject", onclick: () => decide(p.id, "reject", li) }, w("reject"))));
      items.push(li);
    }
    $("proposals").replaceChildren(...items);
  }

  $("import-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = $("import-file").files[0];
    if (!f) return;
    const form = new FormData();
    form.append("file", f);
    const res = await apiFetch("/api/manual/import", { method: "POST", body: form });
    const data = await res.json();
    toast(res.ok ? `+${data.created.length} ~${data.updated.length} =${data.unchanged.length}`
      : ((data.detail && data.detail.message_ja) || res.status));
  });
  load().catch((e) => toast(e.message));
})();
