// A street map (Leaflet, static/vendor/leaflet) over each server-drawn office map (.street-map), when its
// tiles load. The drawing stays underneath: if no tile has loaded after a few seconds (offline, a blocked
// tile server), the street map is removed and the drawing shown again with a note.
(function () {
  "use strict";
  if (!window.L) { return; }
  var LEVEL_COLOURS = { quiet: "#2e7d32", moderate: "#f9a825", busy: "#ef6c00", very_busy: "#c62828",
                        closed: "#6b7280", no_counter: "#b45309", unknown: "#94a3b8" };
  var GIVE_UP_MS = 6000;

  function pickPlace(latlng) {
    var form = document.getElementById("finder");
    var lat = document.getElementById("lat");
    var lon = document.getElementById("lon");
    if (!form || !lat || !lon) { return; }
    lat.value = latlng.lat.toFixed(5);
    lon.value = latlng.lng.toFixed(5);
    var district = document.getElementById("district");
    if (district) { district.value = ""; }
    form.submit();
  }

  function link(point) {
    var a = document.createElement("a");
    a.textContent = point.label;
    if (point.href) { a.href = point.href; }
    return a;
  }

  function build(box) {
    var data;
    try { data = JSON.parse(box.dataset.map); } catch (e) { return; }
    if (!box.dataset.tiles || !data.points.length) { return; }
    var drawing = box.firstElementChild;
    var holder = document.createElement("div");
    holder.className = "street-map-canvas";
    holder.setAttribute("role", "region");
    holder.setAttribute("aria-label", box.dataset.title || "");
    box.insertBefore(holder, drawing);
    var map = L.map(holder, { scrollWheelZoom: false, attributionControl: true });
    map.attributionControl.setPrefix("Leaflet");
    var loaded = false;
    var layer = L.tileLayer(box.dataset.tiles, { maxZoom: 19, attribution: box.dataset.attribution || "" });
    layer.on("tileload", function () {
      if (!loaded) {
        loaded = true;
        box.classList.add("street-map-ready");  // the CSS hides the drawing
      }
    });
    layer.addTo(map);
    var bounds = [];
    data.points.forEach(function (p) {
      var marker = L.circleMarker([p.lat, p.lon], {
        radius: p.radius || 8, weight: 1.5, color: "#1f2937", fillOpacity: 0.9,
        fillColor: p.colour || LEVEL_COLOURS[p.level] || LEVEL_COLOURS.unknown
      });
      marker.bindPopup(link(p));
      marker.bindTooltip(p.label);
      marker.addTo(map);
      bounds.push([p.lat, p.lon]);
    });
    if (data.here) {
      L.circleMarker(data.here, { radius: 7, color: "#1d4ed8", fillColor: "#3b82f6", fillOpacity: 1 }).addTo(map);
      bounds.push(data.here);
    }
    if (bounds.length === 1) { map.setView(bounds[0], 16); } else { map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 }); }
    if (box.dataset.picksPlace) {
      map.on("click", function (event) { pickPlace(event.latlng); });
    }
    window.setTimeout(function () {
      if (loaded) { return; }
      map.remove();
      holder.remove();
      box.classList.add("street-map-offline");
      var note = document.createElement("p");
      note.className = "hint street-map-note";
      note.textContent = box.dataset.offline || "";
      box.appendChild(note);
    }, GIVE_UP_MS);
  }

  Array.prototype.forEach.call(document.querySelectorAll(".street-map"), build);
})();
