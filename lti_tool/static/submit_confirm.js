// The review page's "Submit my answers", enhanced: a modal dialog asks first (the native
// <dialog>: focus moves into it and stays there, Escape closes it, focus returns to the
// button). Without this script the button opens the same question on a page of its own.
(function () {
  "use strict";

  var form = document.getElementById("submit-form");
  var dialog = document.getElementById("submit-dialog");
  var cancel = document.getElementById("cancel-submit");
  if (!form || !dialog || typeof dialog.showModal !== "function") { return; }
  var opener = document.getElementById("submit-attempt");

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    dialog.showModal();
    if (cancel) { cancel.focus(); }
  });
  if (cancel) { cancel.addEventListener("click", function () { dialog.close(); }); }
  dialog.addEventListener("close", function () { if (opener) { opener.focus(); } });
})();
