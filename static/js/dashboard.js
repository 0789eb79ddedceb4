// The supervisors' dashboard: draws each <canvas data-chart> with Chart.js (vendored) and keeps
// the custom period form tidy. No inline scripts: the CSP forbids them.
(function () {
  "use strict";

  function percentTicks(value) { return value + " %"; }

  function draw(canvas) {
    var spec;
    try { spec = JSON.parse(canvas.getAttribute("data-chart")); } catch (e) { return; }
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { display: spec.datasets.length > 1 || spec.type === "line" } },
      scales: {}
    };
    if (spec.type === "bubble") {
      var days = spec.yLabels || [];
      options.plugins.legend.display = false;
      options.plugins.tooltip = { callbacks: { label: function (ctx) {
        var p = ctx.raw; return days[p.y] + " " + String(p.x).padStart(2, "0") + ":00 — " + p.v;
      } } };
      options.scales.x = { min: -0.5, max: 23.5, ticks: { stepSize: 1 } };
      options.scales.y = { min: -0.5, max: 6.5, reverse: true,
        ticks: { stepSize: 1, callback: function (v) { return days[v] || ""; } } };
    } else {
      options.scales.y = { beginAtZero: true };
      if (spec.percent) { options.scales.y.max = 100; options.scales.y.ticks = { callback: percentTicks }; }
    }
    if (spec.type === "bar" && spec.labels.length > 6 && !spec.vertical) {
      // Long names (topics, cities): horizontal bars, every label shown (shortened, whole in
      // the tooltip), the box as tall as the labels need.
      var labels = spec.labels;
      options.indexAxis = "y";
      options.scales = { x: { beginAtZero: true }, y: { ticks: { autoSkip: false, callback: function (v) {
        var text = String(labels[v]);
        return text.length > 30 ? text.slice(0, 29) + "…" : text;
      } } } };
      canvas.parentElement.style.height = Math.max(256, labels.length * 24 + 40) + "px";
    }
    new window.Chart(canvas, { type: spec.type, data: { labels: spec.labels, datasets: spec.datasets }, options: options });
  }

  function init() {
    if (!window.Chart) { return; }
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
