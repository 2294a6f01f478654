/* Actor map: click a node for its card, filter by tie kind and community, zoom and pan.
   The server draws the SVG; without this script the nodes are plain links to the cards. */
(function () {
  "use strict";
  var svg = document.querySelector("svg.actor-graph");
  if (!svg) { return; }
  var viewport = svg.querySelector("[data-viewport]");
  var panel = document.querySelector("[data-card-panel]");
  var base = svg.getAttribute("data-view-box").split(" ").map(Number);
  var box = base.slice();

  function apply() { svg.setAttribute("viewBox", box.join(" ")); }

  function zoom(factor, cx, cy) {
    var w = box[2] * factor, h = box[3] * factor;
    if (w < base[2] / 40 || w > base[2] * 4) { return; }
    if (cx === undefined) { cx = box[0] + box[2] / 2; cy = box[1] + box[3] / 2; }
    box = [cx - (cx - box[0]) * factor, cy - (cy - box[1]) * factor, w, h];
    apply();
  }

  function toGraph(event) {
    var rect = svg.getBoundingClientRect();
    return [box[0] + (event.clientX - rect.left) / rect.width * box[2],
            box[1] + (event.clientY - rect.top) / rect.height * box[3]];
  }

  svg.addEventListener("wheel", function (event) {
    event.preventDefault();
    var p = toGraph(event);
    zoom(event.deltaY > 0 ? 1.2 : 1 / 1.2, p[0], p[1]);
  }, { passive: false });

  var drag = null;
  svg.addEventListener("pointerdown", function (event) {
    if (event.target.closest("a.n")) { return; }
    drag = { x: event.clientX, y: event.clientY, box: box.slice(), moved: false };
    svg.setPointerCapture(event.pointerId);
    svg.classList.add("dragging");
  });
  svg.addEventListener("pointermove", function (event) {
    if (!drag) { return; }
    var rect = svg.getBoundingClientRect();
    var dx = (event.clientX - drag.x) / rect.width * drag.box[2];
    var dy = (event.clientY - drag.y) / rect.height * drag.box[3];
    box = [drag.box[0] - dx, drag.box[1] - dy, drag.box[2], drag.box[3]];
    apply();
  });
  function endDrag() { drag = null; svg.classList.remove("dragging"); }
  svg.addEventListener("pointerup", endDrag);
  svg.addEventListener("pointercancel", endDrag);

  document.querySelectorAll("[data-zoom]").forEach(function (button) {
    button.addEventListener("click", function () {
      var how = button.getAttribute("data-zoom");
      if (how === "in") { zoom(1 / 1.4); } else if (how === "out") { zoom(1.4); } else { box = base.slice(); apply(); }
    });
  });

  // Filters: tie kinds (checkboxes) and one community (select).
  var kindBoxes = document.querySelectorAll("[data-tie-filter] input[type=checkbox]");
  var community = document.querySelector("[data-community-filter]");
  function filter() {
    var shown = {};
    kindBoxes.forEach(function (box) { shown[box.value] = box.checked; });
    var wanted = community ? community.value : "";
    viewport.querySelectorAll("g.ties").forEach(function (group) {
      group.classList.toggle("hidden", shown[group.getAttribute("data-kind")] === false);
      group.querySelectorAll("path").forEach(function (path) {
        path.classList.toggle("hidden", wanted !== "" && path.getAttribute("data-c") !== wanted);
      });
    });
    viewport.querySelectorAll("a.n").forEach(function (node) {
      node.classList.toggle("hidden", wanted !== "" && node.getAttribute("data-c") !== wanted);
    });
  }
  kindBoxes.forEach(function (box) { box.addEventListener("change", filter); });
  if (community) { community.addEventListener("change", filter); }

  // Size control: reload with the chosen measure (the server draws it).
  var size = document.querySelector("[data-graph-controls] select[name=size]");
  if (size) { size.addEventListener("change", function () { size.form.submit(); }); }

  // Click a node: its card in the side panel (the link still opens the card page without JS).
  viewport.addEventListener("click", function (event) {
    var node = event.target.closest("a.n");
    if (!node || !panel || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
    event.preventDefault();
    viewport.querySelectorAll("a.n.selected").forEach(function (n) { n.classList.remove("selected"); });
    node.classList.add("selected");
    var href = node.getAttribute("href");
    fetch(href + "?partial=1", { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) { panel.innerHTML = html; })
      .catch(function () { window.location.href = href; });
  });
})();
