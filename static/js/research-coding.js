/* Coding passages of a note: select text in the rendered note, press "Code this passage", and the
   coding form receives the quote. Without JavaScript the quote is pasted by hand. */
(function () {
  "use strict";
  var body = document.querySelector("[data-note-body]");
  var form = document.querySelector("[data-coding-form]");
  var button = document.querySelector("[data-code-selection]");
  if (!body || !form || !button) { return; }
  var quote = form.querySelector('textarea[name="quote"]');
  var focusTarget = form.querySelector('select[name="code"]') || quote;
  var selected = "";

  function selectionInBody() {
    var selection = window.getSelection ? window.getSelection() : null;
    if (!selection || selection.isCollapsed || selection.rangeCount === 0) { return ""; }
    var range = selection.getRangeAt(0);
    if (!body.contains(range.commonAncestorContainer)) { return ""; }
    return selection.toString().replace(/\s+/g, " ").trim();
  }

  function refresh() {
    selected = selectionInBody();
    button.hidden = !selected;
  }

  document.addEventListener("selectionchange", refresh);
  body.addEventListener("mouseup", refresh);
  body.addEventListener("keyup", refresh);

  // Keep the selection when the button is pressed with the mouse.
  button.addEventListener("mousedown", function (event) { event.preventDefault(); });
  button.addEventListener("click", function () {
    if (!selected) { return; }
    quote.value = selected;
    button.hidden = true;
    form.scrollIntoView({ behavior: "smooth", block: "center" });
    focusTarget.focus({ preventScroll: true });
  });
})();
