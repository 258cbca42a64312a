// The sandbox dashboard: scenarios, charts of `/v1/usages`, the team (team.js), activity and entities with their
// drill-down (detail.js), the live request journal and the admin controls. Plain ES modules, no build step; every
// value reaches the DOM as text.

import * as api from "./api.js";
import * as preload from "./preload.js";
import { alignSeries, barChart, downsample, lineChart, toNumber, topWithOthers, totals } from "./charts.js";
import { openDetail, wireDetail } from "./detail.js";
import { flowGraph, flowLegend, flowList } from "./flow.js";
import { loadTeam, nameMembers } from "./team.js";
import { $, $$, fill, formatBytes, formatNumber, formatTime, h, nextFrame, shortId, statusBadge } from "./dom.js";

const ACTIVITY_PAGE = 100;
const JOURNAL_POLL_MS = 1000;
const JOURNAL_KEEP = 500;
const JOURNAL_SHOWN = 200;
const RESPONSE_SHOWN_CHARS = 60000;
const TOP_USAGES = 6;
const TOP_ROWS = 8;
const CREDIT_NAMES = new Set(["creative-unit-cost", "creative-unit-discount"]);

const state = {
  admin: document.body.dataset.admin, // "on" | "off" | "auto" (probe)
  adminReady: false,
  defaultName: "",
  activityOffset: 0,
  loads: 0, // generation counter: a newer load makes older answers stale
  controller: null,
  flowOpener: null, // the job entry that opened the flow dialog
  names: new Map(), // user id → full name, from the /usages entities of this load (the Team panel shows them)
  journal: { entries: [], lastId: 0, total: -1, timer: 0, selected: null, busy: false },
};

// -- status line ---------------------------------------------------------------------------------------------------
function say(message, kind = "info") {
  const status = $("#status");
  status.dataset.kind = kind;
  fill(status, message);
}

function failure(error) {
  if (error && error.name === "AbortError") return;
  if (!(error instanceof api.HttpError)) console.error(error); // the server's answers are shown, not logged
  say(error && error.message ? error.message : String(error), "error");
}

// -- the query -----------------------------------------------------------------------------------------------------
function windowPairs() {
  const range = $("#range-select").value;
  if (range !== "custom") return [["timeRange", range]];
  const start = $("#start-input").value;
  const end = $("#end-input").value;
  if (!start || !end) throw new Error("Pick both dates of the custom range.");
  return [
    ["startDate", start],
    ["endDate", end],
  ];
}

function currentScenario() {
  return state.admin === "off" ? $("#scenario-name").value.trim() : $("#scenario-select").value;
}

function scenarioLabel(name) {
  return name || `${state.defaultName || "server"} default`;
}

// -- scenarios -----------------------------------------------------------------------------------------------------
function renderScenarios(listing) {
  state.defaultName = listing.default;
  const select = $("#scenario-select");
  const chosen = select.value || listing.default;
  fill(
    select,
    listing.scenarios.map((s) =>
      h("option", { value: s.name }, s.name + (s.name === listing.default ? " (default)" : "")),
    ),
  );
  select.value = listing.scenarios.some((s) => s.name === chosen) ? chosen : listing.default;

  const list = $("#scenario-list");
  fill(
    list,
    listing.scenarios.map((s) =>
      h(
        "li",
        { class: s.name === select.value ? "current" : "", dataset: { name: s.name } },
        h(
          "div",
          { class: "scenario-head" },
          h("button", { type: "button", class: "linklike", onclick: () => chooseScenario(s.name) }, s.name),
          s.name === listing.default
            ? h("span", { class: "badge default" }, "default")
            : h(
                "button",
                {
                  type: "button",
                  class: "small",
                  title: `Serve ${s.name} to requests that pick no scenario`,
                  onclick: () =>
                    control(() => api.admin("PUT", "/scenarios/default", { name: s.name }), `${s.name} is the default`),
                },
                "make default",
              ),
        ),
        h("p", { class: "description" }, s.description || "(no description)"),
        h(
          "p",
          { class: "muted small" },
          [plural(s.people, "person", "people"), plural(s.apiKeys, "API key"), plural(s.models, "model")].join(" · "),
        ),
      ),
    ),
  );

  renderLoadErrors(listing.errors, listing.warnings || []);
}

/** `1 API key`, `2 API keys`. */
function plural(count, one, many) {
  return `${count} ${count === 1 ? one : many || one + "s"}`;
}

/** The last two segments of a long path (`…/folder/file.yaml`); the full path goes in the title. */
function shortPath(path) {
  const parts = String(path).split(/[\\/]/);
  return parts.length > 3 ? "…/" + parts.slice(-2).join("/") : String(path);
}

