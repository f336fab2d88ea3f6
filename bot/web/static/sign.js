// The signature pad of the order page: pointer events (finger, pen, mouse) drawn on a canvas; the
// drawing goes with the form as a PNG data URL. Keyboard users can sign with their typed name.
"use strict";
(function () {
  var form = document.getElementById("sign-form");
  var pad = document.getElementById("pad");
  if (!form || !pad) { return; }
  var ctx = pad.getContext("2d");
  var field = document.getElementById("signature");
  var error = document.getElementById("signature-error");
  var name = document.getElementById("name");
  var inked = 0;
  var last = null;

  function blank() {
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, pad.width, pad.height);
    ctx.strokeStyle = "#111";
    ctx.lineWidth = 3;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    inked = 0;
  }
  function at(e) {
    var r = pad.getBoundingClientRect();
    return { x: (e.clientX - r.left) * pad.width / r.width, y: (e.clientY - r.top) * pad.height / r.height };
  }
  pad.addEventListener("pointerdown", function (e) {
    e.preventDefault();
    pad.setPointerCapture(e.pointerId);
    last = at(e);
    ctx.beginPath();
    ctx.arc(last.x, last.y, 1.5, 0, 2 * Math.PI);
    ctx.fillStyle = "#111";
    ctx.fill();
  });
  pad.addEventListener("pointermove", function (e) {
    if (!last) { return; }
    e.preventDefault();
    var p = at(e);
    ctx.beginPath();
    ctx.moveTo(last.x, last.y);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
    inked += Math.abs(p.x - last.x) + Math.abs(p.y - last.y);
    last = p;
    error.textContent = "";
  });
  function end() { last = null; }
  pad.addEventListener("pointerup", end);
  pad.addEventListener("pointercancel", end);
  pad.addEventListener("pointerleave", end);

  document.getElementById("clear").addEventListener("click", function () { blank(); });
  document.getElementById("typed").addEventListener("click", function () {
    var text = (name.value || "").trim();
    if (!text) {
      error.textContent = "Type your name first.";
      name.focus();
      return;
    }
    blank();
    ctx.fillStyle = "#111";
    ctx.font = "italic 56px Georgia, 'Times New Roman', serif";
    ctx.textBaseline = "middle";
    ctx.fillText(text, 20, pad.height / 2, pad.width - 40);
    inked = 1000;
    error.textContent = "";
  });
  form.addEventListener("submit", function (e) {
    if (inked < 20) {
      e.preventDefault();
      error.textContent = "Draw your signature in the box.";
      pad.focus();
      return;
    }
    field.value = pad.toDataURL("image/png");
  });
  blank();
})();
