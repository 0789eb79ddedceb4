// Shared behaviour for every page. No inline scripts: the CSP forbids them.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  document.addEventListener("htmx:configRequest", function (event) {
    var token = document.querySelector("input[name='csrf_token']");
    if (token) { event.detail.headers["X-CSRFToken"] = token.value; }
  });

  // A panel loaded by htmx that fails says so instead of keeping what it showed before
  // (its data-error holds the message, in the page's language).
  function failed(event) {
    var target = event.detail && event.detail.target;
    var panel = target && target.closest && target.closest("[data-error]");
    if (!panel) { return; }
    var message = document.createElement("p");
    message.className = "flash flash-error";
    message.setAttribute("role", "alert");
    message.textContent = panel.getAttribute("data-error");
    panel.replaceChildren(message);
  }
  document.addEventListener("htmx:responseError", failed);
  document.addEventListener("htmx:sendError", failed);

  // A form that deletes or revokes asks first (data-confirm holds the question).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  }, true);

  // After a refused save, focus goes to the first field in error (its message is read with it).
  var invalid = document.querySelector("main [aria-invalid='true']");
  if (invalid) {
    var focusable = invalid.matches("input, select, textarea") ? invalid : invalid.querySelector("input, select, textarea");
    if (focusable) { focusable.focus(); }
  }

  // The header menu folds behind a button on a narrow screen (app.css, media rules at the end).
  var toggle = document.querySelector(".menu-toggle");
  var menu = document.getElementById("topbar-menu");
  if (toggle && menu) {
    toggle.addEventListener("click", function () {
      var open = menu.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // A copy button (a new API key): shown where the clipboard can be written.
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    if (!navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy"));
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        button.textContent = button.getAttribute("data-copied");
      });
    });
  });

  // Tables scroll inside their own box, never the page; a box that scrolls takes keyboard focus
  // and is named after its table (its aria-label or caption, or the heading above it).
  function labelFor(table) {
    if (table.getAttribute("aria-label")) { return table.getAttribute("aria-label"); }
    if (table.caption) { return table.caption.textContent.trim(); }
    var node = table.closest(".table-scroll, .table-wrap") || table;
    while (node && node !== document.body) {
      var previous = node.previousElementSibling;
      while (previous) {
        if (/^H[1-6]$/.test(previous.tagName)) { return previous.textContent.trim(); }
        var inner = previous.querySelector && previous.querySelector("h1, h2, h3, h4, summary");
        if (inner) { return inner.textContent.trim(); }
        previous = previous.previousElementSibling;
      }
      node = node.parentElement;
    }
    return document.title;
  }

  var boxes = [];
  document.querySelectorAll("main table").forEach(function (table) {
    var box = table.parentElement;
    if (!box.classList.contains("table-scroll") && !box.classList.contains("table-wrap")) {
      box = document.createElement("div");
      box.className = "table-wrap";
      table.parentNode.insertBefore(box, table);
      box.appendChild(table);
    }
    boxes.push([box, table]);
  });
  function markScrolling() {
    boxes.forEach(function (pair) {
      var box = pair[0];
      var scrolls = box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", labelFor(pair[1]));
      } else if (!scrolls && box.getAttribute("tabindex") === "0") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }
  markScrolling();
  window.addEventListener("resize", markScrolling);
  document.addEventListener("htmx:afterSettle", markScrolling);
  document.addEventListener("toggle", markScrolling, true);  // <details> around a table

  // Search from the keyboard: "/" focuses the top bar's box (not while typing in a field);
  // on the results page, arrow keys move between the hits and Enter opens the one focused.
  function typing(element) {
    if (!element) { return false; }
    var tag = element.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || element.isContentEditable;
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || typing(document.activeElement)) { return; }
    var box = document.querySelector("[data-search-results]") || document.querySelector("[data-search-box]");
    if (!box) { return; }
    event.preventDefault();
    box.focus();
    box.select();
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") { return; }
    var links = Array.prototype.slice.call(document.querySelectorAll("#search-hits .search-hit > a"));
    if (!links.length) { return; }
    var active = document.activeElement;
    var at = links.indexOf(active);
    var fromBox = active && active.hasAttribute && active.hasAttribute("data-search-results");
    if (at < 0 && !fromBox) { return; }
    event.preventDefault();
    var next = at < 0 ? 0 : Math.min(links.length - 1, Math.max(0, at + (event.key === "ArrowDown" ? 1 : -1)));
    links[next].focus();
  });
})();
