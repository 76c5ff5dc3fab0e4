// spinecoach live view: follows the patient's feedback stream (Server-Sent Events).
// Without this file the page shows the state as it was when it was loaded.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("live");
  if (!box || !window.EventSource) { return; }
  var $ = function (id) { return document.getElementById(id); };
  var LOW = -30, HIGH = 90;  // the gauge's span of lumbar flexion, degrees
  var cueTimer = null;

  function pct(value, low, high) {
    return Math.max(0, Math.min(100, (100 * (value - low)) / (high - low)));
  }
  function place(low, high, zoneLow, zoneHigh, value) {
    var zone = $("live-zone"), marker = $("live-marker");
    if (zoneLow === null) { zone.hidden = true; } else {
      zone.hidden = false;
      zone.style.left = pct(zoneLow, low, high) + "%";
      zone.style.width = (pct(zoneHigh, low, high) - pct(zoneLow, low, high)) + "%";
    }
    if (value === null) { marker.hidden = true; } else {
      marker.hidden = false;
      marker.style.left = pct(value, low, high) + "%";
    }
  }
  function text(id, value) { var el = $(id); if (el) { el.textContent = value; } }

  function showState(s) {
    var status = s.status || "waiting";
    box.dataset.status = status;
    box.dataset.mode = s.mode || "posture";
    text("live-status", status === "live" ? "Sensors streaming"
      : status === "calibrating" ? "Calibrating: " + (s.calibration_note || "")
      : status === "ended" ? "The stream has ended; the recording is saved"
      : "Waiting for the sensors");
    var ex = s.exercise, a = s.angle_deg;
    var name = ex && ex.target && ex.target.exercise_id ? ": " + ex.target.exercise_id.replace(/_/g, " ") : "";
    text("live-mode", s.mode === "exercise" ? "Exercise mode" + name : "Posture mode");
    text("live-angle", a ? Math.round(a.flexion) + "°" : "–");
    if (ex) {
      text("live-reps", String(ex.reps));
      // a rep's zone is the range its peak should reach: between reps the back is below it, so
      // what is shown is whether the back stays short of the top; a hold's is the still band
      text("live-inzone-label", ex.zone && ex.zone.low_deg !== undefined ? "Not past the top" : "In the zone");
      text("live-inzone", ex.in_zone ? "yes" : "no");
      text("live-hold", ex.hold_s === null || ex.hold_s === undefined ? "–" : Math.round(ex.hold_s) + " s");
      box.classList.toggle("out", !ex.in_zone);
    } else {
      text("live-inzone", "–");
      box.classList.remove("out");
    }
    if (ex && ex.zone && ex.zone.band_deg !== undefined) {  // a hold: distance from the settled posture
      var band = ex.zone.band_deg, moved = null;
      if (a && ex.zone.settled_deg) {
        var d = [a.flexion - ex.zone.settled_deg[0], a.lateral - ex.zone.settled_deg[1], a.rotation - ex.zone.settled_deg[2]];
        moved = Math.sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
      }
      text("live-scale-low", "still"); text("live-scale-mid", "±" + band + "°"); text("live-scale-high", 3 * band + "°");
      place(0, 3 * band, 0, band, moved);
    } else {
      var axis = ex && ex.zone ? ex.zone.axis : "flexion";
      var value = a ? a[axis] : null;
      text("live-scale-low", LOW + "°"); text("live-scale-mid", axis); text("live-scale-high", HIGH + "°");
      if (ex && ex.zone) { place(LOW, HIGH, ex.zone.low_deg, ex.zone.high_deg, value); }
      else { place(LOW, HIGH, -20, 20, value); }  // posture: the neutral zone
    }
    var zones = s.time_in_zones_s || {};
    document.querySelectorAll("#live-zones output[data-zone]").forEach(function (out) {
      out.textContent = ((zones[out.dataset.zone] || 0) / 60).toFixed(1) + " min";
    });
  }
  function notify(kind, data) {
    var li = document.createElement("li");
    li.className = "alert " + kind;
    li.dataset.kind = data.kind || "";
    li.dataset.t = data.t_s === null || data.t_s === undefined ? "" : String(data.t_s);
    li.dataset.shownAt = String(Date.now());
    li.textContent = data.message;
    var list = $("live-alerts");
    list.insertBefore(li, list.firstChild);
    while (list.children.length > 20) { list.removeChild(list.lastChild); }
  }
  function cue(data) {
    var el = $("live-cue");
    el.textContent = data.message;
    el.dataset.shownAt = String(Date.now());
    if (cueTimer) { clearTimeout(cueTimer); }
    cueTimer = setTimeout(function () { el.textContent = ""; }, 6000);
  }

  var source = new EventSource(box.dataset.feedback);
  source.addEventListener("open", function () { text("live-connection", "following"); });
  source.addEventListener("error", function () { text("live-connection", "reconnecting…"); });
  source.addEventListener("state", function (e) { showState(JSON.parse(e.data)); });
  source.addEventListener("alert", function (e) { notify("alert", JSON.parse(e.data)); });
  source.addEventListener("cue", function (e) { cue(JSON.parse(e.data)); });
  source.addEventListener("hold", function (e) { notify("hold", JSON.parse(e.data)); });
  source.addEventListener("rep", function (e) {
    var data = JSON.parse(e.data);
    text("live-reps", String(Math.round(data.value)));
    var out = $("live-reps");
    out.classList.remove("bump"); void out.offsetWidth; out.classList.add("bump");
  });
  source.addEventListener("status", function (e) { notify("status", JSON.parse(e.data)); });
});