/** Each failed file once (shortened, full path in its title), its problems without the repeated path prefix. */
function renderLoadErrors(failed, warnings) {
  const errors = $("#scenario-errors");
  fill(errors);
  if (warnings.length) {
    // A default kept serving after its file was renamed or deleted (live reload): say why it is still there.
    errors.append(
      h("h3", { class: "error-title" }, `Warnings (${warnings.length})`),
      h(
        "ul",
        { class: "load-warnings" },
        warnings.map((w) => h("li", { "data-scenario": w.scenario, title: w.file }, w.message)),
      ),
    );
  }
  if (!failed.length) return;
  errors.append(
    h("h3", { class: "error-title" }, `Load errors (${failed.length} file${failed.length > 1 ? "s" : ""})`),
    h(
      "ul",
      { class: "load-errors" },
      failed.map((e) =>
        h(
          "li",
          {},
          h("div", { class: "load-file mono", title: e.file }, shortPath(e.file)),
          h(
            "ul",
            { class: "load-problems mono" },
            e.problems.map((p) => {
              const text = String(p);
              const local = text.startsWith(e.file + ":") ? text.slice(e.file.length + 1) : text;
              return h("li", { title: text }, local);
            }),
          ),
        ),
      ),
    ),
  );
}

async function loadScenarios() {
  renderScenarios(await preload.adminGet("/scenarios"));
}

function chooseScenario(name) {
  $("#scenario-select").value = name;
  state.activityOffset = 0;
  markCurrentScenario();
  refreshData();
}

function markCurrentScenario() {
  const name = $("#scenario-select").value;
  for (const li of $$("#scenario-list > li")) li.classList.toggle("current", li.dataset.name === name);
}

// -- charts --------------------------------------------------------------------------------------------------------
function userLabel(users, id) {
  const user = users.get(id);
  if (!user) return { label: shortId(id, 18), title: id, isKey: id.startsWith("apiu_") };
  if (user.isApiKey) {
    return {
      label: user.apiKeyId || id,
      title: `API key ${user.apiKeyId || ""} (${user.apiKeyStatus || "unknown"}), user ${id}`,
      isKey: true,
      status: user.apiKeyStatus,
    };
  }
  return {
    label: user.fullName || user.email || id,
    title: `${user.fullName || ""} <${user.email || ""}> ${id}`,
    isKey: false,
  };
}

/** Remember the people's names the API gave, and show them in the Team panel (its body has e-mails only). */
function rememberNames(users) {
  for (const u of users) if (!u.isApiKey && u.fullName) state.names.set(u.id, u.fullName);
  nameMembers(state.names);
}

