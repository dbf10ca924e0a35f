/* retail-hub charts 1.0: small SVG charts written for this dashboard. No dependencies.
   A value may be a number, null (no data) or a string like "<5" (fewer than k people): those are
   drawn as a hatched stub of height k and labelled, never as an exact bar. */
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";

  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    for (var key in attrs) { if (attrs[key] !== undefined && attrs[key] !== null) node.setAttribute(key, attrs[key]); }
    if (parent) parent.appendChild(node);
    return node;
  }
  function text(parent, x, y, str, attrs) {
    var t = el("text", Object.assign({ x: x, y: y }, attrs || {}), parent);
    t.textContent = str;
    return t;
  }
  function title(node, str) { var t = el("title", {}, node); t.textContent = str; }
  function isSmall(v) { return typeof v === "string"; }
  function num(v, k) { return typeof v === "number" ? v : (isSmall(v) ? k : 0); }
  function niceMax(v) {
    if (v <= 5) return 5;
    var p = Math.pow(10, Math.floor(Math.log10(v))), m = v / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * p;
  }
  function fmt(v) {
    if (v === null || v === undefined) return "–";
    if (typeof v === "number") return v.toLocaleString(undefined, { maximumFractionDigits: 1 });
    return String(v);
  }
  function svgRoot(host, w, h, label) {
    host.textContent = "";
    var svg = el("svg", { viewBox: "0 0 " + w + " " + h, role: "img", "aria-label": label }, host);
    var defs = el("defs", {}, svg);
    var pat = el("pattern", { id: "hatch", width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" }, defs);
    el("rect", { width: 6, height: 6, fill: "#dfe5ec" }, pat);
    el("line", { x1: 0, y1: 0, x2: 0, y2: 6, stroke: "#aab6c3", "stroke-width": 2 }, pat);
    return svg;
  }
  function yAxis(svg, left, right, top, bottom, max, unit, tickFormat) {
    var g = el("g", { "class": "axis" }, svg);
    for (var i = 0; i <= 4; i++) {
      var v = max * i / 4, y = bottom - (bottom - top) * i / 4;
      el("line", { x1: left, x2: right, y1: y, y2: y, "class": "grid-line" }, g);
      text(g, left - 6, y + 4, (tickFormat || fmt)(v), { "text-anchor": "end" });
    }
    if (unit) text(g, left - 6, top - 10, unit, { "text-anchor": "start", x: 4 });
  }

  /* Grouped bars. opts: {labels: [...], series: [{name, values, cls}], unit, k, height} */
  function bars(host, opts) {
    var w = 960, h = opts.height || 300, left = 52, right = w - 10, top = 28, bottom = h - 34;
    var svg = svgRoot(host, w, h, opts.label || "bar chart");
    var k = opts.k || 5, n = opts.labels.length, s = opts.series.length;
    var max = 0;
    opts.series.forEach(function (ser) { ser.values.forEach(function (v) { max = Math.max(max, num(v, k)); }); });
    max = niceMax(max || 1);
    yAxis(svg, left, right, top, bottom, max, opts.unit);
    var step = (right - left) / Math.max(n, 1), bw = Math.max(1, step * 0.78 / s);
    var every = Math.max(1, Math.ceil(n / 12));
    opts.labels.forEach(function (lab, i) {
      opts.series.forEach(function (ser, j) {
        var v = ser.values[i];
        if (v === null || v === undefined || v === 0) return;
        var hh = (bottom - top) * num(v, k) / max;
        var x = left + i * step + step * 0.11 + j * bw;
        var r = el("rect", { x: x.toFixed(1), y: (bottom - hh).toFixed(1), width: (bw - 1).toFixed(1), height: Math.max(hh, 1).toFixed(1),
          rx: 2, "class": isSmall(v) ? "bar-small" : ser.cls, "data-value": String(v) }, svg);
        title(r, ser.name + ", " + lab + ": " + fmt(v));
      });
      if (i % every === 0) text(svg, left + i * step + step / 2, bottom + 16, lab, { "text-anchor": "middle" });
    });
    el("line", { x1: left, x2: right, y1: bottom, y2: bottom, stroke: "#c4cdd8" }, svg);
    if (opts.xUnit) text(svg, right, h - 2, opts.xUnit, { "text-anchor": "end" });
    return svg;
  }

  /* A line over hours, 0..1 (fraction), with points. opts: {labels, values, unit} */
  function line(host, opts) {
    var w = 960, h = opts.height || 200, left = 52, right = w - 10, top = 28, bottom = h - 34;
    var svg = svgRoot(host, w, h, opts.label || "line chart");
    var max = opts.max || 1, n = opts.labels.length;
    yAxis(svg, left, right, top, bottom, max, opts.unit, opts.format);
    var step = (right - left) / Math.max(n, 1), pts = [], every = Math.max(1, Math.ceil(n / 12));
    opts.labels.forEach(function (lab, i) {
      var v = opts.values[i], x = left + i * step + step / 2;
      if (typeof v === "number") {
        var y = bottom - (bottom - top) * v / max;
        pts.push(x.toFixed(1) + "," + y.toFixed(1));
        var c = el("circle", { cx: x.toFixed(1), cy: y.toFixed(1), r: 3, "class": "dot-mascot" }, svg);
        title(c, lab + ": " + opts.format(v));
      }
      if (i % every === 0) text(svg, x, bottom + 16, lab, { "text-anchor": "middle" });
    });
    if (pts.length > 1) el("polyline", { points: pts.join(" "), "class": "line-mascot" }, svg);
    el("line", { x1: left, x2: right, y1: bottom, y2: bottom, stroke: "#c4cdd8" }, svg);
    if (opts.xUnit) text(svg, right, h - 2, opts.xUnit, { "text-anchor": "end" });
    return svg;
  }

  /* Horizontal histogram: bins [{label, value}] */
  function histogram(host, bins, opts) {
    var w = 420, rowH = 24, h = bins.length * rowH + 26, left = 92, right = w - 50;
    var svg = svgRoot(host, w, h, opts.label || "histogram");
    var k = opts.k || 5, max = 0;
    bins.forEach(function (b) { max = Math.max(max, num(b.value, k)); });
    max = max || 1;
    bins.forEach(function (b, i) {
      var y = 6 + i * rowH, bw = (right - left) * num(b.value, k) / max;
      text(svg, left - 8, y + 15, b.label, { "text-anchor": "end" });
      if (b.value) {
        var r = el("rect", { x: left, y: y + 3, width: Math.max(bw, 2).toFixed(1), height: rowH - 8, rx: 3,
          "class": isSmall(b.value) ? "bar-small" : "bar-this", "data-value": String(b.value) }, svg);
        title(r, b.label + ": " + fmt(b.value) + " visits");
      }
      text(svg, left + Math.max(bw, 2) + 6, y + 15, fmt(b.value), { "text-anchor": "start" });
    });
    text(svg, right + 46, h - 4, opts.unit || "", { "text-anchor": "end" });
    return svg;
  }

  /* Heatmap over a plain floor grid. cells: row-major person-seconds */
  function heatmap(host, hm) {
    var cell = Math.max(8, Math.min(40, Math.floor(560 / hm.cols)));
    var w = hm.cols * cell, h = hm.rows * cell;
    var svg = svgRoot(host, w + 2, h + 30, "heatmap of " + hm.camera_id);
    var floor = el("g", {}, svg);
    el("rect", { x: 1, y: 1, width: w, height: h, fill: "#f1efe9", stroke: "#c9c3b6" }, floor);
    for (var c = 1; c < hm.cols; c++) el("line", { x1: 1 + c * cell, x2: 1 + c * cell, y1: 1, y2: 1 + h, stroke: "#ddd7ca" }, floor);
    for (var r = 1; r < hm.rows; r++) el("line", { x1: 1, x2: 1 + w, y1: 1 + r * cell, y2: 1 + r * cell, stroke: "#ddd7ca" }, floor);
    var max = hm.max || 0;
    hm.person_seconds.forEach(function (v, i) {
      if (!v || !max) return;
      var t = Math.sqrt(v / max);
      var red = Math.round(255 - 41 * t), green = Math.round(224 - 184 * t), blue = Math.round(100 - 60 * t);
      var rect = el("rect", { x: 1 + (i % hm.cols) * cell, y: 1 + Math.floor(i / hm.cols) * cell, width: cell, height: cell,
        fill: "rgb(" + red + "," + green + "," + blue + ")", "fill-opacity": (0.35 + 0.6 * t).toFixed(2), "class": "heat-cell" }, svg);
      title(rect, fmt(Math.round(v)) + " person-seconds");
    });
    var grad = el("linearGradient", { id: "heat-" + hm.camera_id }, svg.querySelector("defs"));
    el("stop", { offset: "0", "stop-color": "rgb(255,224,100)" }, grad);
    el("stop", { offset: "1", "stop-color": "rgb(214,40,40)" }, grad);
    el("rect", { x: 1, y: h + 12, width: 120, height: 8, fill: "url(#heat-" + hm.camera_id + ")", rx: 2 }, svg);
    text(svg, 128, h + 20, "0 – " + fmt(Math.round(max)) + " person-seconds per cell", {});
    return svg;
  }

  /* Lines over time: opts {labels, series: [{name, values, cls}], unit, k}; "<k" values are drawn at k. */
  function lines(host, opts) {
    var w = 960, h = opts.height || 220, left = 52, right = w - 10, top = 28, bottom = h - 34;
    var svg = svgRoot(host, w, h, opts.label || "line chart");
    var k = opts.k || 5, n = opts.labels.length, max = 0;
    opts.series.forEach(function (s) { s.values.forEach(function (v) { max = Math.max(max, num(v, k)); }); });
    max = niceMax(max || 1);
    yAxis(svg, left, right, top, bottom, max, opts.unit);
    var step = (right - left) / Math.max(n - 1, 1), every = Math.max(1, Math.ceil(n / 12));
    opts.series.forEach(function (s) {
      var pts = s.values.map(function (v, i) {
        return (left + i * step).toFixed(1) + "," + (bottom - (bottom - top) * num(v, k) / max).toFixed(1); });
      if (pts.length) {
        var pl = el("polyline", { points: pts.join(" "), "class": s.cls, "data-last": String(s.values[n - 1]) }, svg);
        title(pl, s.name);
      }
    });
    opts.labels.forEach(function (lab, i) { if (i % every === 0) text(svg, left + i * step, bottom + 16, lab, { "text-anchor": "middle" }); });
    el("line", { x1: left, x2: right, y1: bottom, y2: bottom, stroke: "#c4cdd8" }, svg);
    if (opts.xUnit) text(svg, right, h - 2, opts.xUnit, { "text-anchor": "end" });
    return svg;
  }

  window.Charts = { bars: bars, line: line, lines: lines, histogram: histogram, heatmap: heatmap, fmt: fmt };
})();
