// The result page's grade status, kept current while the grade is on its way to the course
// gradebook: asks the server's grade status endpoint again after growing pauses (2 s, 4 s,
// 8 s ... at most a minute), puts the server's message in the polite live region (a screen
// reader says it once), and stops once the grade is in the gradebook or could not be sent.
// A failed request only means a longer pause. The CSP forbids inline script, hence this file.
(function () {
  "use strict";

  var region = document.getElementById("grade-status-live");
  if (!region || !region.dataset.pollUrl || !window.fetch) { return; }

  var FIRST_PAUSE_MS = 2000;
  var LONGEST_PAUSE_MS = 60000;
  var WAITING = "waiting";
  var url = region.dataset.pollUrl;
  var pause = FIRST_PAUSE_MS;

  function later() {
    window.setTimeout(ask, pause);
    pause = Math.min(pause * 2, LONGEST_PAUSE_MS);
  }

  function show(answer) {
    if (answer.state !== region.dataset.state && answer.html) {
      region.innerHTML = answer.html; // rendered and escaped by the server's template
      region.dataset.state = answer.state;
    }
    if (answer.state === WAITING) { later(); }
  }

  function ask() {
    window.fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(show)
      .catch(later);
  }

  later();
})();
