// Enhancements only: the form works the same without this script.
(function () {
  "use strict";
  var form = document.getElementById("hc-form");
  if (!form) return;
  // One tap, one story: a second tap while the first is sending would send it twice.
  form.addEventListener("submit", function () {
    var button = document.getElementById("hc-send");
    window.setTimeout(function () { button.disabled = true; button.textContent = "Sending…"; }, 0);
  });
  // Characters left, under fields with a limit.
  Array.prototype.forEach.call(form.querySelectorAll("textarea[maxlength], input[type=text][maxlength]"), function (field) {
    var max = parseInt(field.getAttribute("maxlength"), 10);
    var note = document.createElement("span");
    note.className = "hc-count";
    note.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", note);
    function update() {
      var left = max - field.value.length;
      note.textContent = left < max / 5 ? left + " characters left" : "";
    }
    field.addEventListener("input", update);
    update();
  });
  var summary = document.getElementById("hc-summary");
  if (summary) summary.focus();
})();
