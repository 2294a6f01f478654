/* The action form: a button that adds a blank budget row (the form works without it, with
   three blank rows). The new row copies the last one with its index increased and its values emptied. */
(function () {
  "use strict";
  var button = document.querySelector("[data-add-budget-row]");
  var body = document.querySelector("[data-budget-rows]");
  if (!button || !body) { return; }
  button.classList.remove("d-none");
  button.addEventListener("click", function () {
    var rows = body.querySelectorAll("[data-budget-row]");
    var last = rows[rows.length - 1];
    if (!last) { return; }
    var index = rows.length;
    var copy = last.cloneNode(true);
    copy.querySelectorAll("input").forEach(function (input) {
      input.name = input.name.replace(/^budget_lines-\d+-/, "budget_lines-" + index + "-");
      input.id = input.name;
      input.value = "";
    });
    body.appendChild(copy);
    var first = copy.querySelector("input");
    if (first) { first.focus(); }
  });
})();
