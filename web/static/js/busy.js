/* Busy-time mode (混雑時体制, issue 14): a banner on every panel, the kiosk (beside its estimates) and the
 * staff screens while it is on; where the page has a switch (<script … data-switch>), one button turns it
 * on or off for the whole office. Live through config_changed; words from the catalog table; text only. */
"use strict";

(() => {
  const { t, api, h } = Station;
  const me = document.currentScript;
  const withSwitch = !!(me && me.dataset.switch !== undefined);
  const en = Station.LANG === "en";
  const banner = h("div", { class: "busy-banner", id: "busy-banner", role: "status", hidden: true });
  document.body.prepend(banner);
  let sw = null;
  if (withSwitch) {
    sw = h("button", { type: "button", class: "btn btn-warn busy-switch", id: "busy-switch", onclick: toggle });
    (document.querySelector("main") || document.body).prepend(h("p", { class: "busy-bar" }, sw));
  }
  let on = false;

  async function refresh() {
    let b;
    try { b = (await api("GET", "/api/busy")).data; } catch (e) { return; }
    on = b.on;
    const name = en ? b.name_en : b.name_ja;
    const extras = [b.tablet_applications && t("busy_tablet"), b.express_issuance && t("busy_express")].filter(Boolean);
    banner.textContent = t("busy_banner", { name }) + (extras.length ? " — " + extras.join(" / ") : "")
      + (document.querySelector(".cat-estimate") ? " " + t("busy_kiosk_note") : "");
    banner.hidden = !on;
    document.body.dataset.busy = on ? "on" : "off";
    if (sw) sw.textContent = on ? t("busy_switch_off", { name }) : t("busy_switch_on", { name });
  }

  async function toggle() {
    try { await api("PUT", "/api/busy", { on: !on }); } catch (e) { banner.textContent = e.message; banner.hidden = false; }
    refresh();
  }

  Station.live({ config_changed: refresh }, refresh);
})();
