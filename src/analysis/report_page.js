// Kestrel backtest report: draws the charts from the JSON in #report-data with uPlot.
// When every chart has drawn, <html> gets data-rendered="<chart names>" and
// data-chart-sizes="<name>:<w>x<h>;..." (canvas pixels); script errors are collected in
// data-errors. tests/analysis/report_render_test.cpp reads these through headless Chromium.
(function () {
  "use strict";

  const root = document.documentElement;
  const errors = [];
  window.addEventListener("error", (e) => {
    errors.push(String(e.message));
    root.dataset.errors = errors.join(" | ");
  });

  const data = JSON.parse(document.getElementById("report-data").textContent);
  const utc = (ts) => uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC");
  const charts = [];
  const pending = new Set();
  const drawn = [];

  const colors = {
    strategy: "#2563eb",
    benchmark: "#94a3b8",
    drawdown: "#dc2626",
    sharpe: "#7c3aed",
    gross: "#0891b2",
    net: "#f59e0b",
    positions: "#a3aab8",
  };

  const fmtNumber = (digits) => (v) => (v == null || !isFinite(v) ? "–" : v.toFixed(digits));
  const fmtPct = (digits) => (v) => (v == null || !isFinite(v) ? "–" : (v * 100).toFixed(digits) + "%");
  const fmtMoney = (v) =>
    v == null || !isFinite(v) ? "–" : v.toLocaleString("en-US", { maximumFractionDigits: 0 });
  const fmtCompact = (v) => {
    if (v == null) return "";
    const a = Math.abs(v);
    if (a >= 1e9) return (v / 1e9).toFixed(a >= 1e10 ? 0 : 1) + "B";
    if (a >= 1e6) return (v / 1e6).toFixed(a >= 1e7 ? 0 : 1) + "M";
    if (a >= 1e3) return (v / 1e3).toFixed(a >= 1e4 ? 0 : 1) + "k";
    return String(v);
  };

  function axis(values, extra) {
    return Object.assign(
      {
        stroke: "#475569",
        grid: { stroke: "#eef2f7", width: 1 },
        ticks: { stroke: "#e2e8f0", width: 1 },
        values: values,
      },
      extra || {}
    );
  }

  function markDrawn(name, u) {
    if (!pending.has(name)) return;
    pending.delete(name);
    drawn.push(name + ":" + u.ctx.canvas.width + "x" + u.ctx.canvas.height);
    if (pending.size === 0) {
      root.dataset.chartSizes = drawn.join(";");
      root.dataset.rendered = charts.map((c) => c.name).join(",");
    }
  }

  // `days`: x values counted in trading days (e.g. a simulated year) instead of dates.
  function chart(name, height, series, yAxes, columns, scales, days) {
    const el = document.getElementById("chart-" + name);
    pending.add(name);
    const opts = {
      width: Math.max(el.clientWidth, 300),
      height: height,
      tzDate: utc,
      cursor: { drag: { x: true, y: false }, points: { size: 6 } },
      scales: Object.assign({ x: { time: !days } }, scales || {}),
      series: [days ? { label: "Day", value: (u, v) => (v == null ? "–" : "day " + v) } : { value: "{YYYY}-{MM}-{DD}" }].concat(series),
      axes: [axis(undefined, { space: 60 })].concat(yAxes),
      hooks: { ready: [(u) => markDrawn(name, u)] },
    };
    const u = new uPlot(opts, [days || data.x].concat(columns), el);
    charts.push({ name: name, plot: u, el: el });
  }

  const line = (label, stroke, width, value, extra) =>
    Object.assign({ label: label, stroke: stroke, width: width, value: value, spanGaps: true }, extra || {});

  chart(
    "equity",
    340,
    [
      line("Strategy", colors.strategy, 2, (u, v) => fmtMoney(v)),
      line(data.benchmark_name, colors.benchmark, 1.5, (u, v) => fmtMoney(v)),
    ],
    [axis((u, vals) => vals.map(fmtCompact), { size: 64 })],
    [data.equity, data.benchmark]
  );

  chart(
    "drawdown",
    220,
    [
      line("Strategy", colors.drawdown, 1.5, (u, v) => fmtPct(2)(v), { fill: "rgba(220,38,38,0.12)" }),
      line(data.benchmark_name, colors.benchmark, 1, (u, v) => fmtPct(2)(v)),
    ],
    [axis((u, vals) => vals.map(fmtPct(0)), { size: 64 })],
    [data.drawdown, data.benchmark_drawdown],
    { y: { range: (u, min) => [Math.min(min, -0.01) * 1.05, 0] } }
  );

  chart(
    "rolling-sharpe",
    200,
    [
      line("Strategy", colors.sharpe, 1.5, (u, v) => fmtNumber(2)(v)),
      line(data.benchmark_name, colors.benchmark, 1, (u, v) => fmtNumber(2)(v)),
    ],
    [axis((u, vals) => vals.map((v) => v.toFixed(1)), { size: 48 })],
    [data.rolling_sharpe, data.benchmark_rolling_sharpe]
  );

  chart(
    "exposure",
    200,
    [
      line("Gross", colors.gross, 1.5, (u, v) => fmtPct(1)(v), { fill: "rgba(8,145,178,0.10)" }),
      line("Net", colors.net, 1, (u, v) => fmtPct(1)(v), { dash: [5, 3] }),
      line("Positions", colors.positions, 1, (u, v) => (v == null ? "–" : String(v)), {
        scale: "count",
        paths: uPlot.paths.stepped({ align: 1 }),
      }),
    ],
    [
      axis((u, vals) => vals.map(fmtPct(0)), { size: 56 }),
      axis((u, vals) => vals.map((v) => String(v)), { scale: "count", side: 1, size: 40, grid: { show: false } }),
    ],
    [data.gross_exposure, data.net_exposure, data.positions],
    { y: { range: (u, min, max) => [Math.min(0, min), Math.max(max, 0.01) * 1.05] }, count: { range: (u, min, max) => [0, Math.max(max, 1) * 1.1] } }
  );

  // Monte Carlo equity bands (growth of 1 over a simulated year): 5th, 50th, 95th percentile.
  if (data.monte_carlo) {
    const mc = data.monte_carlo;
    chart(
      "monte-carlo",
      260,
      [
        line("95th percentile", colors.gross, 1, (u, v) => fmtNumber(3)(v), { dash: [5, 3] }),
        line("Median", colors.strategy, 2, (u, v) => fmtNumber(3)(v)),
        line("5th percentile", colors.drawdown, 1, (u, v) => fmtNumber(3)(v), { dash: [5, 3] }),
      ],
      [axis((u, vals) => vals.map((v) => v.toFixed(2)), { size: 56 })],
      [mc.p95, mc.p50, mc.p05],
      null,
      mc.day
    );
  }

  let resizeTimer = 0;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      for (const c of charts) c.plot.setSize({ width: Math.max(c.el.clientWidth, 300), height: c.plot.height });
    }, 100);
  });
})();
