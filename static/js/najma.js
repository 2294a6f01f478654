/* Progressive enhancements: every page works without them. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var csrf = document.querySelector('meta[name="csrf-token"]');
  var token = csrf ? csrf.getAttribute("content") : "";

  // Ask before destructive or irreversible actions.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = button && button.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  // Live Markdown preview, rendered by the server's sanitiser so it matches the page.
  document.querySelectorAll("[data-markdown-editor]").forEach(function (editor) {
    var textarea = editor.querySelector("textarea");
    var preview = editor.querySelector("[data-markdown-preview]");
    if (!textarea || !preview) { return; }
    var timer = null;
    var sequence = 0;
    function refresh() {
      var mine = ++sequence;
      var body = new URLSearchParams();
      body.set("text", textarea.value);
      fetch("/markdown/preview", {
        method: "POST",
        headers: { "X-CSRFToken": token, "Content-Type": "application/x-www-form-urlencoded",
                   "Accept": "application/json" },
        body: body.toString(),
        credentials: "same-origin"
      }).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(function (data) {
        if (data && mine === sequence) { preview.innerHTML = data.html; }
      }).catch(function () { /* the preview button still works without the network call */ });
    }
    textarea.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 300);
    });
  });

  // Role form: show the territory or chantier list only for the roles that need one.
  document.querySelectorAll("[data-role-form]").forEach(function (form) {
    var role = form.querySelector('select[name="role"]');
    var territory = form.querySelector('select[name="territory_id"]');
    var chantier = form.querySelector('select[name="chantier_id"]');
    var territorial = ["delegate", "committee_member", "commission_member", "antenna_staff"];
    function sync() {
      territory.closest(".mb-3").hidden = territorial.indexOf(role.value) < 0;
      chantier.closest(".mb-3").hidden = role.value !== "chantier_lead";
    }
    role.addEventListener("change", sync);
    sync();
  });
})();
