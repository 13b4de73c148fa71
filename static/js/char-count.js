// A live character count under a text area: <textarea data-counter="ID" maxlength="N"> writes into #ID,
// from the element's data-template ("{n} of 4,000 characters"), written as the server writes numbers
// (booking.numbers.format_number): Persian digits and the ٬ thousands separator on a Persian page.
(function () {
  "use strict";
  var persian = document.documentElement.lang === "fa";
  var DIGITS = "۰۱۲۳۴۵۶۷۸۹";
  function digits(value) {
    var text = String(value).replace(/\B(?=(\d{3})+(?!\d))/g, persian ? "\u066c" : ",");
    return persian ? text.replace(/[0-9]/g, function (d) { return DIGITS[d]; }) : text;
  }
  document.querySelectorAll("textarea[data-counter]").forEach(function (area) {
    var out = document.getElementById(area.getAttribute("data-counter"));
    if (!out) { return; }
    var template = out.getAttribute("data-template");
    var max = parseInt(area.getAttribute("maxlength"), 10);
    function update() {
      out.textContent = template.replace("{n}", digits(area.value.length));
      out.classList.toggle("near-limit", max > 0 && area.value.length > max * 0.9);
    }
    area.addEventListener("input", update);
    update();
  });
})();