async function drawCharts(series, models, pause = nextFrame) {
  const users = new Map(series.entities.users.map((u) => [u.id, u]));
  rememberNames(series.entities.users);
  const modelNames = new Map(models.entities.models.map((m) => [m.id, m.name]));
  const granularity = series.usages[0] ? series.usages[0].granularity : "";

  // Usage series: the busiest usage names (credits have their own chart).
  const named = series.usages.filter((u) => !CREDIT_NAMES.has(u.usageName));
  const aligned = alignSeries(named, (p) => toNumber(p.value));
  const byTotal = aligned.columns
    .map((column, i) => ({ name: named[i].usageName, column, total: column.reduce((a, b) => a + b, 0) }))
    .sort((a, b) => b.total - a.total || a.name.localeCompare(b.name));
  const shown = byTotal.slice(0, TOP_USAGES);
  const sampled = downsample(
    aligned.times,
    shown.map((s) => s.column),
  );
  const perBucket = sampled.factor > 1 ? ` · each point sums ${sampled.factor} buckets` : "";
  lineChart(
    $("#chart-usages"),
    sampled.times,
    shown.map((s, i) => ({ label: s.name, values: sampled.columns[i] })),
    {
      note: `${shown.length} of ${named.length} names · ${aligned.times.length} buckets of ${granularity}${perBucket}`,
    },
  );
  await pause();

  // Creative units over time: charged, waived, and the part charged through API keys.
  const cost = series.usages.find((u) => u.usageName === "creative-unit-cost") || { points: [] };
  const discount = series.usages.find((u) => u.usageName === "creative-unit-discount") || { points: [] };
  const axis = alignSeries([cost, discount], () => 0).times;
  const creditColumns = [
    alignSeries([cost], (p) => toNumber(p.value)),
    alignSeries([discount], (p) => toNumber(p.value)),
    alignSeries([cost], (p) => toNumber(p.apiKey)),
  ].map((a) => {
    const lookup = new Map(a.times.map((t, i) => [t, a.columns[0][i]]));
    return axis.map((t) => lookup.get(t) || 0);
  });
  const creditSampled = downsample(axis, creditColumns);
  const creditTotals = creditColumns.map((c) => c.reduce((a, b) => a + b, 0));
  lineChart(
    $("#chart-credits"),
    creditSampled.times,
    [
      { label: "charged", values: creditSampled.columns[0], color: "#2563eb", fill: "rgba(37,99,235,0.08)" },
      { label: "waived", values: creditSampled.columns[1], color: "#0ca678" },
      { label: "via API keys", values: creditSampled.columns[2], color: "#e8590c" },
    ],
    {
      note: `charged ${formatNumber(creditTotals[0])} CU · waived ${formatNumber(creditTotals[1])} · via API keys ${formatNumber(creditTotals[2])}`,
    },
  );
  await pause();

  // Models: cost (people / API keys) with the number of jobs; the top ones, then the others summed.
  const modelTotals = totals(
    models.modelUsages,
    (row) => row.modelId,
    (p) => ({ cost: p.cost, apiKeyCost: p.apiKeyCost, jobs: p.jobs }),
  ).map((m) => ({ ...m, cost: m.parts.cost || 0, jobs: m.parts.jobs || 0, apiKeyCost: m.parts.apiKeyCost || 0 }));
  const usedModels = modelTotals.filter((m) => m.cost > 0 || m.jobs > 0);
  const modelRows = topWithOthers(
    usedModels,
    TOP_ROWS,
    (m) => m.cost * 1e6 + m.jobs,
    (rest) => ({
      key: null,
      label: `others (${rest.length} models)`,
      cost: rest.reduce((a, m) => a + m.cost, 0),
      apiKeyCost: rest.reduce((a, m) => a + m.apiKeyCost, 0),
      jobs: rest.reduce((a, m) => a + m.jobs, 0),
    }),
  );
  barChart(
    $("#chart-models"),
    modelRows.map((m) => ({
      label: m.key ? modelNames.get(m.key) || m.key : m.label,
      title: m.key ? `${modelNames.get(m.key) || ""} ${m.key}` : m.label,
      parts: [Math.max(0, m.cost - m.apiKeyCost), m.apiKeyCost],
      extra: ` · ${formatNumber(m.jobs)} jobs`,
    })),
    [
      { label: "people", className: "s-people" },
      { label: "API keys", className: "s-keys" },
    ],
    {
      unit: " CU",
      note: `${usedModels.length} of ${models.modelUsages.length} models used · ${formatNumber(
        usedModels.reduce((a, m) => a + m.jobs, 0),
      )} jobs`,
    },
  );
  await pause();

  // Asset kinds and quality-gate verdicts: counts, split between people and API keys.
  const countParts = (p) => ({ count: p.count, countApiKey: p.countApiKey });
  const split = (t) => [Math.max(0, (t.parts.count || 0) - (t.parts.countApiKey || 0)), t.parts.countApiKey || 0];
  const peopleKeys = [
    { label: "people", className: "s-people" },
    { label: "API keys", className: "s-keys" },
  ];
  const kinds = totals(series.assetUsages, (row) => row.kind, countParts).sort((a, b) => b.total - a.total);
  barChart(
    $("#chart-assets"),
    kinds.slice(0, TOP_ROWS + 2).map((k) => ({ label: k.key, parts: split(k) })),
    peopleKeys,
    { note: `${formatNumber(kinds.reduce((a, k) => a + k.total, 0))} assets in ${kinds.length} kinds` },
  );
  await pause();

  const verdicts = totals(series.qualityGateUsages, (row) => row.verdict, countParts);
  barChart(
    $("#chart-verdicts"),
    verdicts.map((v) => ({ label: v.key, parts: split(v), className: v.key === "total" ? "is-total" : "" })),
    peopleKeys,
    { note: `${verdicts.length} verdicts` },
  );
  await pause();

  // Consumption: one row per person or API key, charged and waived stacked; keys stand out.
  const rows = topWithOthers(
    series.consumption.map((c) => ({ ...c, value: toNumber(c.value), discount: toNumber(c.discount) })),
    TOP_ROWS + 2,
    (c) => c.value + c.discount,
    (rest) => ({
      userId: null,
      label: `others (${rest.length})`,
      value: rest.reduce((a, c) => a + c.value, 0),
      discount: rest.reduce((a, c) => a + c.discount, 0),
    }),
  );
  const keyCount = series.consumption.filter((c) => userLabel(users, c.userId).isKey).length;
  barChart(
    $("#chart-consumption"),
    rows.map((c) => {
      if (!c.userId) return { label: c.label, parts: [c.value, c.discount] };
      const who = userLabel(users, c.userId);
      return {
        label: who.label,
        title: who.title,
        badge: who.isKey ? `key${who.status && who.status !== "active" ? " · " + who.status : ""}` : null,
        className: who.isKey ? "is-key" : "",
        parts: [c.value, c.discount],
      };
    }),
    [
      { label: "charged", className: "s-charged" },
      { label: "waived", className: "s-waived" },
    ],
    {
      unit: " CU",
      wide: true,
      note: `${series.consumption.length - keyCount} people and ${keyCount} API keys with consumption`,
      extra: h("span", {}, h("span", { class: "swatch seg s-charged is-key" }), "charged via an API key"),
    },
  );
}

