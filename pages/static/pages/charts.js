/* Draws the chart of each topic section with Chart.js. The table beside each chart holds the
   same figures, so a reader without JavaScript (or a screen reader) loses nothing.
   Data arrives in <script type="application/json"> blocks written by Django's json_script. */
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") {
    return;
  }
  var Chart = window.Chart;
  // Colours distinguishable in greyscale and by colour-blind readers; each series also has
  // its own point shape, so colour is never the only signal.
  var COLOURS = ["#003a70", "#d4351c", "#00703c", "#6f3c97", "#b35c00", "#28a197", "#505a5f"];
  var SHAPES = ["circle", "rect", "triangle", "rectRot", "crossRot", "star", "rectRounded"];

  function suffix(flags, i) {
    return flags && flags[i] ? " (illustrative)" : "";
  }

  function lineConfig(spec, unit) {
    var datasets = spec.datasets.map(function (series, n) {
      var colour = COLOURS[n % COLOURS.length];
      return {
        label: series.label,
        data: series.data,
        borderColor: colour,
        backgroundColor: colour,
        borderWidth: series.main ? 4 : 2,
        pointStyle: SHAPES[n % SHAPES.length],
        pointRadius: series.main ? 6 : 4,
        // Illustrative points are hollow and the lines into them dashed.
        pointBackgroundColor: series.data.map(function (_, i) {
          return series.illustrative[i] ? "#ffffff" : colour;
        }),
        spanGaps: true,
        segment: {
          borderDash: function (ctx) {
            return series.illustrative[ctx.p1DataIndex] ? [6, 4] : undefined;
          },
        },
        illustrative: series.illustrative,
      };
    });
    return { type: "line", data: { labels: spec.labels, datasets: datasets } };
  }

  function barConfig(spec) {
    var series = spec.datasets[0];
    var labels = spec.labels.map(function (label, i) {
      return label + suffix(series.illustrative, i);
    });
    var datasets = [{
      type: "bar",
      label: series.label,
      data: series.data,
      backgroundColor: series.data.map(function (_, i) {
        return series.illustrative[i] ? "#9bb3cf" : "#003a70";
      }),
      borderColor: "#003a70",
      borderWidth: 2,
      illustrative: series.illustrative,
    }];
    if (spec.reference) {
      datasets.push({
        type: "line",
        label: spec.reference.label,
        data: spec.labels.map(function () { return spec.reference.value; }),
        borderColor: "#d4351c",
        borderWidth: 3,
        borderDash: [8, 4],
        pointRadius: 0,
        illustrative: spec.labels.map(function () { return spec.reference.illustrative; }),
      });
    }
    return {
      type: "bar",
      data: { labels: labels, datasets: datasets },
      options: { indexAxis: spec.labels.length > 6 ? "y" : "x" },
    };
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) {
      return;
    }
    var spec = JSON.parse(source.textContent);
    var unit = canvas.dataset.unit || "";
    var config = spec.type === "line" ? lineConfig(spec, unit) : barConfig(spec);
    config.options = Object.assign({
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: {
        legend: { display: spec.type === "line" || Boolean(spec.reference), labels: { usePointStyle: true } },
        tooltip: {
          callbacks: {
            label: function (ctx) {
              var flags = ctx.dataset.illustrative;
              return ctx.dataset.label + ": " + ctx.formattedValue + (unit ? " " + unit : "") +
                suffix(flags, ctx.dataIndex);
            },
          },
        },
      },
      scales: { y: { beginAtZero: spec.type !== "line" } },
    }, config.options || {});
    if (config.options.indexAxis === "y") {
      config.options.scales = { x: { beginAtZero: true } };
    }
    canvas.chart = new Chart(canvas, config);
  }

  document.querySelectorAll("canvas[data-chart]").forEach(draw);
})();
