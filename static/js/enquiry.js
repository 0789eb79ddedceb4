// The enquiry page: «Insert answer» on an FAQ suggestion copies the entry's answer into the
// answer box and records that the entry was used when the answer is saved. Suggestions are
// replaced as the coordinator searches, so clicks are handled on the document.
(function () {
  "use strict";
  var box = document.getElementById("answer-text");
  var used = document.getElementById("answer-faq-used");
  document.addEventListener("click", function (event) {
    var button = event.target.closest(".faq-insert");
    if (!button || !box) { return; }
    var text = button.getAttribute("data-answer") || "";
    if (box.value.indexOf(text) === -1) { box.value = box.value ? box.value + "\n\n" + text : text; }
    var id = button.getAttribute("data-faq-id");
    if (used && !used.querySelector("input[value='" + id + "']")) {
      var input = document.createElement("input");
      input.type = "hidden"; input.name = "faq_ids"; input.value = id;
      used.appendChild(input);
    }
    box.focus();
  });
})();
