// Citizens' pages: "near me" by geolocation, a tap on the office map picks a place, printing a ticket, and the
// ticket's live status. Everything here is an extra: the pages work without it (district list, links, the
// browser's print, the ticket page's own reload every 30 seconds).
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
        // Refused or unavailable: say so, and offer the district list instead.
        status.textContent = nearMe.dataset.refused || "";
        status.classList.add("warning");
        var district = document.getElementById("district");
        if (district) { district.focus(); }
      }, { enableHighAccuracy: false, timeout: 10000, maximumAge: 60000 });
    });
  }

  // The district list follows the province chosen; a district chosen sets its own province.
  var provinceSelect = document.getElementById("province");
  var districtSelect = document.getElementById("district");
  if (form && provinceSelect && districtSelect && districtSelect.dataset.source && window.fetch) {
    var persian = districtSelect.dataset.locale === "fa";
    provinceSelect.addEventListener("change", function () {
      var code = provinceSelect.value;
      if (!code) { return; }
      fetch(districtSelect.dataset.source + "?province=" + encodeURIComponent(code), {
        headers: { "Accept": "application/json" }
      }).then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      }).then(function (data) {
        while (districtSelect.options.length > 1) { districtSelect.remove(1); }
        data.districts.forEach(function (d) {
          var name = persian ? d.name_fa : d.name_en;
          var city = persian ? d.city_fa : d.city_en;
          var option = new Option(name + " (" + city + ")", d.code);
          option.dataset.province = d.province;
          districtSelect.add(option);
        });
        districtSelect.value = "";
      }).catch(function () { /* the list stays; the search still answers consistently */ });
    });
    districtSelect.addEventListener("change", function () {
      var chosen = districtSelect.options[districtSelect.selectedIndex];
      if (chosen && chosen.dataset.province) { provinceSelect.value = chosen.dataset.province; }
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

  // The ticket page asks for its live status (GET /api/tickets/<code>, texts in the page's language) every
  // few seconds while something may still happen, less often while the tab is hidden, and shows at once
  // "go to counter N" (read out: aria-live), people ahead and the predicted wait, without a reload.
  var ticket = document.getElementById("ticket");
  if (ticket && ticket.dataset.statusUrl && window.fetch) {
    var statusUrl = ticket.dataset.statusUrl;
    var HIDDEN_DELAY = 60000, MAX_DELAY = 60000;
    var delay = 5000, failures = 0, timer = null, stopped = false;

    var fill = function (id, text) {
      var el = document.getElementById(id);
      if (!el) { return; }
      if (el.textContent !== (text || "")) { el.textContent = text || ""; }
      var row = document.getElementById(id + "-row");
      if (row) { row.hidden = !text; }
    };
    var showCall = function (text) {
      var box = document.getElementById("ticket-call");
      var called = document.getElementById("ticket-called");
      if (!text) {
        if (called) { called.parentNode.removeChild(called); }
        return;
      }
      if (!called) {
        called = document.createElement("p");
        called.id = "ticket-called";
        called.className = "flash flash-ok called";
        box.appendChild(called);
        if (navigator.vibrate) { navigator.vibrate([300, 150, 300]); }
      }
      if (called.textContent !== text) { called.textContent = text; }
    };
    var show = function (data) {
      var state = document.getElementById("ticket-state");
      state.textContent = data.text.state;
      state.className = "status status-" + data.state;
      ticket.dataset.state = data.state;
      fill("ticket-number", data.ticket_text);
      fill("ticket-position", data.text.position);
      fill("ticket-wait", data.text.wait);
      fill("ticket-call_at", data.text.call_at);  // a place taken from home: the call's time and when to leave
      fill("ticket-leave_at", data.text.leave_at);
      var actions = document.getElementById("remote-actions");
      if (actions && data.waiting === false) { actions.hidden = true; }
      showCall(data.text.called);
    };
    var schedule = function (ms) {
      clearTimeout(timer);
      if (!stopped) { timer = setTimeout(poll, ms); }
    };
    var poll = function () {
      fetch(statusUrl, { headers: { "Accept": "application/json" }, cache: "no-store" }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      }).then(function (data) {
        failures = 0;
        show(data);
        if (data.finished || !data.poll_seconds) { stopped = true; return; }
        delay = data.poll_seconds * 1000;
        schedule(document.hidden ? HIDDEN_DELAY : delay);
      }).catch(function () {
        failures += 1;  // the site away: ask less and less often, up to once a minute
        schedule(Math.min(MAX_DELAY, delay * Math.pow(2, failures)));
      });
    };
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden && !stopped) { schedule(0); }
    });
    schedule(document.hidden ? HIDDEN_DELAY : delay);
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

  // Forms that give something up ask first (e.g. leaving the line).
  Array.prototype.forEach.call(document.querySelectorAll("form[data-confirm]"), function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });

  var printButton = document.getElementById("print-ticket");
  if (printButton) {
    printButton.hidden = false;
    printButton.addEventListener("click", function () { window.print(); });
  }
})();
