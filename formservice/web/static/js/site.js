/* formservice pages: small helpers on top of pages that work without JavaScript.
   - "Tilføj række" adds a table row in place (without JS the server adds it);
   - a file over the upload limit is refused before it is sent, with a Danish message;
   - a batch's progress bar follows its status until the ZIP is ready. */
(function () {
  "use strict";

  function addRow(button) {
    var group = button.getAttribute("data-add-row");
    var template = document.getElementById("row-template-" + group);
    var body = document.getElementById("rows-" + group);
    if (!template || !body) { return false; }
    var index = parseInt(body.getAttribute("data-next"), 10) || 0;
    var html = template.innerHTML.split("__i__").join(String(index))
                                 .split("__n__").join(String(index + 1));
    body.insertAdjacentHTML("beforeend", html);
    body.setAttribute("data-next", String(index + 1));
    var row = body.lastElementChild;
    var first = row && row.querySelector("input, select, textarea");
    if (first) { first.focus(); }
    var status = document.getElementById("row-status-" + group);
    if (status) { status.textContent = "Række " + (index + 1) + " er tilføjet."; }
    return true;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-add-row]");
    if (button && addRow(button)) { event.preventDefault(); }
  });

  function sizeText(bytes) {
    var mb = bytes / (1024 * 1024);
    if (mb >= 1) { return (mb >= 10 || mb === Math.floor(mb) ? mb.toFixed(0) : mb.toFixed(1).replace(".", ",")) + " MB"; }
    return Math.round(bytes / 1024) + " kB";
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var max = parseInt(form.getAttribute("data-max-bytes"), 10);
    if (!max) { return; }
    var inputs = form.querySelectorAll("input[type=file]");
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      var file = input.files && input.files[0];
      var box = document.getElementById(input.getAttribute("data-error-box"));
      if (file && file.size > max) {
        event.preventDefault();
        if (box) {
          box.hidden = false;
          box.textContent = "Filen er for stor (" + sizeText(file.size) + "). Den må højst fylde " +
            sizeText(max) + ". Vælg en anden fil.";
        }
        input.setAttribute("aria-invalid", "true");
        input.focus();
        return;
      }
      if (box) { box.hidden = true; box.textContent = ""; }
      input.removeAttribute("aria-invalid");
    }
  });

  function followProgress(element) {
    var url = element.getAttribute("data-progress-url");
    var bar = element.querySelector("progress");
    var text = element.querySelector("[data-progress-text]");
    var ready = document.getElementById("batch-ready");
    var waiting = document.getElementById("batch-waiting");
    function show(state) {
      bar.value = state.percent;
      bar.textContent = state.percent + " %";
      text.textContent = state.done + " af " + state.total + (state.total === 1 ? " dokument (" : " dokumenter (") + state.percent + " %)" +
        (state.failed ? ", " + state.failed + " kunne ikke laves" : "");
      if (state.ready) {
        if (ready) { ready.hidden = false; }
        if (waiting) { waiting.hidden = true; }
      }
      return state.ready;
    }
    function poll() {
      fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (state) { if (!show(state)) { setTimeout(poll, 600); } })
        .catch(function () { setTimeout(poll, 3000); });
    }
    poll();
  }

  var progress = document.querySelector("[data-progress-url]");
  if (progress && !progress.hasAttribute("data-ready")) { followProgress(progress); }
})();
