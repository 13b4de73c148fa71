// Lobby display: fetch the office's state every few seconds and redraw the screen.
(function () {
  "use strict";
  var body = document.body;
  var url = body.getAttribute("data-state-url");
  var persian = body.getAttribute("data-locale") === "fa";
  var DIGITS = "۰۱۲۳۴۵۶۷۸۹";
  function digits(value) {
    var text = String(value);
    return persian ? text.replace(/[0-9]/g, function (d) { return DIGITS[d]; }) : text;
  }
  function text(id, value) { var el = document.getElementById(id); if (el) { el.textContent = digits(value); } }
  function draw(state) {
    var serving = document.getElementById("serving");
    serving.textContent = "";
    if (!state.serving.length) {
      var empty = document.createElement("tr"); empty.className = "none";
      var cell = document.createElement("td"); cell.colSpan = 2; cell.textContent = "—";
      empty.appendChild(cell); serving.appendChild(empty);
    }
    state.serving.forEach(function (row) {
      var tr = document.createElement("tr");
      if (row.called) { tr.className = "called"; }
      var t = document.createElement("td"); t.className = "ticket-no"; t.textContent = digits(row.ticket);
      var c = document.createElement("td"); c.textContent = digits(row.counter);
      tr.appendChild(t); tr.appendChild(c); serving.appendChild(tr);
    });
    var next = document.getElementById("next");
    next.textContent = "";
    state.next.forEach(function (n) { var li = document.createElement("li"); li.textContent = digits(n); next.appendChild(li); });
    text("wait-p50", state.wait_p50); text("wait-p90", state.wait_p90);
    text("waiting", state.waiting); text("counters", state.counters_open);
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
