// Submits forms marked data-autosubmit (the CSP forbids inline script).
document.querySelectorAll("form[data-autosubmit]").forEach(function (form) { form.submit(); });
