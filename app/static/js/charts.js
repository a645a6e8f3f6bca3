// Draws every chart rendered by macros/charts.html: each
// <script type="application/json" data-chart-for="ID"> holds {data, layout, config} and
// the element with that ID receives the plot. Needs the plotly.js bundle loaded before this file
// (both deferred, in that order). Without JavaScript, or if Plotly is missing, the page
// keeps its captions and open data tables. No inline code is needed in templates.
// The charts the first screen shows are drawn at once; the others after them, one per task,
// so that a page of several charts answers scrolling and clicks between two of them. Two
// performance marks record the page's progress (tests/e2e/test_report_load.py reads them):
// "charts-in-view" when the first screen is drawn (the page is usable), "charts-drawn" when
// every chart is.
(function () {
  "use strict";

  function draw(block) {
    var target = document.getElementById(block.getAttribute("data-chart-for"));
    if (!target || target.getAttribute("data-chart-drawn")) { return null; }
    var spec;
    try {
      spec = JSON.parse(block.textContent);
    } catch (error) {
      if (window.console) { window.console.error("chart data is not valid JSON", error); }
      return null;
    }
    target.hidden = false;  // Plotly measures the element: it must be displayed first
    target.setAttribute("data-chart-drawn", "1");
    return window.Plotly.newPlot(target, spec.data || [], spec.layout || {}, spec.config || {})
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

  function mark(name) {
    if (window.performance && window.performance.mark) { window.performance.mark(name); }
  }

  function inFirstScreen(block) {
    var figure = block.closest("figure") || block;
    return figure.getBoundingClientRect().top < window.innerHeight;
  }

  function nextTask() {
    return new Promise(function (resolve) { window.setTimeout(resolve, 0); });
  }

  function drawInTurn(blocks) {
    return blocks.reduce(function (previous, block) {
      return previous.then(nextTask).then(function () { return draw(block); });
    }, Promise.resolve());
  }

  function drawAll() {
    if (!window.Plotly) { return; }
    var blocks = Array.prototype.slice.call(
      document.querySelectorAll('script[type="application/json"][data-chart-for]'));
    // Measured before anything is drawn: drawing moves the figures below.
    var inView = blocks.filter(inFirstScreen);
    var below = blocks.filter(function (block) { return inView.indexOf(block) < 0; });
    Promise.all(inView.map(draw))
      .then(function () { mark("charts-in-view"); return drawInTurn(below); })
      .then(function () { mark("charts-drawn"); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
