// After a form came back with errors, move focus to the error summary so screen-reader and
// keyboard users hear what to fix first (WCAG 3.3.1); its links lead to each question.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
});
