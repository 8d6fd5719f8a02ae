// Tells the platform that dynamic registration finished (LTI-DR 3.6): it closes its dialog.
(function () {
  function close() {
    var target = window.opener || window.parent;
    if (target && target !== window) {
      target.postMessage({ subject: "org.imsglobal.lti.close" }, "*");
    }
  }
  close();
  var button = document.querySelector("[data-lti-close]");
  if (button) { button.addEventListener("click", close); }
})();
