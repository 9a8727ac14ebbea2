/* The login form: POST /api/auth/login as JSON, then go where the visitor was heading.
 * Its words come from the page's catalog table (screen.login_* codes) through Station.t. */
"use strict";

(() => {
  const { t } = Station;
  const form = document.getElementById("login-form");
  const err = document.getElementById("login-error");
  const submit = document.getElementById("login-submit");

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
      showError(t("login_missing"));
      return;
    }
    const body = { name, password };
    if (counter) body.counter_id = Number(counter);
    submit.disabled = true;
    showError("");
    try {
      const me = await Station.api("POST", "/api/auth/login", body);
      // a page the user was heading to wins; otherwise their own landing page (counter, /staff, /reports …)
      const next = form.dataset.next && form.dataset.next !== "/" ? form.dataset.next : null;
      location.assign(next || (me && me.data && me.data.home) || "/");
    } catch (e) {
      // ApiError: the API's own sentence in this page's language, or "could not reach the station".
      showError(e.status ? (e.message || t("login_failed")) : t("api_unreachable"));
      form.elements.password.value = "";
      form.elements.password.focus();
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
  if (logout) logout.addEventListener("click", () => Station.logout(form.dataset.next));
})();
