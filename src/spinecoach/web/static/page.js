// spinecoach pages: small helpers; every form works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // hold timer: counts down the prescribed hold
  document.querySelectorAll(".timer[data-hold]").forEach(function (box) {
    box.hidden = false;
    var out = box.querySelector("output");
    var seconds = parseInt(box.dataset.hold, 10);
    var tick = null;
    box.querySelector("button").addEventListener("click", function () {
      if (tick) { clearInterval(tick); }
      var left = seconds;
      out.textContent = String(left);
      tick = setInterval(function () {
        left -= 1;
        out.textContent = left > 0 ? String(left) : "done";
        if (left <= 0) { clearInterval(tick); tick = null; }
      }, 1000);
    });
  });
  // rep counter
  document.querySelectorAll(".timer[data-counter]").forEach(function (box) {
    box.hidden = false;
    var out = box.querySelector("output");
    var count = 0;
    box.querySelector("button").addEventListener("click", function () {
      count += 1;
      out.textContent = String(count);
    });
  });
  // a cauda equina answer shows the emergency message at once
  var warning = document.getElementById("emergency-now");
  if (warning) {
    var boxes = document.querySelectorAll("input[data-emergency]");
    boxes.forEach(function (input) {
      input.addEventListener("change", function () {
        warning.hidden = !Array.prototype.some.call(boxes, function (b) { return b.checked; });
      });
    });
  }
});
// an upload shows its progress; without this file the form posts as usual
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-upload]").forEach(function (form) {
    var bar = form.querySelector("progress");
    form.addEventListener("submit", function (event) {
      if (!window.XMLHttpRequest || !window.FormData) { return; }
      event.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      bar.hidden = false;
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          bar.value = Math.round((100 * e.loaded) / e.total);
          bar.textContent = bar.value + " %";
        }
      });
      xhr.addEventListener("load", function () {
        bar.value = 100;
        if (xhr.status < 400 && xhr.responseURL) {
          window.location.assign(xhr.responseURL + "#recordings");
        } else {  // the page with the message beside the file field
          document.open();
          document.write(xhr.responseText);
          document.close();
        }
      });
      xhr.send(new FormData(form));
    });
  });
});
