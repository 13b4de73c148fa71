// Citizens' pages: "near me" by geolocation, a tap on the office map picks a place, printing a ticket.
// Everything here is an extra: the pages work without it (district list, links, the browser's print).
(function () {
  "use strict";
  var form = document.getElementById("finder");
  var lat = document.getElementById("lat");
  var lon = document.getElementById("lon");
  var status = document.getElementById("geo-status");

  function searchFrom(latitude, longitude) {
    lat.value = latitude.toFixed(5);
    lon.value = longitude.toFixed(5);
    var district = document.getElementById("district");
    if (district) { district.value = ""; }
    form.submit();
  }

  var nearMe = document.getElementById("near-me");
  if (form && nearMe && navigator.geolocation) {
    nearMe.hidden = false;
    nearMe.addEventListener("click", function () {
      status.textContent = nearMe.dataset.waiting || "…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        searchFrom(pos.coords.latitude, pos.coords.longitude);
      }, function () {
        status.textContent = "⚠";
      }, { enableHighAccuracy: false, timeout: 10000, maximumAge: 60000 });
    });
  }

  var map = document.querySelector("#map svg.office-map");
  if (form && map) {
    map.addEventListener("click", function (event) {
      if (event.target.closest("a")) { return; }
      var box = map.getBoundingClientRect();
      var d = map.dataset;
      var x = (event.clientX - box.left) / box.width * d.width;
      var y = (event.clientY - box.top) / box.height * d.height;
      var south = +d.south, north = +d.north, west = +d.west, east = +d.east;
      var longitude = west + (x - 10) / (d.width - 20) * (east - west);
      var latitude = north - (y - 10) / (d.height - 20) * (north - south);
      searchFrom(latitude, longitude);
    });
  }

  // "Send the code again" on the code step: waits out a countdown first (the server limits sends as well).
  var resend = document.getElementById("resend-code");
  if (resend && +resend.dataset.wait > 0) {
    var persian = document.documentElement.lang === "fa";
    var left = +resend.dataset.wait;
    var digits = function (n) {
      return persian ? String(n).replace(/[0-9]/g, function (d) { return "۰۱۲۳۴۵۶۷۸۹"[+d]; }) : String(n);
    };
    var tick = function () {
      if (left <= 0) {
        resend.disabled = false;
        resend.textContent = resend.dataset.label;
        return;
      }
      resend.disabled = true;
      resend.textContent = resend.dataset.countdown.replace("{n}", digits(left));
      left -= 1;
      window.setTimeout(tick, 1000);
    };
    tick();
  }

  var printButton = document.getElementById("print-ticket");
  if (printButton) {
    printButton.hidden = false;
    printButton.addEventListener("click", function () { window.print(); });
  }
})();
