/* Commune picker: live search as you type, and a ticked result moves to the chosen list.
   Without this script the picker works through its Search and Save buttons. */
(function () {
  "use strict";
  var form = document.querySelector("[data-commune-picker]");
  if (!form) { return; }
  var input = form.querySelector('input[name="q"]');
  var results = form.querySelector("[data-commune-results]");
  var chosen = form.querySelector("[data-chosen-list]");
  var url = form.getAttribute("data-search-url");
  var labels = results.dataset;
  var timer = null;
  var sequence = 0;

  function chosenIds() {
    var ids = {};
    chosen.querySelectorAll('input[name="commune"]').forEach(function (box) { ids[box.value] = box.checked; });
    return ids;
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function describe(commune) {
    var kind = commune.kind === "urban" ? labels.labelUrbanKind : labels.labelRural;
    var text = commune.code + " · " + kind;
    if (commune.population_2024) {
      text += " · " + commune.population_2024.toLocaleString(document.documentElement.lang || "fr") +
        " " + labels.labelInhabitants;
    }
    var span = element("span");
    var name = element("bdi", "", commune.name);
    span.appendChild(name);
    span.appendChild(document.createTextNode(" "));
    span.appendChild(element("span", "text-muted small", text));
    return span;
  }

  // Add a commune to the chosen list (ticked, with its optional part description).
  function choose(id, content) {
    var empty = chosen.querySelector("[data-empty]");
    if (empty) { empty.remove(); }
    var item = element("li", "list-group-item");
    item.setAttribute("data-commune-id", id);
    var check = element("div", "form-check");
    var box = element("input", "form-check-input");
    box.type = "checkbox"; box.name = "commune"; box.value = id; box.id = "chosen-" + id;
    box.checked = true;
    var label = element("label", "form-check-label");
    label.htmlFor = box.id;
    label.appendChild(content);
    check.appendChild(box); check.appendChild(label);
    item.appendChild(check);
    if (!chosen.querySelector('input[name="commune"]')) {
      // A part can be described only for a territory made of a single commune.
      var part = element("input", "form-control form-control-sm mt-1");
      part.type = "text"; part.name = "part-" + id; part.maxLength = 200; part.dir = "auto";
      part.placeholder = labels.labelPart;
      part.setAttribute("aria-label", labels.labelPart);
      item.appendChild(part);
    }
    chosen.appendChild(item);
  }

  function tickable(box, content) {
    box.removeAttribute("name"); // only the chosen list posts communes
    box.addEventListener("change", function () {
      if (!box.checked) { return; }
      choose(box.value, content());
      var group = box.closest("fieldset");
      box.closest(".form-check").remove();
      if (group && !group.querySelector(".form-check")) { group.remove(); }
    });
  }

  function render(data) {
    var ids = chosenIds();
    results.textContent = "";
    var province = null, cercle, fieldset = null;
    data.communes.forEach(function (commune) {
      if (commune.province !== province) {
        province = commune.province; cercle = undefined;
        results.appendChild(element("h3", "h6 mt-2", province));
      }
      if (commune.cercle !== cercle) {
        cercle = commune.cercle;
        fieldset = element("fieldset", "mb-2 ms-2");
        fieldset.appendChild(element("legend", "fs-6 fw-semibold mb-1",
          cercle ? labels.labelCercle.replace("{name}", cercle) : labels.labelUrban));
        results.appendChild(fieldset);
      }
      var row = element("div", "form-check");
      if (ids[String(commune.id)]) {
        row.appendChild(describe(commune));
        row.appendChild(document.createTextNode(" "));
        row.appendChild(element("span", "badge text-bg-light border", labels.labelChosen));
      } else {
        var box = element("input", "form-check-input");
        box.type = "checkbox"; box.value = commune.id; box.id = "result-" + commune.id;
        tickable(box, function () { return describe(commune); });
        var label = element("label", "form-check-label");
        label.htmlFor = box.id;
        label.appendChild(describe(commune));
        row.appendChild(box); row.appendChild(label);
      }
      fieldset.appendChild(row);
    });
    if (!data.communes.length) { results.appendChild(element("p", "text-muted", labels.labelNone)); }
    if (data.truncated) { results.appendChild(element("p", "text-muted small", labels.labelMore)); }
  }

  function search() {
    var mine = ++sequence;
    fetch(url + "?q=" + encodeURIComponent(input.value), {
      headers: { "Accept": "application/json" }, credentials: "same-origin"
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (data && mine === sequence) { render(data); }
    }).catch(function () { /* the Search button still works */ });
  }

  // Server-rendered results: ticking one moves it to the chosen list at once.
  results.querySelectorAll('input[name="commune"]').forEach(function (box) {
    var label = box.closest(".form-check").querySelector("label");
    tickable(box, function () {
      var content = document.createDocumentFragment();
      label.childNodes.forEach(function (node) { content.appendChild(node.cloneNode(true)); });
      return content;
    });
  });

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(search, 250);
  });
})();
