/* retail-hub dashboard 1.0: fills the page from its JSON twin and refreshes it when the hub has
   new data (it asks /api/changes every few seconds). Only same-origin requests. */
(function () {
  "use strict";
  var body = document.body, jsonUrl = body.dataset.json, storeId = body.dataset.store;
  var pollMs = parseInt(body.dataset.pollMs, 10) || 5000, k = parseInt(body.dataset.k, 10) || 5;
  var fmt = Charts.fmt, token = null, chainSort = "rank", lastDoc = null;

  function $(id) { return document.getElementById(id); }
  function h(tag, attrs, children) {
    var node = document.createElement(tag);
    for (var key in (attrs || {})) {
      if (key === "text") node.textContent = attrs[key]; else if (key === "cls") node.className = attrs[key];
      else node.setAttribute(key, attrs[key]);
    }
    (children || []).forEach(function (c) { node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }
  function table(id, headers, rows, numeric) {
    var t = $(id); t.textContent = "";
    var thead = h("thead"), tr = h("tr");
    headers.forEach(function (name, i) { tr.appendChild(h("th", { text: name, cls: numeric[i] ? "num" : "" })); });
    thead.appendChild(tr); t.appendChild(thead);
    var tbody = h("tbody");
    if (!rows.length) tbody.appendChild(h("tr", {}, [h("td", { colspan: headers.length, cls: "empty", text: "No data for this day" })]));
    rows.forEach(function (row) {
      var r = h("tr");
      row.forEach(function (cell, i) {
        var td = h("td", { cls: numeric[i] ? "num" : "" });
        if (cell instanceof Node) td.appendChild(cell); else td.textContent = fmt(cell);
        r.appendChild(td);
      });
      tbody.appendChild(r);
    });
    t.appendChild(tbody);
  }
  function pill(status) { return h("span", { cls: "pill " + status, text: status }); }
  function ago(s) {
    if (s === null || s === undefined) return "never";
    if (s < 90) return s + " s ago";
    if (s < 5400) return Math.round(s / 60) + " min ago";
    if (s < 172800) return Math.round(s / 3600) + " h ago";
    return Math.round(s / 86400) + " days ago";
  }
  function hoursSeen(hours) {  // a camera's time seen this day: "2 min", "7.5 h", "14 h"
    if (hours === null || hours === undefined) return null;
    if (hours < 1.5) return Math.round(hours * 60) + " min";
    return (hours < 10 ? Math.round(hours * 10) / 10 : Math.round(hours)) + " h";
  }
  function detectorAt(c) {  // the size an "auto" detector has chosen (heartbeat input_size or person_size)
    if (c.input_size !== null && c.input_size !== undefined) return c.input_size + " px";
    if (c.person_size !== null && c.person_size !== undefined) return "person " + c.person_size;
    return "–";
  }
  function change(el, pct, vsText) {
    el.className = "";
    if (pct === null || pct === undefined) { el.textContent = vsText; return; }
    el.textContent = (pct > 0 ? "▲ +" : pct < 0 ? "▼ " : "") + pct.toFixed(1) + "% " + vsText;
    el.className = pct >= 0 ? "up" : "down";
  }
  function localTime(iso, tz) {
    try { return new Date(iso).toLocaleTimeString(undefined, { timeZone: tz, hour: "2-digit", minute: "2-digit" }); }
    catch (e) { return iso; }
  }
  function setLive(ok, msg) { var l = $("live"); l.className = "live " + (ok ? "ok" : "err"); l.textContent = msg; }

  /* ---- chain ---- */
  function renderChain(doc) {
    $("asof").textContent = "Updated " + new Date(doc.as_of).toLocaleTimeString() + " · " + doc.stores.length + " stores";
    $("c-total").textContent = fmt(doc.totals.in);
    $("c-stores").textContent = doc.stores.length;
    var zones = {};
    doc.stores.forEach(function (s) { zones[s.tz] = true; });
    var nz = Object.keys(zones).length;
    $("c-stores-sub").textContent = "in " + nz + " time zone" + (nz === 1 ? "" : "s");
    var online = 0, cams = 0;
    doc.stores.forEach(function (s) { online += s.cameras_online; cams += s.cameras; });
    $("c-cams").textContent = online + " / " + cams;
    $("c-cams-sub").textContent = cams - online ? (cams - online) + " offline" : "all online";
    var rows = doc.stores.slice();
    if (chainSort === "change") rows.sort(function (a, b) {
      return (a.change_rank || 1e9) - (b.change_rank || 1e9) || a.rank - b.rank; });
    var max = 0;
    rows.forEach(function (s) { if (typeof s.in === "number") max = Math.max(max, s.in); });
    var tbody = $("chain-table").querySelector("tbody"); tbody.textContent = "";
    if (!rows.length) tbody.appendChild(h("tr", {}, [h("td", { colspan: 7, cls: "empty", text: "No store has sent data yet" })]));
    rows.forEach(function (s) {
      var bar = h("div", { cls: "hbar" + (typeof s.in === "string" ? " small" : "") });
      bar.style.width = (typeof s.in === "number" && max ? Math.max(1, 100 * s.in / max) : 4) + "%";
      var ch = h("span"); change(ch, s.change_pct, "");
      if (s.change_pct === null) ch.textContent = "–";
      var link = h("a", { href: "/stores/" + encodeURIComponent(s.store_id), text: s.name });
      var tr = h("tr", { "data-store": s.store_id });
      [chainSort === "change" ? (s.change_rank || "–") : s.rank, h("span", {}, [link, h("br"), h("small", { cls: "unit", text: s.tz })]),
        s.in, bar, s.last_week_in, ch, h("span", {}, [pill(s.cameras && s.cameras_online === s.cameras ? "online" : "offline"),
        document.createTextNode(" " + s.cameras_online + "/" + s.cameras)])].forEach(function (cell, i) {
        var td = h("td", { cls: [0, 2, 4, 5, 6].indexOf(i) >= 0 ? "num" : (i === 3 ? "bar-col" : "") });
        if (cell instanceof Node) td.appendChild(cell); else td.textContent = fmt(cell);
        if (i === 2) td.setAttribute("data-figure", "in");
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
  }

  /* ---- store ---- */
  function renderStore(doc) {
    var tz = doc.tz;
    document.title = doc.store.name + " · retail-hub";
    $("store-name").textContent = doc.store.name;
    $("store-sub").textContent = doc.weekday + " " + doc.date + " · times in " + tz + " · updated " + localTime(doc.as_of, tz);
    $("day").value = doc.date;
    $("t-in-label").textContent = doc.is_today ? "Visitors today" : "Visitors on " + doc.date;
    $("t-in").textContent = fmt(doc.visitors.in);
    change($("t-change"), doc.visitors.change_pct, "vs " + doc.compare_date + (doc.is_today ? " (same hours)" : ""));
    $("t-out").textContent = fmt(doc.visitors.out);
    $("t-occ").textContent = doc.is_today ? fmt(doc.occupancy.store) : "–";
    renderModel(doc, tz);
    var cams = doc.health.cameras, online = cams.filter(function (c) { return c.status === "online"; }).length;
    $("t-cams").textContent = online + " / " + cams.length;
    var agents = doc.health.agents, aon = agents.filter(function (a) { return a.status === "online"; }).length;
    $("t-agents").textContent = agents.length ? aon + " of " + agents.length + " agents online" : "no agent heartbeat yet";

    $("hourly-unit").textContent = "people entering per hour · hours in " + tz;
    $("legend-this").textContent = doc.date;
    $("legend-last").textContent = doc.compare_date + " (same weekday last week)";
    Charts.bars($("chart-hourly"), {
      labels: doc.hourly.map(function (x) { return x.hour; }), k: doc.k, unit: "people / hour", xUnit: "hour (" + tz + ")",
      label: "visitors per hour", series: [
        { name: doc.date, values: doc.hourly.map(function (x) { return x.in; }), cls: "bar-this" },
        { name: doc.compare_date, values: doc.hourly.map(function (x) { return x.last_week_in; }), cls: "bar-last" }] });

    table("entrances", ["Camera", "Line", "In", "Out"], doc.entrances.map(function (e) { return [e.camera_id, e.line_id, e.in, e.out]; }),
      [0, 0, 1, 1]);
    table("cameras", ["Camera", "In", "Out", "Time seen", "Frames/s"],
      doc.cameras.map(function (c) { return [c.camera_id, c.in, c.out, hoursSeen(c.seen_h), c.fps]; }), [0, 1, 1, 1, 1]);

    var zones = $("zones"); zones.textContent = "";
    if (!doc.zones.length) zones.appendChild(h("p", { cls: "none", text: "No zones measured on this day." }));
    var live = {};
    doc.occupancy.zones.forEach(function (z) { live[z.camera_id + "/" + z.zone_id] = z.current; });
    doc.zones.forEach(function (z) {
      var now = live[z.camera_id + "/" + z.zone_id];
      var box = h("div", { cls: "zone" }, [h("h3", { text: z.camera_id + " / " + z.zone_id +
          (now === undefined ? "" : " · now " + fmt(now) + " people") }),
        h("div", { cls: "meta", text: fmt(z.visits) + " visits · " + fmt(z.entries) + " entries · mean dwell " + fmt(z.dwell_s) +
          " s · peak " + fmt(z.occupancy_max) + " people" })]);
      var chart = h("div", { cls: "chart" }); box.appendChild(chart);
      Charts.histogram(chart, z.histogram.map(function (b) {
        return { label: b.to_s === null ? "≥ " + b.from_s + " s" : b.from_s + "–" + b.to_s + " s", value: b.visits }; }),
        { k: doc.k, unit: "visits", label: "dwell time " + z.zone_id });
      zones.appendChild(box);
    });

    var heat = $("heatmaps"); heat.textContent = "";
    if (!doc.heatmaps.length) heat.appendChild(h("p", { cls: "none", text: "No heatmap on this day." }));
    doc.heatmaps.forEach(function (hm) {
      var box = h("div", { cls: "heatmap" }, [h("h3", { text: hm.camera_id }),
        h("div", { cls: "meta", text: hm.cols + " × " + hm.rows + " cells · " + fmt(hm.people) + " people" })]);
      var chart = h("div", { cls: "chart" }); box.appendChild(chart);
      if (hm.is_suppressed) chart.appendChild(h("div", { cls: "withheld", text: "Withheld: fewer than " + doc.k + " people on this camera." }));
      else Charts.heatmap(chart, hm);
      heat.appendChild(box);
    });

    var mh = doc.mascots.hours, ids = {}, labels = doc.hourly.map(function (x) { return x.hour; });
    mh.forEach(function (r) { ids[r.mascot_id] = true; });
    $("mascot-unit").textContent = "share of time visible (line) and engagements per hour (bars) · hours in " + tz;
    if (!Object.keys(ids).length) { $("chart-mascots").textContent = ""; $("chart-mascots").appendChild(h("p", { cls: "none", text: "No mascot seen on this day." })); }
    else {
      var byHour = {};
      mh.forEach(function (r) {
        var x = byHour[r.hour] = byHour[r.hour] || { vis: [], eng: 0, small: false };
        if (r.visible_fraction !== null) x.vis.push(r.visible_fraction);
        if (typeof r.engagements === "string") x.small = true; else x.eng += r.engagements;
      });
      var wrap = $("chart-mascots"); wrap.textContent = "";
      var a = h("div"), b = h("div"); wrap.appendChild(b); wrap.appendChild(a);
      Charts.bars(b, { labels: labels, k: doc.k, unit: "engagements / hour", xUnit: "hour (" + tz + ")", height: 220, label: "mascot engagements",
        series: [{ name: "engagements", values: labels.map(function (l) { var x = byHour[l]; return x ? (x.small && !x.eng ? "<" + doc.k : x.eng) : 0; }), cls: "bar-this" }] });
      Charts.line(a, { labels: labels, max: 1, unit: "share of time visible", xUnit: "hour (" + tz + ")", height: 180, label: "mascot visibility",
        format: function (v) { return Math.round(v * 100) + "%"; },
        values: labels.map(function (l) { var x = byHour[l]; if (!x || !x.vis.length) return null;
          return x.vis.reduce(function (s, v) { return s + v; }, 0) / x.vis.length; }) });
    }
    table("mascots", ["Mascot", "Visible (share of samples)", "Engagements"], doc.mascots.totals.map(function (m) {
      return [m.mascot_id, m.visible_fraction === null ? null : Math.round(m.visible_fraction * 100) + "%", m.engagements]; }), [0, 1, 1]);

    $("health-unit").textContent = "as of " + localTime(doc.health.as_of, tz) + " (" + tz + ")";
    table("health", ["Camera", "Status", "State", "Frames/s", "Inference ms", "Detector at", "Dropped", "Reconnects", "Last window"],
      cams.map(function (c) { return [c.camera_id, pill(c.status), c.state || "–", c.fps, c.inference_ms, detectorAt(c),
        c.dropped_frames, c.reconnects, ago(c.seen_s_ago)]; }),
      [0, 0, 0, 1, 1, 0, 1, 1, 1]);
    table("agents", ["Agent", "Status", "Since", "Last heard", "Outbox pending", "Cameras"],
      agents.map(function (a) { return [a.agent_id, pill(a.status), a.since ? new Date(a.since).toLocaleString(undefined, { timeZone: tz }) : "–",
        ago(a.seen_s_ago), a.outbox_pending, a.cameras]; }), [0, 0, 0, 1, 1, 1]);

    var ul = $("alerts"); ul.textContent = "";
    if (!doc.alerts.length) ul.appendChild(h("li", { cls: "none", text: "No alerts in the last 7 days." }));
    doc.alerts.forEach(function (a) {
      ul.appendChild(h("li", {}, [h("time", { text: new Date(a.raised_at).toLocaleString(undefined, { timeZone: tz }) }),
        h("span", { text: (a.camera_id ? a.camera_id + ": " : "") + (a.message || a.kind) })]));
    });
  }

  /* the store model: corrected occupancy, raw in − out, and the imbalance (data quality) */
  function pct(v) { return v === null || v === undefined ? "–" : (v > 0 ? "+" : "") + v.toFixed(1) + "%"; }
  function signed(v) { return typeof v === "number" && v > 0 ? "+" + fmt(v) : fmt(v); }
  function renderModel(doc, tz) {
    var m = doc.store_model, card = $("occupancy-card");
    if (!m || !m.has_model) { card.hidden = true; return; }
    card.hidden = false;
    var live = m.live, occ = m.occupancy;
    if (live) $("t-occ-sub").textContent = "people, corrected · raw in − out " + fmt(live.raw) +
      (live.is_corrected ? " · exits × " + live.exit_scale.toFixed(3) : " · not corrected yet");
    else $("t-occ-sub").textContent = occ && occ.peak ? "peak " + fmt(occ.peak.corrected) + " at " + localTime(occ.peak.at, tz) : "people";
    $("occ-unit").textContent = "people inside · opening hours " + m.hours + " · reset " + m.reset_grace_min +
      " min after closing · times in " + tz;
    var curve = m.curve || [];
    if (!curve.length) { $("chart-occupancy").textContent = ""; $("chart-occupancy").appendChild(h("p", { cls: "none", text: "No entrance counts on this store day." })); }
    else Charts.lines($("chart-occupancy"), { labels: curve.map(function (p) { return localTime(p.at, tz); }), k: doc.k,
      unit: "people inside", xUnit: "time (" + tz + ")", label: "occupancy",
      series: [{ name: "raw in − out", values: curve.map(function (p) { return p.raw; }), cls: "line-raw" },
               { name: "corrected estimate", values: curve.map(function (p) { return p.corrected; }), cls: "line-occ" }] });
    var imb = m.imbalance, q = $("occ-quality");
    q.textContent = !imb ? "This store day has not begun." :
      (imb.is_final ? "Imbalance at the reset (entries − exits, should be 0): " : "Imbalance so far (entries − exits): ") +
      signed(imb.imbalance) + " (" + pct(imb.imbalance_pct) + " of entries). " + (occ ? occ.correction + "." : "");
    q.setAttribute("data-imbalance", imb ? String(imb.imbalance) : "");
    table("imbalance", ["Entrance", "Direction in", "Entries", "Exits", "Imbalance"], m.entrances.map(function (e) {
      return [e.camera_id + " / " + e.line_id, e.in_direction, e.entries, e.exits, signed(e.imbalance)]; }), [0, 0, 1, 1, 1]);
    table("imbalance-history", ["Earlier day", "Entries", "Exits", "Imbalance at reset", "% of entries"],
      m.history.slice().reverse().map(function (d) { return [d.date, d.entries, d.exits, signed(d.imbalance), pct(d.imbalance_pct)]; }),
      [0, 1, 1, 1, 1]);
  }

  function render(doc) {
    lastDoc = doc;
    if (storeId) renderStore(doc); else renderChain(doc);
    token = doc.token;
    body.setAttribute("data-loaded", "1");
  }
  function load() {
    return fetch(jsonUrl, { headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) return r.json().then(function (e) { throw new Error(e.message || r.status); });
      return r.json();
    }).then(function (doc) { render(doc); setLive(true, "live"); })
      .catch(function (e) { setLive(false, "offline: " + e.message); });
  }
  function poll() {
    fetch("/api/changes" + (storeId ? "?store=" + encodeURIComponent(storeId) : ""))
      .then(function (r) { return r.json(); })
      .then(function (doc) { if (doc.token !== token) return load(); setLive(true, "live"); })
      .catch(function () { setLive(false, "hub unreachable"); })
      .then(function () { setTimeout(poll, pollMs); });
  }
  function goDay(day) {
    var url = "/stores/" + encodeURIComponent(storeId) + (day ? "?date=" + day : "");
    window.location.href = url;
  }
  function shift(days) {
    var d = new Date($("day").value + "T12:00:00Z"); d.setUTCDate(d.getUTCDate() + days);
    goDay(d.toISOString().slice(0, 10));
  }
  if (storeId) {
    $("day").addEventListener("change", function () { goDay($("day").value); });
    $("day-prev").addEventListener("click", function () { shift(-1); });
    $("day-next").addEventListener("click", function () { shift(1); });
    $("day-today").addEventListener("click", function () { goDay(null); });
  } else {
    Array.prototype.forEach.call(document.querySelectorAll(".seg button"), function (b) {
      b.addEventListener("click", function () {
        chainSort = b.dataset.sort;
        document.querySelectorAll(".seg button").forEach(function (x) { x.classList.toggle("on", x === b); });
        if (lastDoc) renderChain(lastDoc);
      });
    });
  }
  load().then(function () { setTimeout(poll, pollMs); });
})();
