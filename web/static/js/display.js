/* Waiting-room display: runs all day unattended, so the DOM and every queue stay bounded. */
"use strict";

(() => {
  const S = Station;
  const { h } = S;
  const $ = (id) => document.getElementById(id);
  const MAX_CALLS = 6;     // rows on screen
  const MAX_SPEECH = 12;   // pending announcements; older ones are dropped in a burst
  const counters = JSON.parse($("counters").textContent);
  const counterById = new Map(counters.map((c) => [c.id, c]));
  const UTTER = JSON.parse($("utter").textContent);  // screen.display_utter, Japanese: the voice is ja-JP

  // --- calls list --------------------------------------------------------------------------------
  /** ticket id → {number, counter_id, recall}; insertion order = newest last. */
  const calls = new Map();

  function renderCalls() {
    const list = $("calls");
    const rows = [...calls.entries()].reverse().slice(0, MAX_CALLS);
    list.replaceChildren(...rows.map(([id, c], i) => {
      const ctr = counterById.get(c.counter_id);
      return h("li", { class: i === 0 ? "call newest" : "call", "data-ticket": id, "data-number": c.number },
        h("span", { class: "call-number" }, c.number),
        h("span", { class: "call-arrow", "aria-hidden": "true" }, "→"),
        S.LANG === "en"
          // English mode: the counter's English name only (its Japanese line would double it)
          ? h("span", { class: "call-counter" },
            h("span", { class: "call-counter-main" }, ctr ? ctr.name_en : S.t("counter_n", { n: c.counter_id })))
          : h("span", { class: "call-counter" },
            h("span", { class: "call-counter-main" },
              h("span", { class: "call-counter-num" }, String(c.counter_id)),
              h("span", { class: "call-counter-ja" }, S.t("display_counter_suffix"))),
            h("span", { class: "call-counter-en", lang: "en" }, ctr ? ctr.name_en : `Counter ${c.counter_id}`)),
        c.recall && i === 0 ? h("span", { class: "call-recall" }, S.t("display_recall")) : null);
    }));
    $("calls-none").hidden = calls.size > 0;
    // Forget what can no longer be shown, so the map cannot grow through a long day.
    while (calls.size > MAX_CALLS) calls.delete(calls.keys().next().value);
  }

  function addCall(d) {
    calls.delete(d.ticket_id);
    calls.set(d.ticket_id, { number: d.number, counter_id: d.counter_id, recall: !!d.recall });
    renderCalls();
    const el = document.querySelector("#calls .newest");
    if (el) { el.classList.remove("flash"); void el.offsetWidth; el.classList.add("flash"); }
  }

  async function loadCalls() {
    try {
      const [called, serving] = await Promise.all([
        S.api("GET", "/api/tickets?state=called"), S.api("GET", "/api/tickets?state=serving")]);
      const all = [...called.data, ...serving.data].filter((tk) => tk.called_at && tk.counter_id)
        .sort((a, b) => Date.parse(a.called_at) - Date.parse(b.called_at));
      calls.clear();
      for (const tk of all.slice(-MAX_CALLS)) {
        calls.set(tk.id, { number: tk.number, counter_id: tk.counter_id, recall: false });
      }
      renderCalls();
    } catch (e) { /* the reconnect banner covers it */ }
  }

  // --- waiting counts ----------------------------------------------------------------------------
  async function loadWaiting() {
    try {
      const [cats, health] = await Promise.all([S.api("GET", "/api/categories"), S.api("GET", "/api/health")]);
      S.syncClock(health.data.now);
      for (const c of cats.data) {
        const el = document.querySelector(`#d-cats li[data-cat="${CSS.escape(c.code)}"] [data-f="waiting"]`);
        if (el) el.textContent = c.waiting;
      }
      document.body.dataset.ready = "1";
    } catch (e) { /* idem */ }
  }
  const loadWaitingSoon = S.debounce(loadWaiting, 200);

  // --- sound: chime, then speech, one announcement at a time ------------------------------------
  let audio = null;
  function audioCtx() {
    if (!audio) {
      const AC = window.AudioContext || window.webkitAudioContext;
      if (!AC) return null;
      audio = new AC();
    }
    if (audio.state === "suspended") audio.resume().catch(() => {});
    showSound();
    return audio;
  }
  /** Say on the screen when the browser keeps the display silent (autoplay blocked): the banner tells staff
   * to touch the screen once or to start the display PC as docs/display-pc.md says (issue 12). */
  function showSound() {
    const blocked = !audio || audio.state !== "running";
    document.body.dataset.sound = blocked ? "blocked" : "on";
    $("enable-sound").hidden = !blocked;
    $("sound-blocked").hidden = !blocked;
  }
  $("enable-sound").addEventListener("click", () => {
    const ctx = audioCtx();
    if (ctx) ctx.resume().then(showSound);
    // Speaking once from a click also unlocks speech synthesis.
    if (window.speechSynthesis) window.speechSynthesis.speak(new SpeechSynthesisUtterance(""));
  });
  // Ask at once (not at the first call): a display that cannot speak says so before anyone is called.
  audioCtx();
  if (audio) {
    audio.addEventListener?.("statechange", showSound);
    setTimeout(showSound, 500);  // resume() settles asynchronously
  }

  const wait = (ms) => new Promise((r) => setTimeout(r, ms));

  async function chime() {
    const ctx = audioCtx();
    if (!ctx || ctx.state !== "running") return wait(300);
    // Two soft tones (a ding-dong), like a public-office chime.
    const tones = [[880, 0], [698.5, 0.45]];
    for (const [freq, at] of tones) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = "sine";
      osc.frequency.value = freq;
      const t0 = ctx.currentTime + at;
      gain.gain.setValueAtTime(0.0001, t0);
      gain.gain.exponentialRampToValueAtTime(0.35, t0 + 0.03);
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + 0.9);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t0);
      osc.stop(t0 + 0.95);
    }
    return wait(1400);
  }

  let jaVoice = null;
  function pickVoice() {
    if (!window.speechSynthesis) return;
    const voices = window.speechSynthesis.getVoices() || [];
    jaVoice = voices.find((v) => v.lang === "ja-JP") || voices.find((v) => (v.lang || "").startsWith("ja")) || null;
  }
  if (window.speechSynthesis) {
    pickVoice();
    window.speechSynthesis.addEventListener?.("voiceschanged", pickVoice);
  }

  function speak(text) {
    return new Promise((resolve) => {
      const synth = window.speechSynthesis;
      if (!synth || !window.SpeechSynthesisUtterance) { resolve(); return; }
      const u = new SpeechSynthesisUtterance(text);
      u.lang = "ja-JP";
      u.rate = 0.9;
      if (jaVoice) u.voice = jaVoice;
      // A voice that never reports its end must not stall the queue: give up after a generous time.
      const guard = setTimeout(resolve, 2500 + text.length * 250);
      const done = () => { clearTimeout(guard); resolve(); };
      u.onend = done;
      u.onerror = done;
      synth.speak(u);
    });
  }

  const speechQueue = [];
  let speaking = false;
  function announce(d) {
    const text = UTTER.split("{spoken}").join(d.spoken).split("{counter}").join(String(d.counter_id));
    speechQueue.push(text);
    while (speechQueue.length > MAX_SPEECH) speechQueue.shift();
    if (!speaking) drain();
  }
  async function drain() {
    speaking = true;
    try {
      while (speechQueue.length) {
        const text = speechQueue.shift();
        await chime();
        await speak(text);
        await wait(500);
      }
    } finally {
      speaking = false;
    }
  }

  // --- live --------------------------------------------------------------------------------------
  const GONE = new Set(["waiting", "no_show", "cancelled"]);
  S.live({
    ticket_called: (d) => { addCall(d); announce(d); loadWaitingSoon(); },
    ticket_issued: loadWaitingSoon,
    ticket_state_changed: (d) => {
      if (GONE.has(d.state) && calls.delete(d.ticket_id)) renderCalls();
      loadWaitingSoon();
    },
    counter_state_changed: loadWaitingSoon,
  }, () => { loadCalls(); loadWaiting(); });

  S.startClock();
  setInterval(loadWaiting, 60000);
  loadCalls();
  loadWaiting();
  audioCtx();
})();
