// kooste web app: small enhancements where JavaScript runs. Every page works without it:
// the form says its length limit and its round in text, and the server checks both.
// - A live character count under each answer ("123 / 10 000 merkkiä"), with a polite
//   announcement for screen readers when the limit is near or passed.
// - The sentence about the round follows the workshop chosen.
// - On the projector (/digest/W/present), the arrow keys and Page Up / Page Down follow the
//   previous and next links (which work without it).
(function () {
  "use strict";
  var live = document.createElement("p");
  live.className = "sr";
  live.setAttribute("aria-live", "polite");
  document.body.appendChild(live);
  var timer = null;

  function format(n) {
    var s = String(n);
    return s.length > 4 ? s.replace(/\B(?=(\d{3})+(?!\d))/g, "\u00a0") : s;
  }

  document.querySelectorAll("textarea[data-max]").forEach(function (area) {
    var hint = document.getElementById(area.id + "-hint");
    var limit = hint && hint.querySelector(".limit");
    if (!limit) return;
    var max = parseInt(area.getAttribute("data-max"), 10);
    var pattern = limit.getAttribute("data-count");
    function update(announce) {
      var n = Array.from(area.value).length;
      var text = pattern.replace("{n}", format(n));
      limit.textContent = text;
      limit.classList.toggle("over", n > max);
      if (announce && n > max * 0.9) {
        clearTimeout(timer);
        timer = setTimeout(function () {
          live.textContent = text;
        }, 800);
      }
    }
    area.addEventListener("input", function () {
      update(true);
    });
    update(false);
  });

  var select = document.getElementById("f-workshop");
  var round = document.querySelector("#f-workshop-round .round-text");
  if (select && round) {
    select.addEventListener("change", function () {
      var o = select.options[select.selectedIndex];
      if (o && o.getAttribute("data-round")) round.textContent = o.getAttribute("data-round");
    });
  }

  if (document.body.classList.contains("present")) {
    document.addEventListener("keydown", function (e) {
      if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey || e.defaultPrevented) return;
      var t = e.target;
      if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
      var rel = { ArrowRight: "next", PageDown: "next", ArrowLeft: "prev", PageUp: "prev" }[e.key];
      var link = rel && document.querySelector('.present-nav a[rel="' + rel + '"]');
      if (!link) return;
      e.preventDefault();
      window.location.href = link.href;
    });
  }
})();
