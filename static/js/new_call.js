// The New call screen, keyboard first: Alt+1…4 picks the outcome, Ctrl+Enter saves,
// Enter on an FAQ suggestion marks it used and copies its answer, Enter in a field moves on.
(function () {
  "use strict";
  var form = document.getElementById("call-form");
  if (!form) { return; }
  var answer = form.querySelector("#answer");
  var outcomes = form.querySelectorAll("input[name='outcome']");

  function pickOutcome(value) {
    outcomes.forEach(function (radio) { radio.checked = radio.value === value; });
  }

  function useSuggestion(box) {
    if (box.checked && answer) {
      var text = box.getAttribute("data-answer") || "";
      if (answer.value.indexOf(text) === -1) {
        answer.value = answer.value ? answer.value + "\n\n" + text : text;
      }
      pickOutcome("answered");
    }
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "faq_ids") { useSuggestion(event.target); }
  });

  form.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
      return;
    }
    if (event.altKey && !event.ctrlKey && /^[1-4]$/.test(event.key)) {
      event.preventDefault();
      var radio = outcomes[Number(event.key) - 1];
      if (radio) { radio.checked = true; }
      return;
    }
    if (event.key === "Enter" && target.name === "faq_ids") {
      event.preventDefault();
      target.checked = !target.checked;
      useSuggestion(target);
      return;
    }
    if (event.key === "Enter" && target.tagName === "INPUT" && target.type !== "submit") {
      // Enter in a one-line field moves to the next field instead of saving half a call.
      event.preventDefault();
      var fields = Array.prototype.filter.call(form.elements, function (el) {
        return !el.disabled && el.type !== "hidden" && el.tabIndex >= 0;
      });
      var next = fields[fields.indexOf(target) + 1];
      if (next) { next.focus(); }
    }
  });
  // Ctrl+Enter also works when focus is outside the form (for example on a suggestion link).
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !form.contains(event.target)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  // Type-to-filter on the topic and sister city lists: letters typed on a focused list pick the
  // first option whose name (or code) starts with them, else whose name contains them
  // («дуйс» → Дуйсбург, «arch» → Архивы), the same in every browser.
  form.querySelectorAll("select[data-type-filter]").forEach(function (select) {
    var typed = "";
    var timer = null;
    select.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.altKey || event.metaKey || event.key.length !== 1) { return; }
      event.preventDefault();
      typed += event.key.toLowerCase();
      clearTimeout(timer);
      timer = setTimeout(function () { typed = ""; }, 900);
      var options = Array.prototype.slice.call(select.options, 1);
      var match = options.find(function (o) { return o.text.toLowerCase().indexOf(typed) === 0; }) ||
                  options.find(function (o) { return o.value.indexOf(typed) === 0; }) ||
                  options.find(function (o) { return o.text.toLowerCase().indexOf(typed) !== -1; });
      if (match && select.value !== match.value) {
        select.value = match.value;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  });

  // The handle-time clock: from the answer when the phone system reported the call (screen pop),
  // else from the first keystroke in the form or the Start call key, never from when the page opened.
  var clock = document.getElementById("handle-clock");
  var startedField = form.querySelector("input[name='started_at']");
  var ctiField = form.querySelector("input[name='cti_call_id']");
  var startKey = document.getElementById("start-call");
  var started = Date.parse(form.getAttribute("data-started") || "");
  var ended = NaN;
  var timer = null;

  function tick() {
    var until = isNaN(ended) ? Date.now() : ended;
    var seconds = Math.max(0, Math.floor((until - started) / 1000));
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    clock.textContent = minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }
  function runClock(from) {
    started = from;
    ended = NaN;
    if (startKey) { startKey.hidden = true; }
    if (!clock) { return; }
    tick();
    if (!timer) { timer = setInterval(tick, 1000); }
  }
  function startNow() {
    if (!isNaN(started)) { return; }
    var now = new Date();
    if (startedField) { startedField.value = now.toISOString(); }
    runClock(now.getTime());
  }
  if (!isNaN(started)) { runClock(started); }
  form.addEventListener("input", startNow);
  if (startKey) { startKey.addEventListener("click", function () { startNow(); form.querySelector("#phone").focus(); }); }

  // The screen pop: the phone system says this operator answered (static/js/live.js).
  var phone = form.querySelector("#phone");
  var banner = document.getElementById("screen-pop");
  document.body.addEventListener("live-call", function (event) {
    var call = event.detail || {};
    if (!call.cti_call_id) { return; }
    if (call.ended_at) {
      if (ctiField && ctiField.value === call.cti_call_id) {
        ended = Date.parse(call.ended_at);
        if (clock && !isNaN(started)) { tick(); }
        if (banner) { banner.textContent = form.getAttribute("data-ended-text"); }
      }
      return;
    }
    if (!call.answered_at || (ctiField && ctiField.value === call.cti_call_id)) { return; }
    if (ctiField) { ctiField.value = call.cti_call_id; }
    if (startedField) { startedField.value = call.answered_at; }
    started = NaN;
    runClock(Date.parse(call.answered_at));
    if (phone && call.phone) {
      phone.value = call.phone;
      phone.dispatchEvent(new Event("input", { bubbles: true }));  // the caller card follows (htmx)
    }
    if (banner) {
      banner.textContent = form.getAttribute("data-pop-text").replace("{phone}", call.phone || "");
      banner.hidden = false;
    }
  });
})();
