// Charts: time series with the vendored uPlot (global `uPlot`), category bars as plain elements.
// Long series are summed into coarser buckets so no chart draws more than MAX_POINTS points per series.

import { h, fill, formatNumber, formatCompact } from "./dom.js";

export const MAX_POINTS = 500;
export const COLORS = ["#2563eb", "#e8590c", "#0ca678", "#c2255c", "#7048e8", "#f59f00", "#1098ad", "#5c940d"];

const toNumber = (v) => {
  const n = typeof v === "number" ? v : Number(v);
  return Number.isFinite(n) ? n : 0;
};

/** Sum consecutive buckets so at most `max` remain; returns {times, columns, factor}. Counts keep their totals. */
export function downsample(times, columns, max = MAX_POINTS) {
  const n = times.length;
  if (n <= max) return { times, columns, factor: 1 };
  const factor = Math.ceil(n / max);
  const outTimes = [];
  const outColumns = columns.map(() => []);
  for (let start = 0; start < n; start += factor) {
    outTimes.push(times[start]);
    const end = Math.min(n, start + factor);
    columns.forEach((column, c) => {
      let sum = 0;
      for (let i = start; i < end; i++) sum += column[i];
      outColumns[c].push(sum);
    });
  }
  return { times: outTimes, columns: outColumns, factor };
}

/** Align rows of `points` on one time axis (the union of their times; missing buckets count 0). */
export function alignSeries(rows, valueOf) {
  const index = new Map();
  for (const row of rows) for (const p of row.points) index.set(p.time, 0);
  const keys = Array.from(index.keys()).sort();
  keys.forEach((key, i) => index.set(key, i));
  const columns = rows.map((row) => {
    const column = new Array(keys.length).fill(0);
    for (const p of row.points) column[index.get(p.time)] += valueOf(p);
    return column;
  });
  return { times: keys.map((t) => Date.parse(t) / 1000), columns };
}

/** Totals per row: [{key, total, parts: {...}}], largest first. */
export function totals(rows, keyOf, partsOf) {
  return rows
    .map((row) => {
      const parts = {};
      for (const p of row.points) {
        for (const [name, value] of Object.entries(partsOf(p))) parts[name] = (parts[name] || 0) + toNumber(value);
      }
      return { key: keyOf(row), parts };
    })
    .map((r) => ({ ...r, total: Object.values(r.parts)[0] || 0 }));
}

/** The `limit` largest items, then one "others" item summing the rest (if any). */
export function topWithOthers(items, limit, valueOf, makeOthers) {
  const sorted = [...items].sort((a, b) => valueOf(b) - valueOf(a));
  if (sorted.length <= limit + 1) return sorted;
  const rest = sorted.slice(limit);
  return [...sorted.slice(0, limit), makeOthers(rest)];
}

// -- rendering ----------------------------------------------------------------------------------------------------
const plots = new WeakMap(); // figure -> {plot, observer}

function destroyPlot(figure) {
  const old = plots.get(figure);
  if (old) {
    old.observer.disconnect();
    old.plot.destroy();
    plots.delete(figure);
  }
}

function setSummary(figure, points, total, note) {
  figure.dataset.points = String(points);
  figure.dataset.total = String(total);
  let summary = figure.querySelector(".summary");
  if (!summary) {
    summary = h("p", { class: "summary muted" });
    figure.append(summary);
  }
  fill(summary, note);
}