async function loadCharts(generation, signal) {
  const scenario = currentScenario();
  const pairs = windowPairs();
  const section = $("#usage");
  section.dataset.state = "loading";
  const started = performance.now();
  // Dense series for the time axis; models (hundreds in the heavy scenario) only as totals, so without zeros.
  const [series, models] = await Promise.all([
    preload.usages([...pairs, ["type", "usages,asset-usages,quality-gate-usages,consumption"]], scenario, { signal }),
    preload.usages([...pairs, ["type", "model-usages"], ["dropZeroPoints", "true"]], scenario, { signal }),
  ]);
  if (generation !== state.loads) return;
  // Preloaded data is drawn at once, before the page's load event; fetched data lets the page breathe per chart.
  const pause = series.preloaded && models.preloaded ? async () => {} : nextFrame;
  await pause();
  await drawCharts(series.json, models.json, pause);
  if (generation !== state.loads) return;
  section.dataset.state = "ready";
  section.dataset.scenario = scenario || state.defaultName;
  const ms = Math.round(performance.now() - started);
  fill(
    $("#query-info"),
    `${series.preloaded ? "sent with the page" : "2 requests"} · ${formatBytes(series.bytes + models.bytes)} · ` +
      `${ms} ms · ${series.url.replace(/&type=.*$/, "")}`,
  );
  say(`Showing ${scenarioLabel(scenario)} (${describeWindow()}) in ${ms} ms`);
}

function describeWindow() {
  const range = $("#range-select");
  return range.value === "custom"
    ? `${$("#start-input").value} to ${$("#end-input").value}`
    : range.options[range.selectedIndex].text;
}

// -- activity and entities -----------------------------------------------------------------------------------------
function renderEntities(entities) {
  const people = entities.users.filter((u) => !u.isApiKey);
  const keys = entities.users.filter((u) => u.isApiKey);
  const section = (id, title, items) => {
    const details = $(id);
    fill($("summary", details), `${title} (${items.length})`);
    fill($("ul", details), items.length ? items : h("li", { class: "muted" }, "none on this page"));
  };
  section(
    "#entities-people",
    "People",
    people.map((u) =>
      h(
        "li",
        {},
        h("strong", {}, u.fullName || "(no name)"),
        " ",
        h("span", { class: "muted" }, u.email || ""),
        " ",
        h("code", {}, u.id),
      ),
    ),
  );
  section(
    "#entities-keys",
    "API keys",
    keys.map((u) =>
      h(
        "li",
        {},
        h("code", {}, u.apiKeyId || ""),
        " ",
        statusBadge(u.apiKeyStatus || "unknown"),
        " ",
        h("span", { class: "muted" }, `user ${u.id}`),
      ),
    ),
  );
  section(
    "#entities-jobs",
    "Jobs",
    entities.jobs.map((job) => {
      const meta = job.metadata || {};
      const head = [h("code", {}, job.id), " ", h("span", {}, job.jobType), " ", statusBadge(job.status)];
      const error = meta.error
        ? h("div", { class: "error-text" }, typeof meta.error === "string" ? meta.error : JSON.stringify(meta.error))
        : null;
      if (!Array.isArray(meta.flow) || !meta.flow.length) return h("li", {}, head, error);
      return h(
        "li",
        {},
        h(
          "button",
          {
            type: "button",
            class: "job-entry",
            dataset: { job: job.id },
            title: "Show this workflow's flow as a graph",
            onclick: (event) => openFlow(job, event.currentTarget),
          },
          head,
          h("span", { class: "muted" }, ` · workflow, ${meta.flow.length} nodes`),
        ),
        error,
      );
    }),
  );
}

/** Open the flow of a workflow job in the dialog; closing it (Escape, the button) gives the focus back. */
function openFlow(job, opener) {
  const dialog = $("#flow-dialog");
  const meta = job.metadata || {};
  const error = typeof meta.error === "string" ? meta.error : meta.error ? JSON.stringify(meta.error) : "";
  fill($("#flow-title"), "Flow of ", h("code", {}, job.id), " ", statusBadge(job.status));
  fill(
    $("#flow-summary"),
    `${job.jobType} · ${meta.flow.length} nodes · layers follow dependsOn, left to right`,
    error ? h("span", { class: "error-text" }, ` · ${error}`) : null,
  );
  fill($("#flow-canvas"), flowGraph(meta.flow, { label: `Flow of ${job.id}` }));
  fill($("#flow-legend"), flowLegend());
  fill($("#flow-list"), flowList(meta.flow));
  state.flowOpener = opener || null;
  dialog.dataset.job = job.id;
  if (!dialog.open) dialog.showModal();
  $("#flow-close").focus();
}

