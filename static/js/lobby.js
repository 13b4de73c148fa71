// Lobby display: fetch the office's state every few seconds and redraw the screen; on each new call, a
// chime and, where the browser has a Persian voice, the call spoken in Persian ("ticket A-12, counter 3").
// The sound button turns both off and on; the choice is remembered in this browser (localStorage).
(function () {
  "use strict";
  var body = document.body;
  var url = body.getAttribute("data-state-url");
  var persian = body.getAttribute("data-locale") === "fa";
  var DIGITS = "۰۱۲۳۴۵۶۷۸۹";
  var SOUND_KEY = "safnama.lobby.sound";
  function toPersian(text) { return String(text).replace(/[0-9]/g, function (d) { return DIGITS[d]; }); }
  function digits(value) { return persian ? toPersian(value) : String(value); }
  function text(id, value) { var el = document.getElementById(id); if (el) { el.textContent = digits(value); } }

  // ---- sound: on unless turned off here before
  var toggle = document.getElementById("sound-toggle");
  var chime = document.getElementById("chime");
  function soundOn() {
    try { return window.localStorage.getItem(SOUND_KEY) !== "off"; } catch (e) { return true; }
  }
  function showSound() {
    var on = soundOn();
    toggle.setAttribute("aria-pressed", on ? "true" : "false");
    toggle.textContent = toggle.getAttribute(on ? "data-on" : "data-off");
  }
  toggle.addEventListener("click", function () {
    try { window.localStorage.setItem(SOUND_KEY, soundOn() ? "off" : "on"); } catch (e) { /* private mode */ }
    showSound();
  });
  showSound();

  function persianVoice() {
    if (!("speechSynthesis" in window)) { return null; }
    var voices = window.speechSynthesis.getVoices();
    for (var i = 0; i < voices.length; i++) {
      if (/^fa\b/i.test(voices[i].lang)) { return voices[i]; }
    }
    return null;
  }
  // "A-012" at counter 3 → «نوبت A ۱۲، باجهٔ ۳» (the number said as a number, not digit by digit).
  function sentence(call) {
    var parts = /^([A-Z]+)-0*([0-9]+)$/.exec(call.ticket);
    var ticket = parts ? parts[1] + " " + toPersian(parts[2]) : toPersian(call.ticket);
    return "نوبت " + ticket + "، باجهٔ " + toPersian(call.counter);
  }
  function announce(call) {
    if (!soundOn()) { return; }
    var voice = persianVoice();
    var speak = function () {
      if (!voice) { return; }
      var utterance = new SpeechSynthesisUtterance(sentence(call));
      utterance.lang = voice.lang;  // the browser speaks it with its voice for that language
      window.speechSynthesis.speak(utterance);
    };
    if (chime) {
      chime.currentTime = 0;
      var played = chime.play();
      // A browser that refuses to play before the screen is touched still speaks.
      if (played && played.then) { played.then(function () { setTimeout(speak, 900); }, speak); } else { speak(); }
    } else {
      speak();
    }
  }

  // ---- drawing
  var lastKey = null;
  var first = document.querySelector("#calls tr[data-key]");
  if (first) { lastKey = first.getAttribute("data-key"); }
  function drawCalls(calls) {
    var tbody = document.getElementById("calls");
    tbody.textContent = "";
    if (!calls.length) {
      var empty = document.createElement("tr"); empty.className = "none";
      var cell = document.createElement("td"); cell.colSpan = 2; cell.textContent = "—";
      empty.appendChild(cell); tbody.appendChild(empty);
    }
    calls.forEach(function (call, index) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-key", call.key);
      if (index === 0) { tr.className = "newest"; }
      var t = document.createElement("td"); t.className = "ticket-no"; t.textContent = digits(call.ticket);
      var c = document.createElement("td"); c.className = "counter-no"; c.textContent = digits(call.counter);
      tr.appendChild(t); tr.appendChild(c); tbody.appendChild(tr);
    });
    var newest = calls.length ? calls[0] : null;
    if (newest && newest.key !== lastKey) { announce(newest); }
    lastKey = newest ? newest.key : null;
  }
  function draw(state) {
    drawCalls(state.calls);
    var next = document.getElementById("next");
    next.textContent = "";
    state.next.forEach(function (n) { var li = document.createElement("li"); li.textContent = digits(n); next.appendChild(li); });
    text("wait-p50", state.wait_p50); text("wait-p90", state.wait_p90);
    // Closed, or no counter open yet: say so instead of a wait that reads as "no wait".
    document.getElementById("wait-row").hidden = !!state.note;
    var note = document.getElementById("wait-note");
    note.hidden = !state.note; note.textContent = state.note || "";
    text("waiting", state.waiting); text("counters", state.counters_open);
    text("remote-away", (state.remote_at_home || 0) + (state.remote_on_the_way || 0));
    document.getElementById("wait-box").className = "lobby-wait level-" + state.level;
    document.getElementById("stale").hidden = !state.stale;
  }
  function refresh() {
    fetch(url, { headers: { "Accept": "application/json" }, cache: "no-store" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(draw)
      .catch(function () { document.getElementById("stale").hidden = false; });
  }
  setInterval(refresh, 4000);
})();
