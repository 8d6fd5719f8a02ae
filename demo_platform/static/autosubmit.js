// Submits the LTI form_post on load. A file, not an inline script, so the page works under a
// Content-Security-Policy without 'unsafe-inline'; the visible button covers browsers without JS.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosubmit]");
  if (form) {
    form.submit();
  }
})();
