// Operator console: keyboard shortcuts and a quiet refresh of the board.
// A button with data-key="n" is pressed by the key n; an input with data-focus-key="c" takes the focus on c.
// Shortcuts follow the physical key (KeyboardEvent.code), so they work whatever the keyboard layout: on a
// Persian layout the key n types «د» and the key 1 types «۱», and they still call next and add a walk-in.
(function () {
  "use strict";
  var PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹";
  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName));
  }
  // "KeyN" → "n", "Digit1" and "Numpad1" → "1"; without a code (some on-screen keyboards), the key typed.
  function shortcut(event) {
    var code = event.code || "";
    var match = /^Key([A-Z])$/.exec(code) || /^(?:Digit|Numpad)([0-9])$/.exec(code);
    if (match) { return match[1].toLowerCase(); }
    var key = (event.key || "").toLowerCase();
    var persian = PERSIAN_DIGITS.indexOf(key);
    return persian >= 0 ? String(persian) : key;
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    var key = shortcut(event);
    if (!/^[a-z0-9]$/.test(key)) { return; }
    var field = document.querySelector('[data-focus-key="' + key + '"]');
    if (field) { event.preventDefault(); field.focus(); return; }
    var button = document.querySelector('button[data-key="' + key + '"]');
    if (button) { event.preventDefault(); button.click(); }
  });
  // Every N seconds, load the board again by its own address (a GET, never a repeated POST) unless the
  // operator is typing or the tab is hidden.
  var board = document.querySelector("[data-refresh]");
  if (board) {
    var seconds = parseInt(board.getAttribute("data-refresh"), 10) || 20;
    var address = board.getAttribute("data-refresh-url") || window.location.pathname;
    setInterval(function () {
      if (!document.hidden && !typing(document.activeElement)) { window.location.replace(address); }
    }, seconds * 1000);
  }
})();
