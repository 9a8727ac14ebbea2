/* Simulator panel: every device of the counter, driven through its real channel by /api/sim. */
"use strict";

(() => {
  const S = Station;
  const { h, t } = S;
  const $ = (id) => document.getElementById(id);

  function toast(msg, kind) {
    const el = $("toast");
    el.textContent = msg;
    el.dataset.kind = kind || "info";
  }
  async function call(method, path, body) {
    try {
      return (await S.api(method, path, body)).data;
    } catch (e) {
      toast(e.status === 404 && !e.detail.message_ja ? t("sim_not_ready") : e.message, "error");
      return null;
    }
  }

  // --- buttons -----------------------------------------------------------------------------------
  for (const b of document.querySelectorAll(".sim-press")) {
    b.addEventListener("click", async () => {
      const r = await call("POST", "/api/sim/button", { category: b.dataset.cat });
      if (r) toast(t("sim_press", { c: b.dataset.cat }), "ok");
    });
  }

  // --- printer -----------------------------------------------------------------------------------
  async function loadPrinterState() {
    const r = await call("GET", "/api/sim/printer/state");
    if (r) { $("printer-state").value = r.state; $("printer-state-now").textContent = t("printer_" + r.state); }
  }
  $("printer-state").addEventListener("change", async (ev) => {
    const r = await call("POST", "/api/sim/printer/state", { state: ev.target.value });
    if (r) $("printer-state-now").textContent = t("printer_" + r.state);
  });

  let lastJob = -1;
  async function loadJobs() {
    const jobs = await call("GET", "/api/sim/printer/jobs?limit=12");
    if (!jobs) return;
    const top = jobs.length ? jobs[0].id : 0;
    if (top === lastJob) return;
    lastJob = top;
    if (!jobs.length) return;
    $("jobs").replaceChildren(...jobs.map((j) => h("li", { class: "job" },
      h("img", { src: j.png_url, alt: j.text.split("\n").filter(Boolean).slice(0, 6).join(" / "), loading: "lazy" }),
      h("span", { class: "muted" }, S.hhmm(new Date(j.printed_at))))));
  }

  // --- card --------------------------------------------------------------------------------------
  async function loadCard() {
    const r = await call("GET", "/api/sim/card");
    if (!r) return;
    const sel = $("card-profile");
    if (!sel.options.length) {
      sel.replaceChildren(...(r.profiles || []).map((p) =>
        h("option", { value: p.name }, p.description_ja && S.LANG !== "en" ? `${p.name} — ${p.description_ja}` : p.name)));  // profiles are described in Japanese only
    }
    $("card-now").textContent = r.available === false ? (r.error || "")
      : r.inserted ? t("sim_card_state_in", { p: r.profile }) : t("sim_card_state_out");
  }
  $("card-insert").addEventListener("click", async () => {
    if (await call("POST", "/api/sim/card", { action: "insert", profile: $("card-profile").value })) loadCard();
  });
  $("card-remove").addEventListener("click", async () => {
    if (await call("POST", "/api/sim/card", { action: "remove" })) loadCard();
  });

  // --- scanner -----------------------------------------------------------------------------------
  async function scan(text) {
    const r = await call("POST", "/api/sim/scanner", { text, noise: false });
    if (r) toast(`${t("sim_scan")}: ${text}`, "ok");
  }
  $("scan-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = $("scan-text").value.trim();
    if (text) scan(text);
  });
  $("scan-noise").addEventListener("click", async () => {
    if (await call("POST", "/api/sim/scanner", { text: "", noise: true })) toast(t("sim_noise"), "ok");
  });

  // --- today's tickets ----------------------------------------------------------------------------
  async function loadTickets() {
    const rows = await call("GET", "/sim/tickets");
    if (!rows) return;
    $("sim-tickets").replaceChildren(...rows.slice(0, 15).map((r) => h("tr", { "data-number": r.number },
      h("th", { scope: "row" }, r.number),
      h("td", {}, S.LANG === "en" ? r.category_name_en : r.category_name_ja),
      h("td", {}, h("span", { class: "pill", "data-state": r.state }, S.stateLabel(r.state))),
      h("td", { class: "cell-actions" },
        h("a", { href: r.status_path, target: "_blank", class: "status-link" }, t("sim_status_link")),
        h("button", { type: "button", class: "btn btn-small", onclick: () => scan(r.code) }, t("sim_scan_ticket"))))));
    document.body.dataset.ready = "1";
  }
  const loadTicketsSoon = S.debounce(loadTickets, 150);
  const loadJobsSoon = S.debounce(loadJobs, 150);

  S.live({
    ticket_issued: loadTicketsSoon,
    ticket_state_changed: loadTicketsSoon,
    ticket_called: loadTicketsSoon,
    ticket_printed: loadJobsSoon,
    device_status_changed: (d) => { if (d.device === "printer") loadPrinterState(); },
    card_inserted: loadCard,
    card_removed: loadCard,
  }, () => {
    loadTickets(); loadJobs(); loadPrinterState(); loadCard();
    S.api("GET", "/api/health").then((r) => S.syncClock(r.data.now)).catch(() => {});
  });
  S.startClock();
})();