function wireFlowDialog() {
  const dialog = $("#flow-dialog");
  $("#flow-close").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => {
    const opener = state.flowOpener;
    state.flowOpener = null;
    if (opener && opener.isConnected) opener.focus();
  });
}

/** A button in the activity table that opens a job, asset or model in the detail dialog (see wireActivity). */
function opener(kind, id, label) {
  return h(
    "button",
    { type: "button", class: "linklike open-detail", dataset: { open: kind, id }, "aria-label": `Open ${kind} ${id}` },
    label,
  );
}

function wireActivity() {
  $("#activity-rows").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-open]");
    if (button) openDetail(button.dataset.open, button.dataset.id, button, currentScenario());
  });
}

async function loadActivity(generation, signal) {
  const scenario = currentScenario();
  const result = await preload.usages(
    [...windowPairs(), ["type", "activity"], ["activityOffset", String(state.activityOffset)]],
    scenario,
    { signal },
  );
  if (generation !== state.loads) return;
  const { activity, entities } = result.json;
  const users = new Map(entities.users.map((u) => [u.id, u]));
  rememberNames(entities.users);
  const jobs = new Map(entities.jobs.map((j) => [j.id, j]));
  const models = new Map(entities.models.map((m) => [m.id, m.name]));
  const tbody = $("#activity-rows");
  fill(
    tbody,
    activity.length
      ? activity.map((event) => {
          const data = event.data || {};
          const who = userLabel(users, event.userId);
          const job = data.jobId ? jobs.get(data.jobId) : null;
          return h(
            "tr",
            {},
            h("td", { class: "mono nowrap" }, formatTime(event.time)),
            h("td", {}, event.action),
            h(
              "td",
              { title: who.title },
              who.label,
              who.isKey ? h("span", { class: "badge small key" }, who.status || "key") : null,
            ),
            h("td", { title: event.projectId || "" }, event.projectId || ""),
            h("td", { class: "num" }, formatNumber(toNumber(event.creativeUnitsCost))),
            h(
              "td",
              { title: data.jobId || "" },
              data.jobId
                ? [opener("job", data.jobId, shortId(data.jobId, 12)), " ", job ? statusBadge(job.status) : null]
                : "",
            ),
            h(
              "td",
              { title: data.assetId || "" },
              data.assetId ? opener("asset", data.assetId, shortId(data.assetId, 12)) : "",
            ),
            h(
              "td",
              { title: data.modelId || "" },
              data.modelId ? opener("model", data.modelId, models.get(data.modelId) || shortId(data.modelId)) : "",
            ),
          );
        })
      : h("tr", {}, h("td", { colspan: "8", class: "muted" }, "No activity in this window.")),
  );
  renderEntities(entities);
  const first = state.activityOffset + (activity.length ? 1 : 0);
  fill($("#activity-info"), `events ${first}–${state.activityOffset + activity.length} (newest first)`);
  $("#activity-newer").disabled = state.activityOffset === 0;
  $("#activity-older").disabled = activity.length < ACTIVITY_PAGE;
}

// -- loading everything --------------------------------------------------------------------------------------------
async function refreshData() {
  state.loads += 1;
  const generation = state.loads;
  if (state.controller) state.controller.abort();
  state.controller = new AbortController();
  const { signal } = state.controller;
  markCurrentScenario();
  say(`Loading ${scenarioLabel(currentScenario())}…`);
  state.names = new Map();
  const team = loadTeam(currentScenario(), {
    signal,
    names: state.names,
    isCurrent: () => generation === state.loads,
  }); // shows its own errors in its panel: the charts do not wait for it nor fail with it
  try {
    await Promise.all([loadCharts(generation, signal), loadActivity(generation, signal), refreshClock(), team]);
  } catch (error) {
    if (generation === state.loads && error.name !== "AbortError") {
      $("#usage").dataset.state = "error";
      failure(error);
    }
  }
}

// -- clock ---------------------------------------------------------------------------------------------------------
async function refreshClock() {
  if (!state.adminReady) return;
  const name = currentScenario() || state.defaultName;
  const listing = await preload.adminGet("/clock?scenario=" + encodeURIComponent(name));
  const clock = listing.clocks[0];
  fill($("#clock-now"), clock.now);
  $("#clock-now").dataset.ms = String(clock.nowMs);
  fill($("#clock-frozen"), clock.frozen ? "frozen" : "running");
  $("#clock-frozen").dataset.frozen = String(clock.frozen);
}

// -- controls ------------------------------------------------------------------------------------------------------
/** Run an admin action, say what happened, then show the new state. */
async function control(action, done) {
  try {
    const result = await action();
    say(typeof done === "function" ? done(result) : done, "ok");
    await loadScenarios();
    await refreshData();
    pollJournal();
  } catch (error) {
    failure(error);
  }
}

