// Operator console: keyboard shortcuts and a quiet refresh of the board.
// A button with data-key="n" is pressed by the key n; an input with data-focus-key="c" takes the focus on c.
(function () {
  "use strict";
  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName));
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    var key = event.key.toLowerCase();
    var field = document.querySelector('[data-focus-key="' + key + '"]');
    if (field) { event.preventDefault(); field.focus(); return; }
    var button = document.querySelector('button[data-key="' + key + '"]');
    if (button) { event.preventDefault(); button.click(); }
  });
  // Reload the board every N seconds unless the operator is typing or the tab is hidden.
  var board = document.querySelector("[data-refresh]");
  if (board) {
    var seconds = parseInt(board.getAttribute("data-refresh"), 10) || 20;
    setInterval(function () {
      if (!document.hidden && !typing(document.activeElement)) { window.location.reload(); }
    }, seconds * 1000);
  }
})();
