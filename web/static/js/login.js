/* The login form: POST /api/auth/login as JSON, then go where the visitor was heading. */
"use strict";

(() => {
  const form = document.getElementById("login-form");
  const err = document.getElementById("login-error");
  const submit = document.getElementById("login-submit");
  const LANG = window.LANG || "ja";

  function showError(msg) {
    err.textContent = msg;
    err.hidden = !msg;
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const name = form.elements.name.value.trim();
    const password = form.elements.password.value;
    const counter = form.elements.counter_id.value;
    if (!name || !password) {
      showError(LANG === "en" ? "Enter your user name and password." : "ユーザー名とパスワードを入力してください");
      return;
    }
    const body = { name, password };
    if (counter) body.counter_id = Number(counter);
    submit.disabled = true;
    showError("");
    try {
      const res = await fetch("/api/auth/login", {
        method: "POST", credentials: "same-origin", cache: "no-store",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body),
      });
      if (res.ok) {
        location.assign(form.dataset.next || "/");
        return;
      }
      let detail = null;
      try { detail = (await res.json()).detail; } catch (e) { detail = null; }
      const msg = detail && (LANG === "en" ? detail.message_en : detail.message_ja);
      showError(msg || (LANG === "en" ? "Could not log in." : "ログインできませんでした"));
      form.elements.password.value = "";
      form.elements.password.focus();
    } catch (e) {
      showError(LANG === "en" ? "Could not reach the station." : "通信できませんでした");
    } finally {
      submit.disabled = false;
    }
  });

  for (const b of document.querySelectorAll(".demo-fill")) {
    b.addEventListener("click", () => {
      form.elements.name.value = b.dataset.name;
      form.elements.password.value = b.dataset.password;
      form.elements.counter_id.value = b.dataset.counter || "";
      form.elements.password.focus();
    });
  }

  const logout = document.getElementById("logout");
  if (logout) logout.addEventListener("click", () => window.StationAuth.logout(form.dataset.next));
})();
