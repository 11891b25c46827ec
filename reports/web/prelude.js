// Notes script errors and blocked requests on <html> (data-errors,
// data-error-list), so that a headless browser's DOM dump shows them.
(function () {
  "use strict";
  var root = document.documentElement, errs = [];
  function note(m) {
    errs.push(String(m));
    root.setAttribute("data-errors", String(errs.length));
    root.setAttribute("data-error-list", errs.join(" | "));
  }
  root.setAttribute("data-errors", "0");
  window.addEventListener("error", function (e) { note("error: " + e.message); });
  document.addEventListener("securitypolicyviolation", function (e) { note("blocked by policy: " + e.violatedDirective + " " + e.blockedURI); });
  window.__stampedeNote = note;
})();