function wireControls() {
  $("#btn-reload").addEventListener("click", () =>
    control(
      () => api.admin("POST", "/scenarios/reload"),
      (r) =>
        r.failed.length
          ? `Reloaded; ${r.failed.length} file(s) failed: see the load errors`
          : `Reloaded ${r.scenarios.length} scenarios`,
    ),
  );
  $("#btn-reset").addEventListener("click", () =>
    control(async () => {
      const r = await api.admin("POST", "/reset");
      clearJournalView();
      return r;
    }, "Reset: clocks, default scenario, rule counters and journal are back to their start"),
  );
  $("#btn-clear-journal").addEventListener("click", async () => {
    try {
      const r = await api.admin("DELETE", "/journal");
      clearJournalView();
      say(`Cleared ${r.cleared} journal entries`, "ok");
      pollJournal();
    } catch (error) {
      failure(error);
    }
  });
  for (const button of $$("[data-advance]")) {
    button.addEventListener("click", () =>
      control(
        () => api.admin("POST", "/clock", { advance: button.dataset.advance }),
        `Clocks moved by ${button.dataset.advance}`,
      ),
    );
  }
  $("#clock-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = $("#clock-input").value.trim();
    if (value) control(() => api.admin("POST", "/clock", { now: value }), `Clocks set to ${value}`);
  });
  $("#btn-freeze").addEventListener("click", () =>
    control(() => api.admin("POST", "/clock", { freeze: true }), "Clocks frozen"),
  );
  $("#btn-unfreeze").addEventListener("click", () =>
    control(() => api.admin("POST", "/clock", { unfreeze: true }), "Clocks run on real time"),
  );
  $("#btn-clock-reset").addEventListener("click", () =>
    control(() => api.admin("POST", "/clock", { reset: true }), "Clocks back to where the worlds started"),
  );
}

// -- journal -------------------------------------------------------------------------------------------------------
function isOwn(entry) {
  return (entry.headers && entry.headers["x-mock-client"] === "dashboard") || entry.path === "/";
}

function target(entry) {
  const query = entry.query.map(([k, v]) => `${k}=${v}`).join("&");
  return entry.path + (query ? "?" + query : "");
}

function clearJournalView() {
  state.journal.entries = [];
  state.journal.selected = null;
  renderJournal();
  fill($("#journal-detail"), h("p", { class: "muted" }, "The journal is empty."));
}

async function pollJournal() {
  const journal = state.journal;
  if (!state.adminReady || journal.busy) return;
  journal.busy = true;
  try {
    const since = journal.lastId;
    const data = await preload.adminGet(`/journal?since=${since}&limit=${JOURNAL_KEEP}`);
    const cleared = journal.total >= 0 && data.total < journal.total;
    if (cleared || data.matched > data.entries.length) journal.entries = [];
    journal.total = data.total;
    if (data.entries.length || cleared) {
      journal.entries = journal.entries.concat(data.entries).slice(-JOURNAL_KEEP);
      journal.lastId = Math.max(since, ...data.entries.map((e) => e.id));
      renderJournal();
    }
    if (!data.entries.length && !cleared) renderJournalInfo();
  } catch (error) {
    fill($("#journal-info"), `journal unavailable: ${error.message}`);
  } finally {
    journal.busy = false;
  }
}

function scheduleJournal() {
  clearTimeout(state.journal.timer);
  state.journal.timer = setTimeout(async () => {
    if ($("#journal-live").checked && !document.hidden) await pollJournal();
    scheduleJournal();
  }, JOURNAL_POLL_MS);
}

function statusClass(status) {
  if (!status) return "st-none";
  return `st-${Math.floor(status / 100)}xx`;
}

function renderJournal() {
  const showOwn = $("#show-own").checked;
  const visible = state.journal.entries.filter((e) => showOwn || !isOwn(e));
  const hidden = state.journal.entries.length - visible.length;
  const focusedId = document.activeElement && document.activeElement.closest("#journal-rows tr")?.dataset.id;
  const rows = visible
    .slice(-JOURNAL_SHOWN)
    .reverse()
    .map((entry) => {
      const text = target(entry);
      return h(
        "tr",
        {
          dataset: { id: String(entry.id), own: String(isOwn(entry)) },
          class: entry.id === state.journal.selected ? "selected" : "",
          onclick: () => selectEntry(entry.id),
        },
        h(
          "td",
          {},
          h(
            "button",
            { type: "button", class: "linklike", "aria-label": `Show request ${entry.id}: ${entry.method} ${text}` },
            `#${entry.id}`,
          ),
        ),
        h("td", { class: "mono nowrap", title: entry.time }, (entry.time || "").slice(11, 19)),
        h("td", {}, entry.method),
        h("td", { class: "target mono", title: text }, text),
        h("td", {}, entry.scenario || ""),
        h("td", { class: `num ${statusClass(entry.status)}` }, entry.status || "—"),
        h("td", { class: "num nowrap" }, `${entry.durationMs.toFixed(1)} ms`),
        h("td", { class: entry.fault ? "fault" : "" }, entry.fault || ""),
        h("td", { class: "num" }, entry.retryCount ?? ""),
      );
    });
  fill(
    $("#journal-rows"),
    rows.length
      ? rows
      : h(
          "tr",
          {},
          h(
            "td",
            { colspan: "9", class: "muted" },
            hidden ? `No requests but the dashboard's own (${hidden}).` : "No requests yet.",
          ),
        ),
  );
  if (focusedId) $(`#journal-rows tr[data-id="${CSS.escape(focusedId)}"] button`)?.focus();
  renderJournalInfo();
}

