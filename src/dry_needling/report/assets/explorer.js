/* Notebook 03's explorer: embeds the Altair / Vega-Lite chart (window.DN_EXPLORER_SPEC) with Vega's
   expression interpreter (ast: true), so the page needs no eval and no kernel. The readout shows the
   'bias' parameter, whose expression is dry_needling.simulate.unblinding_bias (see report/explorer.py). */
(function () {
  "use strict";
  function start() {
    var chart = document.getElementById("explorer-chart");
    var out = document.getElementById("explorer-bias");
    if (!chart || !out || !window.vegaEmbed || !window.DN_EXPLORER_SPEC) { return; }
    window.vegaEmbed(chart, window.DN_EXPLORER_SPEC, {
      ast: true, renderer: "svg", actions: false, bind: document.getElementById("explorer-controls")
    }).then(function (result) {
      var view = result.view;
      function show() {
        var bias = view.signal("bias");
        out.textContent = (bias < 0 ? "\u2212" : "+") + Math.abs(bias).toFixed(3);
        out.setAttribute("data-value", String(bias));
      }
      view.addSignalListener("bias", show);
      show();
      window.dnExplorer = view;
      document.getElementById("unblinding-explorer").setAttribute("data-ready", "true");
    }).catch(function (error) {
      out.textContent = "(the chart could not start: " + error + ")";
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
