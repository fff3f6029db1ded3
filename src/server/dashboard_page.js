// Kestrel dashboard: polls /api/status and draws the run's state. After every update <html>
// gets data-updates="<n>", data-rendered="<charts drawn>" and data-equity="<equity shown>";
// script errors are collected in data-errors. tests/server/dashboard_browser_test.cpp reads
// them through headless Chromium.
(function () {
  "use strict";

  const root = document.documentElement;
  const errors = [];
  window.addEventListener("error", (e) => {
    errors.push(String(e.message));
    root.dataset.errors = errors.join(" | ");
  });
  window.addEventListener("unhandledrejection", (e) => {
    errors.push(String(e.reason));
    root.dataset.errors = errors.join(" | ");
  });

  const $ = (id) => document.getElementById(id);
  const utc = (ts) => uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC");
  const dash = "–";
  const finite = (v) => v != null && isFinite(v);
  const money = (v, digits) =>
    finite(v) ? v.toLocaleString("en-US", { minimumFractionDigits: digits || 0, maximumFractionDigits: digits || 0 }) : dash;
  const signedMoney = (v) => (finite(v) ? (v >= 0 ? "+" : "−") + money(Math.abs(v), 2) : dash);
  const pct = (v, digits) => (finite(v) ? (v * 100).toFixed(digits == null ? 2 : digits) + "%" : dash);
  const signedPct = (v) => (finite(v) ? (v >= 0 ? "+" : "−") + pct(Math.abs(v)) : dash);
  const price = (v) => (finite(v) ? v.toFixed(2) : dash);
  const colors = ["#2563eb", "#94a3b8", "#f59e0b", "#10b981", "#7c3aed"];

  function cell(text, cls) {
    const td = document.createElement("td");
    td.textContent = text == null ? dash : String(text);
    if (cls) td.className = cls;
    return td;
  }
  const tone = (v) => (finite(v) ? (v > 0 ? "up" : v < 0 ? "down" : "") : "");

  function fillTable(id, rows, toCells, empty) {
    const body = $(id).tBodies[0];
    body.replaceChildren();
    if (rows.length === 0) {
      const tr = document.createElement("tr");
      const td = cell(empty, "empty");
      td.colSpan = $(id).tHead ? $(id).tHead.rows[0].cells.length : 2;
      tr.appendChild(td);
      body.appendChild(tr);
      return;
    }
    for (const row of rows) {
      const tr = document.createElement("tr");
      for (const c of toCells(row)) tr.appendChild(Array.isArray(c) ? cell(c[0], c[1]) : cell(c));
      body.appendChild(tr);
    }
  }

  // Charts: created on the first update, then given new data.
  const charts = {};
  function seconds(dates) {
    return dates.map((d) => Date.parse(d + "T00:00:00Z") / 1000);
  }
  function axis(values) {
    return { stroke: "#475569", grid: { stroke: "#eef2f7", width: 1 }, ticks: { stroke: "#e2e8f0", width: 1 }, values: values, size: 64 };
  }
  function drawChart(name, height, series, columns, yValues, fmt) {
    const el = $("chart-" + name);
    if (columns[0].length === 0) {
      el.textContent = "no sessions yet";
      return;
    }
    if (charts[name] && charts[name].series.length === series.length + 1) {
      charts[name].setData(columns);
      return;
    }
    if (charts[name]) charts[name].destroy();
    el.replaceChildren();
    const opts = {
      width: Math.max(el.clientWidth, 300),
      height: height,
      tzDate: utc,
      cursor: { drag: { x: true, y: false } },
      series: [{ value: "{YYYY}-{MM}-{DD}" }].concat(series.map((s) => Object.assign({ width: 1.5, value: (u, v) => fmt(v) }, s))),
      axes: [axis(), axis((u, vals) => vals.map(yValues))],
    };
    charts[name] = new uPlot(opts, columns, el);
  }

  function drawCharts(data) {
    const x = seconds(data.series.dates);
    const equitySeries = [{ label: "Equity", stroke: colors[0] }];
    const equityColumns = [x, data.series.equity];
    data.series.benchmarks.forEach((b, i) => {
      equitySeries.push({ label: b.name + " (same start)", stroke: colors[(i + 1) % colors.length] });
      equityColumns.push(b.values);
    });
    const compact = (v) => (Math.abs(v) >= 1e6 ? (v / 1e6).toFixed(2) + "M" : Math.abs(v) >= 1e4 ? (v / 1e3).toFixed(0) + "k" : money(v));
    drawChart("equity", 280, equitySeries, equityColumns, compact, (v) => money(v, 2));
    drawChart("drawdown", 160, [{ label: "Drawdown", stroke: "#dc2626", fill: "rgba(220,38,38,0.12)" }],
              [x, data.series.drawdown], (v) => pct(v, 0), (v) => pct(v));
    if (data.models.length > 0) {
      // One time axis for every model: the union of their dates.
      const all = [...new Set(data.models.flatMap((m) => m.dates))].sort();
      const columns = [seconds(all)];
      const series = [];
      data.models.forEach((m, i) => {
        const at = new Map(m.dates.map((d, k) => [d, m.rolling_hit_rate[k]]));
        columns.push(all.map((d) => (at.has(d) ? at.get(d) : null)));
        series.push({ label: m.model + " (20-session hit rate)", stroke: colors[i % colors.length] });
      });
      drawChart("hit-rate", 180, series, columns, (v) => pct(v, 0), (v) => pct(v, 1));
    } else {
      $("chart-hit-rate").textContent = data.models.length === 0 ? "no scored predictions" : "";
    }
    root.dataset.rendered = Object.keys(charts).sort().join(",");
  }

  function render(data) {
    const run = data.run;
    const a = data.account;
    document.title = "Kestrel · " + run.name;
    $("run-name").textContent = run.name;
    $("run-info").textContent = run.mode + " · run " + run.id + " · since " + run.first_date + " · " + run.sessions +
      " sessions" + (run.finished ? " · finished" : "");
    const badge = $("risk-badge");
    badge.textContent = data.risk.halted ? "HALTED" : "trading";
    badge.className = "badge " + (data.risk.halted ? "halted" : "ok");
    $("updated").textContent = "updated " + data.generated_at;

    $("equity").textContent = money(a.equity, 2);
    $("equity-date").textContent = a.date ? "close of " + a.date : "no session yet";
    $("day-pnl").textContent = signedMoney(a.day_pnl);
    $("day-pnl").className = "value " + tone(a.day_pnl);
    $("day-return").textContent = signedPct(a.day_return);
    $("total-return").textContent = signedPct(a.total_return);
    const bench = data.series.benchmarks[0];
    if (bench && bench.values.length > 0 && finite(bench.values[bench.values.length - 1]) && a.initial_equity > 0) {
      $("vs-benchmark").textContent = bench.name + " " + signedPct(bench.values[bench.values.length - 1] / a.initial_equity - 1);
    } else {
      $("vs-benchmark").textContent = "no benchmark";
    }
    $("drawdown").textContent = pct(-a.drawdown);
    $("max-drawdown").textContent = "worst " + pct(-a.max_drawdown);
    $("win-loss").textContent = data.trades.wins + " won / " + data.trades.losses + " lost";
    $("realised").textContent = "realised " + signedMoney(data.trades.realised_pnl);
    $("cash").textContent = money(a.cash, 2);
    $("exposure").textContent = "gross exposure " + pct(a.gross_exposure, 1);

    $("positions-count").textContent = "(" + data.positions.length + ")";
    fillTable("positions", data.positions, (p) => [
      p.ticker, money(p.quantity), price(p.entry_price), p.entry_date, price(p.price), money(p.value, 2),
      [signedMoney(p.pnl), tone(p.pnl)], [signedPct(p.pnl_fraction), tone(p.pnl_fraction)], price(p.stop), p.sessions_held,
    ], "no open positions");

    const l = data.risk.limits;
    const u = data.risk.usage;
    const limitRows = [
      ["Largest position" + (u.largest_position ? " (" + u.largest_position + ")" : ""), pct(l.max_position, 0), pct(u.max_position, 1)],
      ["Largest sector" + (u.largest_sector ? " (" + u.largest_sector + ")" : ""), pct(l.max_sector, 0), u.largest_sector ? pct(u.max_sector, 1) : dash],
      ["Cash reserve (at least)", pct(l.min_cash, 0), pct(u.min_cash, 1)],
      ["Gross exposure", pct(l.max_gross_exposure, 0), pct(u.max_gross_exposure, 1)],
      ["Positions", l.max_positions, u.max_positions],
      ["Today's loss", pct(l.daily_loss, 0), pct(u.daily_loss, 2)],
      ["Drawdown (halt at)", pct(l.max_drawdown, 0), pct(u.max_drawdown, 2)],
    ];
    fillTable("risk-limits", limitRows, (r) => r, "");
    $("halt-reason").textContent = data.risk.halted ? data.risk.halt_reason : data.risk.enabled ? "" : "the risk manager is off for this run";
    if (data.risk.pending_controls > 0) {
      $("halt-reason").textContent += " " + data.risk.pending_controls + " control request(s) waiting for the node";
    }
    $("kill").disabled = !data.controls_enabled;
    $("resume").disabled = !data.controls_enabled;
    if (!data.controls_enabled) $("control-result").textContent = "controls are off: the server was started without a token";

    const h = data.health;
    const healthRows = [
      ["Execution", h.execution || dash],
      ["Last session closed", h.last_session || dash],
      ["Newest bar in the data", h.data_last_date || "unknown (no market data)"],
      ["Data", h.expected_date ? (h.data_stale ? "STALE: " + h.data_lag_sessions + " session(s) behind " + h.expected_date : "up to date") : run.mode === "replay" ? "replay" : dash],
      ["Last cycle", h.last_cycle ? h.last_cycle.session + ": " + (h.last_cycle.duration_ms < 1000 ? h.last_cycle.duration_ms.toFixed(0) + " ms" : (h.last_cycle.duration_ms / 1000).toFixed(1) + " s") + ", " + (h.last_cycle.result === "ok" ? "ok" : "FAILED: " + h.last_cycle.result) : dash],
      ["Cycles (failed)", h.cycles + " (" + h.failed_cycles + ")"],
      ["Broker requests (errors), mean latency", h.broker_requests > 0 ? h.broker_requests + " (" + h.broker_errors + "), " + (1000 * h.broker_seconds / h.broker_requests).toFixed(0) + " ms" : "none (" + (h.execution || "sim") + ")"],
      ["Broker stream", h.broker_link ? (h.broker_link.state === "connected" ? "connected" : h.broker_link.state === "closed" ? "closed (the node stopped)" : "DISCONNECTED: " + h.broker_link.detail) + " since " + h.broker_link.since + (h.stream_disconnects > 0 ? ", lost " + h.stream_disconnects + " time(s) in this run" : "") : "none (" + (h.execution || "sim") + ")"],
      ["Node starts / restarts", h.starts + " / " + h.restarts],
      ["Last start", h.last_start || dash],
      ["Orders rejected by the venue", data.events.rejections],
      ["Open orders", data.orders.open + " of " + data.orders.total],
    ];
    fillTable("health", healthRows, (r) => r, "");
    const notes = $("notes");
    notes.replaceChildren();
    for (const n of data.notes) {
      const li = document.createElement("li");
      li.textContent = n;
      notes.appendChild(li);
    }

    fillTable("models", data.models, (m) => [
      m.model, m.predictions, m.scored, pct(m.hit_rate, 1),
      pct(m.rolling_hit_rate.length ? m.rolling_hit_rate[m.rolling_hit_rate.length - 1] : null, 1),
      finite(m.mean_rank_ic) ? m.mean_rank_ic.toFixed(4) : dash,
    ], "no predictions scored (needs the run's market data, or the run has no model)");

    fillTable("orders", data.orders.recent, (o) => [
      o.date, o.client_order_id, o.ticker, o.side, o.type, money(o.quantity), money(o.filled),
      [o.limit_price, o.stop_price].filter(finite).map(price).join(" / ") || dash, o.status, o.origin, o.tag,
    ], "no orders");
    fillTable("fills", data.fills.recent, (f) => [
      new Date(f.time_ns / 1e6).toISOString().replace("T", " ").slice(0, 19), f.ticker, f.side, money(f.quantity),
      price(f.price), money(f.commission, 2),
    ], "no fills");
    fillTable("events", data.events.recent, (e) => [e.date, e.kind, e.detail], "no risk events");

    drawCharts(data);
    root.dataset.equity = finite(a.equity) ? a.equity.toFixed(2) : "";
    root.dataset.sessions = String(run.sessions);
    root.dataset.updates = String(Number(root.dataset.updates || 0) + 1);
  }

  let timer = null;
  async function refresh() {
    try {
      const res = await fetch("api/status", { cache: "no-store" });
      const data = await res.json();
      if (!res.ok) {
        $("risk-badge").textContent = "not available";
        $("risk-badge").className = "badge halted";
        $("updated").textContent = data.error || res.statusText;
      } else if (data.waiting) {
        $("risk-badge").textContent = "waiting for the node";
        $("risk-badge").className = "badge";
        $("updated").textContent = data.waiting;
      } else {
        render(data);
      }
      timer = setTimeout(refresh, Math.max(1000, 1000 * (data.refresh_seconds || 2)));
    } catch (e) {
      $("updated").textContent = "server unreachable; retrying";
      timer = setTimeout(refresh, 5000);
    }
  }

  async function control(path, body, question) {
    if (!window.confirm(question)) return;
    const token = $("token").value;
    sessionStorage.setItem("kestrel-token", token);
    const result = $("control-result");
    const res = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: "Bearer " + token },
      body: JSON.stringify(body),
    });
    const reply = await res.json();
    result.textContent = res.ok ? reply.requested + " requested: " + reply.note : "refused (" + res.status + "): " + reply.error;
    result.dataset.status = String(res.status);
    clearTimeout(timer);
    refresh();
  }

  $("token").value = sessionStorage.getItem("kestrel-token") || "";
  $("controls").addEventListener("submit", (e) => e.preventDefault());  // Enter in the token field
  $("kill").addEventListener("click", () => {
    const flatten = $("flatten").checked;
    return control("api/kill", { flatten: flatten },
                   "Engage the kill switch? The node cancels every open order" +
                   (flatten ? " and closes every position at the next open" : "") + ", and stays halted until resumed.");
  });
  $("resume").addEventListener("click", () => control("api/resume", {}, "Lift the kill switch and let the node trade again?"));
  refresh();
})();
