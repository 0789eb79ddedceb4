// Shared behaviour for every page. No inline scripts: the CSP forbids them.
(function () {
  "use strict";
  document.addEventListener("htmx:configRequest", function (event) {
    var token = document.querySelector("input[name='csrf_token']");
    if (token) { event.detail.headers["X-CSRFToken"] = token.value; }
  });
})();
