// Draws every chart rendered by macros/charts.html: each
// <script type="application/json" data-chart-for="ID"> holds {data, layout, config} and
// the element with that ID receives the plot. Needs plotly.min.js loaded before this file
// (both deferred, in that order). Without JavaScript, or if Plotly is missing, the page
// keeps its captions and open data tables. No inline code is needed in templates.
(function () {
  "use strict";

  function draw(block) {
    var target = document.getElementById(block.getAttribute("data-chart-for"));
    if (!target || target.getAttribute("data-chart-drawn")) { return; }
    var spec;
    try {
      spec = JSON.parse(block.textContent);
    } catch (error) {
      if (window.console) { window.console.error("chart data is not valid JSON", error); }
      return;
    }
    target.hidden = false;  // Plotly measures the element: it must be displayed first
    target.setAttribute("data-chart-drawn", "1");
    window.Plotly.newPlot(target, spec.data || [], spec.layout || {}, spec.config || {})
      .then(function () {
        var figure = target.closest("figure");
        var table = figure && figure.querySelector("details.chart-table");
        if (table) { table.open = false; }  // the plot is there; the table stays one click away
      })
      .catch(function (error) {
        target.hidden = true;
        if (window.console) { window.console.error("chart could not be drawn", error); }
      });
  }

  function drawAll() {
    if (!window.Plotly) { return; }
    var blocks = document.querySelectorAll('script[type="application/json"][data-chart-for]');
    for (var i = 0; i < blocks.length; i++) { draw(blocks[i]); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
