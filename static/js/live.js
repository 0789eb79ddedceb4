// The desk's one live channel (hotline/live.py): once a second, ask GET /live what changed for
// this person since the sequence number the page last saw, and announce each changed kind as a
// DOM event on <body> ("live-call", "live-bell", "live-inbox", "live-wallboard"), which htmx
// triggers (hx-trigger="live-bell from:body") and page scripts listen to.
(function () {
  "use strict";
  var body = document.body;
  var url = body.getAttribute("data-live");
  if (!url || !window.fetch) { return; }
  var mark = body.getAttribute("data-live-since");
  var since = Number(mark || "0");
  var baseline = !mark;  // Redis was away when the page was made: the first answer only sets the mark
  var interval = Number(body.getAttribute("data-live-interval") || "1000");
  var stopped = false;

  function poll() {
    if (stopped) { return; }
    fetch(url + "?since=" + since, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (response.status === 401 || response.redirected) { stopped = true; return null; }
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (!data) { return; }
        var changes = data.changes || {};
        if (!baseline) {
          Object.keys(changes).forEach(function (kind) {
            body.dispatchEvent(new CustomEvent("live-" + kind, { detail: changes[kind], bubbles: true }));
          });
        }
        baseline = false;
        if (typeof data.seq === "number") { since = data.seq; }  // lower after a Redis restart
      })
      .catch(function () { /* the network blinked: the next poll tries again */ })
      .then(function () { if (!stopped) { window.setTimeout(poll, interval); } });
  }
  window.setTimeout(poll, interval);
})();
