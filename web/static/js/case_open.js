/* Opens the counter's case for its current visitor with a POST (a GET never writes), then shows it. */
(async () => {
  const el = document.getElementById("case-open");
  const counter = Number(el.dataset.counter);
  const body = { counter_id: counter };
  if (el.dataset.ticket) body.ticket_id = Number(el.dataset.ticket);
  if (el.dataset.procedure) body.procedure = el.dataset.procedure;
  try {
    const r = await Station.api("POST", "/api/cases", body);
    location.replace(`/counter/${counter}/case/${r.data.id}${el.dataset.keep}`);
  } catch (e) {
    document.getElementById("case-open-msg").textContent = e.message;
  }
})();
