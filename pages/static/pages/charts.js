/* Draws the chart of each topic section with Chart.js. The table beside each chart holds the
   same figures, so a reader without JavaScript (or a screen reader) loses nothing.
   Data arrives in <script type="application/json"> blocks written by Django's json_script.

   On every screen, a phone's 320 px included, each bar keeps its label: bars run across
   (indexAxis "y") on narrow screens and whenever there are more than 6; category labels are
   never skipped but wrapped onto several lines at spaces; the box of a chart with bars across
   is as tall as its bars need; and legend entries too long for the width wrap, not cut. Line
   charts may thin their period labels on a phone (the table has them all). */
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

  // Bars run across when there are more than this many, or on a narrow screen (the CSS's
  // small-screen width).
  var MAX_BARS_UP = 6;
  var NARROW = window.matchMedia ? window.matchMedia("(max-width: 40rem)") : null;
  // Each bar of a chart with bars across has at least this many pixels, more when its label
  // runs to several lines; the value axis and padding below the bars take about AXIS.
  var BAR = 28;
  var AXIS = 44;
  // Chart.js's legend: the padding between entries and the space its point symbol takes.
  var LEGEND_PADDING = 10;
  var FONT = Chart.helpers.toFont(Chart.defaults.font);
  var measurer = document.createElement("canvas").getContext("2d");

  function suffix(flags, i) {
    return flags && flags[i] ? " (illustrative)" : "";
  }

  function textWidth(text) {
    measurer.font = FONT.string;
    return measurer.measureText(text).width;
  }

  // `text` as lines no wider than `width` pixels, broken at spaces (a single word wider than
  // that keeps its own line): an array of lines, which Chart.js draws one under another, or
  // the text itself when it fits. Joined with spaces, the lines are the text again.
  function wrap(text, width) {
    text = String(text);
    if (textWidth(text) <= width) {
      return text;
    }
    var lines = [];
    var line = null;
    text.split(" ").forEach(function (word) {
      var longer = line === null ? word : line + " " + word;
      if (line !== null && textWidth(longer) > width) {
        lines.push(line);
        line = word;
      } else {
        line = longer;
      }
    });
    lines.push(line);
    return lines.length > 1 ? lines : lines[0];
  }

  function lineCount(label) {
    return Array.isArray(label) ? label.length : 1;
  }

  function narrowScreen() {
    return Boolean(NARROW && NARROW.matches);
  }

  // How wide a category label may be: beside bars across, up to two fifths of the chart
  // (Chart.js gives the axis at most half); under upright bars, the width of one bar's slot.
  function categoryWidth(chartWidth, across, count) {
    if (across) {
      return Math.max(64, Math.min(240, chartWidth * 0.4 - 12));
    }
    return Math.max(48, (chartWidth - 60) / count - 12);
  }

  // The legend's layout for a chart `width` pixels wide: each entry's text, wrapped when it is
  // wider than the legend, and the padding between rows that leaves room for its lines. An
  // entry of several lines has a row of its own (Chart.js gives every row of a legend the same
  // height), and the rows start at the left, since Chart.js cannot centre a wrapped entry.
  function legendLayout(texts, width) {
    var padding = LEGEND_PADDING;
    var wrapped = texts;
    var lines = 1;
    for (var round = 0; round < 6; round++) {
      var room = width - padding - FONT.size * 1.5 - 4;
      wrapped = texts.map(function (text) { return wrap(text, room); });
      lines = Math.max.apply(null, [1].concat(wrapped.map(lineCount)));
      var next = LEGEND_PADDING + (lines - 1) * FONT.lineHeight;
      if (next === padding) {
        break;
      }
      padding = next;
    }
    // Rows as Chart.js packs them: entries side by side while they fit.
    var rows = 0;
    var used = width;
    wrapped.forEach(function (text) {
      var entry = FONT.size * 1.5 + textWidth(Array.isArray(text) ? text.join(" ") : text);
      if (Array.isArray(text) || used + entry + 2 * padding > width) {
        rows += 1;
        used = 0;
      }
      used += entry + padding;
    });
    return {
      texts: wrapped,
      padding: padding,
      wrapped: lines > 1,
      height: texts.length ? rows * (FONT.size + padding) + 10 : 0,
    };
  }

  function legendTexts(spec) {
    if (spec.type === "line") {
      return spec.datasets.map(function (series) { return series.label; });
    }
    if (!spec.reference) {
      return [];
    }
    return [spec.datasets[0].label, spec.reference.label];
  }

  // Chart.js's own legend entries, their texts wrapped to the chart's width.
  function legendLabels(chart) {
    var items = Chart.defaults.plugins.legend.labels.generateLabels(chart);
    var layout = legendLayout(items.map(function (item) { return item.text; }), chart.width);
    items.forEach(function (item, i) { item.text = layout.texts[i]; });
    return items;
  }

  function lineConfig(spec) {
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
    return { type: "bar", data: { labels: labels, datasets: datasets } };
  }

  // What depends on the chart's width: for bars, which way they run, their axes and the box's
  // height; for every chart, the legend's padding and alignment. Run before the chart is made
  // and again whenever it is resized (a phone turned, a window narrowed).
  function shape(options, spec, labels, box, width) {
    var legend = legendLayout(legendTexts(spec), width);
    options.plugins.legend.labels.padding = legend.padding;
    options.plugins.legend.align = legend.wrapped ? "start" : "center";
    if (spec.type === "line") {
      return;
    }
    var across = labels.length > MAX_BARS_UP || narrowScreen();
    var index = across ? "y" : "x";
    var value = across ? "x" : "y";
    var scales = {};
    scales[value] = { beginAtZero: true };
    scales[index] = {
      ticks: {
        autoSkip: false,
        callback: function (tick) {
          return wrap(this.getLabelForValue(tick), categoryWidth(this.chart.width, across, labels.length));
        },
      },
    };
    options.indexAxis = index;
    options.scales = scales;

    var height = "";
    if (across) {
      var room = categoryWidth(width, true, labels.length);
      var lines = Math.max.apply(null, labels.map(function (label) {
        return lineCount(wrap(label, room));
      }));
      var needed = labels.length * Math.max(BAR, lines * FONT.lineHeight + 8) + AXIS +
        (spec.reference ? legend.height : 0);
      // Never shorter than the box the CSS gives a chart.
      box.style.removeProperty("--chart-height");
      if (needed > box.clientHeight) {
        height = Math.ceil(needed) + "px";
      }
    }
    if (height) {
      box.style.setProperty("--chart-height", height);
    } else {
      box.style.removeProperty("--chart-height");
    }
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) {
      return;
    }
    var spec = JSON.parse(source.textContent);
    var unit = canvas.dataset.unit || "";
    var box = canvas.parentElement;
    var config = spec.type === "line" ? lineConfig(spec) : barConfig(spec);
    config.options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      onResize: function (chart, size) {
        shape(chart.options, spec, config.data.labels, box, size.width);
      },
      plugins: {
        legend: {
          display: spec.type === "line" || Boolean(spec.reference),
          labels: { usePointStyle: true, generateLabels: legendLabels },
        },
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
    };
    shape(config.options, spec, config.data.labels, box, box.clientWidth);
    canvas.chart = new Chart(canvas, config);
  }

  document.querySelectorAll("canvas[data-chart]").forEach(draw);
})();
