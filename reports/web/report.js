// stampede HTML report: draws the charts from the JSON data block with
// uPlot. Everything the data holds is text or numbers: it only ever
// reaches the page through textContent and the canvas, never as HTML.
(function () {
  "use strict";
  var root = document.documentElement;
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var palette = ["#1f6fb2", "#c0392b", "#2e8b57", "#e67e22", "#8e44ad", "#795548", "#d81b60", "#00838f", "#616161", "#9e9d24"];
  var pctColors = { p50: "#2e8b57", p90: "#1f6fb2", p99: "#e67e22", p999: "#c0392b", max: "#616161" };
  var charts = 0, drawn = 0;

  function fmtMs(v) {
    if (v == null || isNaN(v)) return "—";
    if (v >= 1000) return (v / 1000).toFixed(2) + "s";
    if (v >= 100) return v.toFixed(0) + "ms";
    if (v >= 10) return v.toFixed(1) + "ms";
    if (v >= 1) return v.toFixed(2) + "ms";
    return (v * 1000).toFixed(0) + "µs";
  }
  function fmtT(s) {
    if (s == null) return "—";
    var neg = s < 0 ? "-" : "";
    s = Math.abs(s);
    var m = Math.floor(s / 60), r = s - 60 * m;
    var rs = r === Math.round(r) ? String(r) : (Math.round(r * 10) / 10).toString();
    if (r < 10) rs = "0" + rs;
    return neg + m + ":" + rs;
  }
  function fmtNum(v) {
    if (v == null || isNaN(v)) return "—";
    if (Math.abs(v) >= 100) return v.toFixed(0);
    return (Math.round(v * 10) / 10).toString();
  }
  // A spectrum's x is 1/(1-q): 1 is the 0th percentile, 10 the 90th,
  // 100 the 99th, and so on, as HdrHistogram's plots draw it.
  function pctLabel(x) {
    var p = 100 * (1 - 1 / x);
    if (p <= 0) return "0%";
    var digits = Math.max(0, Math.round(Math.log10(x)) - 2);
    return p.toFixed(digits) + "%";
  }
  function isDecade(x) {
    var l = Math.log10(x);
    return Math.abs(l - Math.round(l)) < 1e-9;
  }
  function positive(a) {
    return a.map(function (v) { return v > 0 ? v : null; });
  }
  function hasPositive(a) {
    for (var i = 0; i < a.length; i++) if (a[i] > 0) return true;
    return false;
  }

  function width(el) {
    return Math.max(360, Math.min(1160, (el.clientWidth || 900) - 4));
  }

  // Counts the painted pixels of a chart's canvas once it is first drawn,
  // and notes it on the container (tests read data-drawn).
  function checkDrawn(u, el) {
    if (el.hasAttribute("data-drawn")) return;
    var c = u.ctx.canvas, n = 0;
    try {
      var px = u.ctx.getImageData(0, 0, c.width, c.height).data;
      for (var i = 3; i < px.length; i += 4 * 5) if (px[i] !== 0) n++;
    } catch (e) {
      n = -1;
    }
    el.setAttribute("data-drawn", String(n));
    drawn++;
    if (drawn === charts) {
      root.setAttribute("data-charts", String(drawn));
      root.setAttribute("data-render-ms", performance.now().toFixed(0));
    }
  }

  function eventLines(events) {
    return function (u) {
      if (!events || !events.length) return;
      var ctx = u.ctx, top = u.bbox.top, h = u.bbox.height;
      ctx.save();
      ctx.strokeStyle = "#8e44ad";
      ctx.setLineDash([4, 4]);
      ctx.lineWidth = 1;
      events.forEach(function (ev) {
        var x = Math.round(u.valToPos(ev.t, "x", true));
        if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
        ctx.beginPath();
        ctx.moveTo(x, top);
        ctx.lineTo(x, top + h);
        ctx.stroke();
      });
      ctx.restore();
    };
  }

  function plot(el, opts, d, events) {
    opts.width = width(el);
    opts.height = opts.height || 260;
    opts.hooks = { draw: [eventLines(events), function (u) { checkDrawn(u, el); }] };
    charts++;
    return new uPlot(opts, d, el);
  }

  function empty(el, why) {
    var p = document.createElement("p");
    p.className = "empty";
    p.textContent = why;
    el.appendChild(p);
    el.setAttribute("data-drawn", "empty");
  }

  var timeAxis = {
    incrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400],
    values: function (u, vals) { return vals.map(fmtT); }
  };
  var msAxis = { size: 64, values: function (u, vals) { return vals.map(fmtMs); } };
  function timeSeries() {
    return { label: "time", value: function (u, v) { return fmtT(v); } };
  }
  function msSeries(label, color, dash) {
    var s = { label: label, stroke: color, width: 1.5, spanGaps: false, value: function (u, v) { return fmtMs(v); } };
    if (dash) s.dash = dash;
    return s;
  }

  function latencyChart(el, run) {
    var keys = ["p50", "p90", "p99", "p999", "max"];
    var names = { p50: "p50", p90: "p90", p99: "p99", p999: "p99.9", max: "max" };
    var d = [run.t], series = [timeSeries()], any = false;
    keys.forEach(function (k) {
      d.push(positive(run.lat[k]));
      series.push(msSeries(names[k], pctColors[k], k === "max" ? [2, 3] : null));
      any = any || hasPositive(run.lat[k]);
    });
    if (!any || run.t.length < 1) return empty(el, "No intervals with requests to draw.");
    plot(el, { scales: { x: { time: false }, y: { distr: 3, log: 10 } }, series: series, axes: [timeAxis, msAxis] }, d, run.events);
  }

  function throughputChart(el, run) {
    if (run.t.length < 1) return empty(el, "No intervals to draw.");
    plot(el, {
      scales: { x: { time: false }, y: {}, e: {} },
      series: [timeSeries(),
        { label: "requests/s", stroke: palette[0], width: 1.5, scale: "y", value: function (u, v) { return fmtNum(v); } },
        { label: "errors/s", stroke: palette[1], width: 1.5, scale: "e", value: function (u, v) { return fmtNum(v); } },
        { label: "dropped/s", stroke: palette[3], width: 1.5, dash: [2, 3], scale: "e", value: function (u, v) { return fmtNum(v); } }],
      axes: [timeAxis,
        { scale: "y", size: 60, values: function (u, vals) { return vals.map(fmtNum); } },
        { scale: "e", side: 1, size: 50, grid: { show: false }, values: function (u, vals) { return vals.map(fmtNum); } }]
    }, [run.t, run.rps, run.err, run.drop], run.events);
  }

  // Ticks on the decades only: 0%, 90%, 99%, 99.9%, ...
  var spectrumAxis = {
    splits: function (u, axisIdx, min, max) {
      var out = [];
      for (var x = 1; x <= max * 1.0001; x *= 10) if (x >= min * 0.9999) out.push(x);
      return out;
    },
    values: function (u, vals) { return vals.map(function (v) { return isDecade(v) ? pctLabel(v) : ""; }); }
  };
  function spectrumSeries() {
    return { label: "percentile", value: function (u, v) { return v == null ? "—" : pctLabel(v); } };
  }

  function spectrumChart(el, run) {
    if (!hasPositive(run.spec.lat)) return empty(el, "No latencies recorded.");
    plot(el, {
      scales: { x: { time: false, distr: 3, log: 10 }, y: {} },
      series: [spectrumSeries(), msSeries("latency", palette[0]), msSeries("service", palette[2], [5, 3])],
      axes: [spectrumAxis, msAxis]
    }, [data.specX, run.spec.lat, run.spec.svc]);
  }

  function compareSpectrum(el) {
    var d = [data.specX], series = [spectrumSeries()];
    data.runs.forEach(function (run, i) {
      d.push(run.spec.lat);
      series.push(msSeries(run.label, palette[i % palette.length]));
    });
    plot(el, { scales: { x: { time: false, distr: 3, log: 10 }, y: {} }, series: series, axes: [spectrumAxis, msAxis] }, d);
  }

  function compareOverTime(el, pick, log, fmt) {
    var tables = data.runs.map(function (run) { return [run.t, pick(run)]; });
    var d = uPlot.join(tables);
    var series = [timeSeries()];
    data.runs.forEach(function (run, i) {
      series.push({ label: run.label, stroke: palette[i % palette.length], width: 1.5, spanGaps: true, value: function (u, v) { return fmt(v); } });
    });
    var y = log ? { distr: 3, log: 10 } : {};
    var axis = log ? msAxis : { size: 60, values: function (u, vals) { return vals.map(fmtNum); } };
    plot(el, { scales: { x: { time: false }, y: y }, series: series, axes: [timeAxis, axis] }, d);
  }

  var builders = {
    latency: latencyChart,
    throughput: throughputChart,
    spectrum: spectrumChart
  };
  var nodes = document.querySelectorAll("[data-chart]");
  for (var i = 0; i < nodes.length; i++) {
    var el = nodes[i], kind = el.getAttribute("data-chart");
    try {
      if (kind === "cmp-spectrum") compareSpectrum(el);
      else if (kind === "cmp-p99") compareOverTime(el, function (r) { return positive(r.lat.p99); }, true, fmtMs);
      else if (kind === "cmp-rps") compareOverTime(el, function (r) { return r.rps; }, false, fmtNum);
      else builders[kind](el, data.runs[Number(el.getAttribute("data-run"))]);
    } catch (e) {
      if (window.__stampedeNote) window.__stampedeNote("chart " + kind + ": " + e.message);
    }
  }
  if (charts === 0) {
    root.setAttribute("data-charts", "0");
    root.setAttribute("data-render-ms", performance.now().toFixed(0));
  }
})();