/** Draw a multi-series line chart in `figure`; series: [{label, values, fill?}] on `times` (epoch seconds). */
export function lineChart(figure, times, series, { note = "", height = 150 } = {}) {
  destroyPlot(figure);
  const container = figure.querySelector(".plot");
  fill(container);
  const total = series.reduce((sum, s) => sum + s.values.reduce((a, b) => a + b, 0), 0);
  const points = times.length * series.length;
  if (!times.length || !series.length) {
    fill(container, h("p", { class: "empty" }, "No data in this window."));
    setSummary(figure, 0, 0, note);
    return;
  }
  container.setAttribute("role", "img");
  container.setAttribute(
    "aria-label",
    series.map((s) => `${s.label}: ${formatNumber(s.values.reduce((a, b) => a + b, 0))}`).join("; "),
  );
  const width = Math.max(200, container.clientWidth || 300);
  const opts = {
    width,
    height,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC"),
    scales: { x: { time: true }, y: { range: (u, min, max) => [0, max > 0 ? max * 1.05 : 1] } },
    legend: { live: false },
    cursor: { drag: { x: false, y: false }, points: { size: 5 } },
    axes: [
      { stroke: "#555", grid: { stroke: "#eee", width: 1 }, ticks: { stroke: "#ddd" }, font: "11px system-ui" },
      {
        stroke: "#555",
        grid: { stroke: "#eee", width: 1 },
        ticks: { stroke: "#ddd" },
        font: "11px system-ui",
        size: 42,
        values: (u, values) => values.map((v) => formatCompact(v)),
      },
    ],
    series: [
      {},
      ...series.map((s, i) => ({
        label: s.label,
        stroke: s.color || COLORS[i % COLORS.length],
        fill: s.fill,
        width: 1.5,
        points: { show: false },
      })),
    ],
  };
  const plot = new uPlot(opts, [times, ...series.map((s) => s.values)], container);
  let frame = 0;
  const observer = new ResizeObserver(() => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => {
      const w = Math.max(200, container.clientWidth);
      if (Math.abs(w - plot.width) > 4) plot.setSize({ width: w, height });
    });
  });
  observer.observe(container);
  plots.set(figure, { plot, observer });
  setSummary(figure, points, total, note);
}

/**
 * Draw horizontal stacked bars in `figure`.
 * rows: [{label, title?, badge?, className?, parts: [numbers...]}], segments: [{label, className}] (one per part).
 */
export function barChart(figure, rows, segments, { note = "", unit = "", extra, wide = false } = {}) {
  destroyPlot(figure);
  const container = figure.querySelector(".plot");
  container.removeAttribute("role");
  container.removeAttribute("aria-label");
  const max = Math.max(0, ...rows.map((r) => r.parts.reduce((a, b) => a + b, 0)));
  const grand = rows.reduce((sum, r) => sum + r.parts.reduce((a, b) => a + b, 0), 0);
  if (!rows.length) {
    fill(container, h("p", { class: "empty" }, "No data in this window."));
    setSummary(figure, 0, 0, note);
    return;
  }
  const list = h("ol", { class: wide ? "bars wide" : "bars" });
  for (const row of rows) {
    const sum = row.parts.reduce((a, b) => a + b, 0);
    const track = h("span", { class: "track", "aria-hidden": "true" });
    row.parts.forEach((value, i) => {
      if (value <= 0 || max <= 0) return;
      const segment = segments[i];
      track.append(
        h("span", {
          class: `seg ${segment.className} ${row.className || ""}`,
          title: `${segment.label}: ${formatNumber(value)}${unit}`,
          style: { width: `${(value / max) * 100}%` },
        }),
      );
    });
    const partsText = row.parts.map((v, i) => `${segments[i].label} ${formatNumber(v)}`).join(", ");
    list.append(
      h(
        "li",
        { class: row.className || "", title: `${row.title || row.label}: ${partsText}` },
        h("span", { class: "label" }, row.badge ? h("span", { class: "badge key" }, row.badge) : null, row.label),
        track,
        h(
          "span",
          { class: "value" },
          formatCompact(sum) + unit,
          row.extra ? h("span", { class: "muted" }, row.extra) : null,
        ),
        h("span", { class: "sr-only" }, partsText),
      ),
    );
  }
  const legend = h(
    "p",
    { class: "bar-legend" },
    segments.map((s) => h("span", {}, h("span", { class: `swatch seg ${s.className}` }), s.label)),
    extra || null,
  );
  fill(container, list, legend);
  setSummary(figure, rows.length, grand, note);
}

export { toNumber };
