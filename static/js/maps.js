/* Map pages: Leaflet maps drawn from the server's GeoJSON (no tile server needed), and sortable
   tables. Without JavaScript the pages show a static map image, and the column headings sort
   through the server. */
(function () {
  "use strict";

  function readJson(id) {
    var node = document.getElementById(id);
    if (!node) { return {}; }
    try { return JSON.parse(node.textContent); } catch (error) { return {}; }
  }

  function newMap(element) {
    element.innerHTML = "";
    var map = L.map(element, { zoomSnap: 0.25, attributionControl: true });
    map.attributionControl.setPrefix(false);
    var tiles = element.getAttribute("data-tile-url");
    if (tiles) { L.tileLayer(tiles, { maxZoom: 18 }).addTo(map); }
    return map;
  }

  function loadGeoJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("GeoJSON " + response.status); }
        return response.json();
      });
  }

  // --- Sortable tables: the headings are server links; with JavaScript they sort in place. ---
  function sortValue(cell, numeric) {
    var raw = cell ? (cell.getAttribute("data-sort-value") || cell.textContent.trim()) : "";
    if (!numeric) { return raw; }
    return raw === "" ? null : parseFloat(raw);
  }

  function sortTable(table, link) {
    var th = link.closest("th");
    var column = Array.prototype.indexOf.call(th.parentNode.children, th);
    var numeric = link.getAttribute("data-numeric") === "true";
    var current = th.getAttribute("aria-sort");
    var ascending = current ? current !== "ascending" : !numeric;
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows).filter(function (row) { return row.hasAttribute("data-code"); });
    var collator = new Intl.Collator(document.documentElement.lang || undefined, { sensitivity: "base", numeric: true });
    rows.sort(function (a, b) {
      var x = sortValue(a.cells[column], numeric), y = sortValue(b.cells[column], numeric);
      if (numeric) {
        if (x === null && y === null) { return 0; }
        if (x === null) { return 1; }  // missing figures stay last
        if (y === null) { return -1; }
        return ascending ? x - y : y - x;
      }
      return ascending ? collator.compare(x, y) : collator.compare(y, x);
    });
    rows.forEach(function (row) { body.appendChild(row); });
    th.parentNode.querySelectorAll("th").forEach(function (other) { other.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }

  document.querySelectorAll("table[data-sortable]").forEach(function (table) {
    table.querySelectorAll("thead a[data-sort-key]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        sortTable(table, link);
      });
    });
  });

  // --- The national map ---
  function detailsHtml(unit, strings, mode) {
    var box = document.createElement("div");
    var title = document.createElement("h2");
    title.className = "h6 mb-1";
    title.textContent = unit.n;
    box.appendChild(title);
    var list = document.createElement("dl");
    list.className = "row mb-0";
    function add(term, value) {
      var dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.className = "col-6 fw-normal text-muted";
      dd.className = "col-6 mb-0";
      dt.textContent = term;
      dd.textContent = value;
      list.appendChild(dt);
      list.appendChild(dd);
    }
    add(strings.region, unit.r);
    if (mode === "phase") {
      add(strings.phase, unit.f);
      add(strings.territories, unit.t && unit.t.length ? unit.t.join(", ") : strings.none);
    } else {
      add(strings.indicator + " (" + strings.value + ")", unit.v);
      if (strings.other) { add(strings.indicator + " (" + strings.other + ")", unit.o); }
    }
    add(strings.population, unit.p);
    box.appendChild(list);
    return box;
  }

  document.querySelectorAll("[data-national-map]").forEach(function (element) {
    if (typeof L === "undefined") { return; }
    var units = readJson("map-units");
    var strings = readJson("map-strings");
    var mode = element.getAttribute("data-mode");
    var details = document.getElementById("map-details");
    var map = newMap(element);
    var layers = {};
    var selected = null;

    function style(code, active) {
      var unit = units[code];
      return { fillColor: unit ? unit.c : "#d9d9d9", fillOpacity: unit ? 0.9 : 0.4,
               color: active ? "#000" : "#555", weight: active ? 2.5 : 0.6 };
    }

    function select(code, fromMap) {
      var unit = units[code];
      if (!unit) { return; }
      if (selected && layers[selected]) { layers[selected].setStyle(style(selected, false)); }
      selected = code;
      if (layers[code]) { layers[code].setStyle(style(code, true)); layers[code].bringToFront(); }
      details.innerHTML = "";
      details.appendChild(detailsHtml(unit, strings, mode));
      details.setAttribute("data-code", code);
      document.querySelectorAll(".map-table tr.table-active").forEach(function (row) { row.classList.remove("table-active"); });
      var row = document.querySelector('.map-table tr[data-code="' + code + '"]');
      if (row) {
        row.classList.add("table-active");
        if (fromMap) { row.scrollIntoView({ block: "nearest" }); }
      }
    }

    loadGeoJson(element.getAttribute("data-geojson-url")).then(function (data) {
      var layer = L.geoJSON(data, {
        style: function (feature) { return style(feature.properties.code, false); },
        onEachFeature: function (feature, featureLayer) {
          var code = feature.properties.code;
          var unit = units[code];
          layers[code] = featureLayer;
          var tip = document.createElement("span");
          tip.textContent = unit ? unit.n + (unit.v ? " · " + unit.v : unit.f ? " · " + unit.f : "") :
            (document.documentElement.lang === "ar" ? feature.properties.name_ar : feature.properties.name_fr);
          featureLayer.bindTooltip(tip, { sticky: true, direction: "top" });
          featureLayer.on("click", function () { select(code, true); });
          featureLayer.on("add", function () {
            var path = featureLayer.getElement && featureLayer.getElement();
            if (path) { path.setAttribute("data-code", code); }
          });
        }
      }).addTo(map);
      if (data.features && data.features.length) { map.fitBounds(layer.getBounds(), { padding: [8, 8] }); }
      element.setAttribute("data-loaded", String(data.features ? data.features.length : 0));
    }).catch(function () {
      element.setAttribute("data-loaded", "error");
    });

    document.querySelectorAll(".map-table .map-unit").forEach(function (button) {
      button.addEventListener("click", function () {
        var code = button.getAttribute("data-code");
        select(code, false);
        if (layers[code]) { map.fitBounds(layers[code].getBounds(), { maxZoom: 8 }); }
      });
    });
  });

  // --- A territory's map (reusable partial geography/_map.html) ---
  document.querySelectorAll("[data-territory-map]").forEach(function (element) {
    if (typeof L === "undefined") { return; }
    var map = newMap(element);
    var figure = element.closest("figure");
    loadGeoJson(element.getAttribute("data-geojson-url")).then(function (data) {
      var layer = L.geoJSON(data, {
        style: function (feature) {
          var outline = feature.properties.kind === "outline";
          var colour = outline ? (feature.properties.colour || "#0b6e4f") : "#212529";
          return { color: colour, weight: outline ? 2 : 1, fillColor: colour,
                   fillOpacity: outline ? 0.2 : 0, dashArray: feature.properties.fallback ? "6 4" : null };
        },
        onEachFeature: function (feature, featureLayer) {
          var tip = document.createElement("span");
          tip.textContent = feature.properties.kind === "outline" ? feature.properties.name :
            (document.documentElement.lang === "ar" ? feature.properties.name_ar : feature.properties.name_fr);
          featureLayer.bindTooltip(tip, { sticky: true });
        }
      }).addTo(map);
      if (data.features && data.features.length) { map.fitBounds(layer.getBounds(), { padding: [8, 8] }); }
      var fallback = data.properties && data.properties.fallback;
      var notice = figure && figure.querySelector("[data-map-fallback-notice]");
      if (notice && fallback) { notice.hidden = false; }
      element.setAttribute("data-loaded", String(data.features ? data.features.length : 0));
      element.setAttribute("data-fallback", fallback || "");
    }).catch(function () {
      element.setAttribute("data-loaded", "error");
    });
  });
})();