function renderJournalInfo() {
  const own = state.journal.entries.filter(isOwn).length;
  const total = Math.max(0, state.journal.total);
  const hidden = $("#show-own").checked ? "" : ` · ${own} of the dashboard's own hidden`;
  fill($("#journal-info"), `${total} recorded${own ? hidden : ""}`);
}

function definition(name, value) {
  return [h("dt", {}, name), h("dd", {}, value === null || value === undefined || value === "" ? "—" : value)];
}

/** The clock of one scenario from the admin API, or null when it cannot be read. */
async function scenarioClock(name) {
  if (!state.adminReady || !name) return null;
  try {
    const listing = await api.admin("GET", "/clock?scenario=" + encodeURIComponent(name));
    return listing.clocks[0] || null;
  } catch {
    return null;
  }
}

/** Whether the answer sent again is the one the request got: it depends on the scenario's clock. */
function clockNote(clock) {
  if (!clock) return "Whether it is the answer the request got depends on the scenario's clock, which is unknown here.";
  if (clock.frozen)
    return (
      `The clock of ${clock.scenario} is frozen (at ${formatTime(clock.now)}), so this is the answer the request ` +
      "got, unless the clock was set or advanced, or the scenario reloaded, in between."
    );
  return (
    `The clock of ${clock.scenario} runs on the real clock: this answer is for now (${formatTime(clock.now)}), not ` +
    "for when the request was made. It is the same answer only within the same second (equal requests within a " +
    "second share one rendering); later, the windows and the world have moved on, so it may differ."
  );
}

async function selectEntry(id) {
  const entry = state.journal.entries.find((e) => e.id === id);
  if (!entry) return;
  state.journal.selected = id;
  for (const tr of $$("#journal-rows tr")) tr.classList.toggle("selected", tr.dataset.id === String(id));
  const detail = $("#journal-detail");
  const response = h("div", { class: "response" });
  fill(
    detail,
    h(
      "div",
      { class: "detail-grid" },
      h(
        "div",
        {},
        h("h3", {}, `Request #${entry.id}`),
        h("p", { class: "mono wrap" }, `${entry.method} ${target(entry)}`),
        h(
          "dl",
          { class: "facts" },
          definition("time", formatTime(entry.time, { ms: true })),
          definition("scenario", entry.scenario),
          definition("status", entry.status || "no response"),
          definition("latency", `${entry.durationMs.toFixed(1)} ms`),
          definition("fault", entry.fault),
          definition("retry count", entry.retryCount),
          definition("retry after", entry.retryAfterMs === null ? null : `${entry.retryAfterMs} ms`),
          definition("activity events", entry.activityCount),
        ),
        h(
          "details",
          {},
          h("summary", {}, `Headers (${Object.keys(entry.headers).length}, credentials masked)`),
          h(
            "table",
            { class: "headers" },
            Object.entries(entry.headers).map(([k, v]) =>
              h("tr", {}, h("th", { scope: "row" }, k), h("td", { class: "mono wrap" }, v)),
            ),
          ),
        ),
      ),
      response,
    ),
  );
  if (entry.method !== "GET" || !api.isApiPath(entry.path)) {
    fill(response, h("p", { class: "muted" }, "Not a GET of the API: there is no response to send again."));
    return;
  }
  const note = h(
    "p",
    { class: "note" },
    "The journal keeps no response bodies: this is the same query sent again now to the same scenario",
    entry.fault ? " (without the fault it met)" : "",
    ".",
  );
  fill(response, h("h3", {}, "Response"), note, h("p", { class: "muted" }, "Sending…"));
  try {
    const scenario = entry.scenario || "";
    const clock = await scenarioClock(scenario || state.defaultName);
    if (state.journal.selected !== id) return;
    note.dataset.clock = clock ? (clock.frozen ? "frozen" : "running") : "unknown";
    note.append(" ", clockNote(clock));
    const result = await api.getApi(entry.path, entry.query, scenario);
    if (state.journal.selected !== id) return;
    let text = result.text;
    if (result.json !== undefined) text = JSON.stringify(result.json, null, 2);
    const cut = text.length > RESPONSE_SHOWN_CHARS;
    const shown = [
      h(
        "p",
        { class: "mono" },
        `${result.status} · ${result.contentType} · ${formatBytes(result.bytes)} · ${Math.round(result.ms)} ms`,
      ),
      h(
        "pre",
        { class: "body", tabindex: "0", "aria-label": "Response body" },
        cut ? text.slice(0, RESPONSE_SHOWN_CHARS) : text,
      ),
    ];
    if (cut)
      shown.push(
        h("p", { class: "muted" }, `… ${formatNumber(text.length - RESPONSE_SHOWN_CHARS)} more characters not shown.`),
      );
    response.lastChild.replaceWith(...shown);
  } catch (error) {
    response.lastChild.replaceWith(h("p", { class: "error-text" }, `Could not send it again: ${error.message}`));
  }
}

// -- start ---------------------------------------------------------------------------------------------------------
function adminOff(reason) {
  state.admin = "off";
  state.adminReady = false;
  document.body.classList.add("no-admin");
  const banner = $("#admin-off");
  banner.hidden = false;
  if (reason) banner.append(" ", h("span", { class: "muted" }, reason));
  for (const el of $$("#controls button, #clock-section button, #clock-section input")) el.disabled = true;
  $("#scenario-select").hidden = true;
  $("#scenario-name").hidden = false;
  $("label[for=scenario-select]").htmlFor = "scenario-name";
  fill($("#scenario-list"), h("li", { class: "muted" }, "Not available without the admin API."));
  fill(
    $("#journal-rows"),
    h("tr", {}, h("td", { colspan: "9", class: "muted" }, "Not available without the admin API.")),
  );
  fill($("#journal-info"), "off");
  fill($("#clock-now"), "unknown");
}

function askToken(message) {
  const form = $("#token-form");
  form.hidden = false;
  say(message, "error");
  $("#token-input").focus();
}

async function startAdmin() {
  try {
    await loadScenarios();
  } catch (error) {
    if (error.status === 404) {
      adminOff("(It answered 404.)");
      return false;
    }
    if (error.status === 401) {
      askToken(api.adminToken() ? "The admin token was refused: enter it again." : "The admin API needs a token.");
      return null;
    }
    throw error;
  }
  state.adminReady = true;
  $("#token-form").hidden = true;
  await pollJournal();
  scheduleJournal();
  return true;
}

function wireForms() {
  $("#query-form").addEventListener("submit", (event) => {
    event.preventDefault();
    refreshData();
  });
  $("#scenario-select").addEventListener("change", () => {
    state.activityOffset = 0;
    refreshData();
  });
  $("#scenario-name").addEventListener("change", () => {
    state.activityOffset = 0;
    refreshData();
  });
  $("#range-select").addEventListener("change", () => {
    const custom = $("#range-select").value === "custom";
    $("#custom-range").hidden = !custom;
    state.activityOffset = 0;
    if (!custom) refreshData();
    else $("#start-input").focus();
  });
  for (const id of ["#start-input", "#end-input"]) {
    $(id).addEventListener("change", () => {
      if ($("#start-input").value && $("#end-input").value) refreshData();
    });
  }
  $("#activity-newer").addEventListener("click", () => {
    state.activityOffset = Math.max(0, state.activityOffset - ACTIVITY_PAGE);
    pageActivity();
  });
  $("#activity-older").addEventListener("click", () => {
    state.activityOffset += ACTIVITY_PAGE;
    pageActivity();
  });
  $("#show-own").addEventListener("change", renderJournal);
  $("#journal-live").addEventListener("change", () => $("#journal-live").checked && pollJournal());
  $("#token-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    api.setAdminToken($("#token-input").value.trim());
    $("#token-input").value = "";
    await start();
  });
  $("#btn-forget-token").addEventListener("click", () => {
    api.setAdminToken("");
    say("Admin token forgotten (for this tab).", "ok");
  });
  $("#credentials-input").value = api.credentials();
  $("#credentials-form").addEventListener("submit", (event) => {
    event.preventDefault();
    api.setCredentials($("#credentials-input").value.trim());
    refreshData();
  });
}

async function pageActivity() {
  const generation = state.loads;
  try {
    await loadActivity(generation, state.controller ? state.controller.signal : undefined);
  } catch (error) {
    failure(error);
  }
}

async function start() {
  try {
    await startData();
  } finally {
    document.body.dataset.ready = "true"; // what tests wait for: the first data is drawn (or its error shown)
  }
}

async function startData() {
  try {
    if (state.admin !== "off") {
      const ready = await startAdmin();
      if (ready === null) return; // waiting for a token
    } else {
      adminOff();
    }
    await refreshData();
  } catch (error) {
    failure(error);
  }
}

wireForms();
wireControls();
wireFlowDialog();
wireDetail();
wireActivity();
start();
