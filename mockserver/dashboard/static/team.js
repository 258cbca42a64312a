// The Team panel: the team, its plan and billing period (the period's CU against the plan's), its members and API
// keys with their consumption and caps, read from `/v1/teams`, `/v1/teams/{id}` and `/v1/teams/{id}/limits` with the
// dashboard's own headers. An error answer (a project-scoped key's 403, a 404, a 5xx) is shown in the panel.

import * as api from "./api.js";
import * as preload from "./preload.js";
import { $, $$, fill, formatNumber, formatTime, h, statusBadge } from "./dom.js";

const cu = (n) => (typeof n === "number" && Number.isFinite(n) ? formatNumber(n) : "—");

/** `value` against `max` as a bar (role="meter", the numbers in its label); over the maximum, the bar is full. */
function meter(value, max, label, { className = "" } = {}) {
  const used = Number(value) || 0;
  const share = max > 0 ? used / max : 0;
  const percent = Math.min(100, Math.max(0, share * 100));
  return h(
    "div",
    {
      class: `meter ${className} ${share > 1 ? "over" : ""}`,
      role: "meter",
      "aria-label": label,
      "aria-valuemin": "0",
      "aria-valuemax": String(max),
      "aria-valuenow": String(Math.min(used, max)),
      "aria-valuetext": `${cu(used)} of ${cu(max)} CU`,
    },
    h("span", { class: "meter-fill", style: { width: `${percent}%` } }),
  );
}

/** "12.5 of 100 CU (12.5%)", saying so when it is over. */
function against(used, max) {
  if (!(max > 0)) return `${cu(used)} CU`;
  const share = (used / max) * 100;
  const over = used > max ? ` · over by ${cu(used - max)} CU` : "";
  return `${cu(used)} of ${cu(max)} CU (${formatNumber(share)}%)${over}`;
}

/** A consumption cell: the number, and a small bar against the cap when there is one. */
function consumptionCell(consumption, cap, who) {
  return h(
    "td",
    { class: "num consumption", dataset: { value: consumption === undefined ? "" : String(consumption) } },
    cu(consumption),
    typeof cap === "number" && cap > 0 ? meter(consumption, cap, `${who}: consumption against its cap`) : null,
  );
}

function capCell(cap) {
  return h("td", { class: "num cap", dataset: { value: cap === undefined ? "" : String(cap) } }, cu(cap));
}

function renderPeriod(team, limits) {
  const plan = limits.limits.creativeUnits;
  const used = limits.values.creativeUnits;
  const oneShots = limits.oneShotCreativeUnits || [];
  const counted = [
    ["seats", limits.values.seats, limits.limits.seats],
    ["API keys", limits.values.apiKeys, limits.limits.apiKeys],
    ["projects", limits.values.projects, limits.limits.projects],
    ["collections", limits.values.collections, limits.limits.collections],
  ];
  return h(
    "div",
    { class: "team-period", id: "team-period" },
    h(
      "p",
      {},
      "Billing period ",
      h(
        "time",
        { class: "mono", datetime: limits.period.start, id: "team-period-start" },
        formatTime(limits.period.start),
      ),
      " – ",
      h("time", { class: "mono", datetime: limits.period.end, id: "team-period-end" }, formatTime(limits.period.end)),
      " (UTC)",
    ),
    h(
      "div",
      { class: "period-usage" },
      meter(used, plan, "Compute Units used this billing period against the plan", { className: "wide" }),
      h(
        "p",
        { id: "team-cu", dataset: { used: String(used), plan: String(plan) } },
        h("strong", {}, against(used, plan)),
        ` used this period, plan ${limits.plan}`,
        oneShots.length
          ? ` · one-shot purchases: ${cu(oneShots.reduce((a, o) => a + (Number(o.remaining) || 0), 0))} CU remaining`
          : "",
        team.defaultUserMaxConsumption !== undefined
          ? ` · members' default cap ${cu(team.defaultUserMaxConsumption)} CU`
          : "",
      ),
    ),
    h(
      "p",
      { class: "muted small", id: "team-counts" },
      counted.map(([name, n, max], i) => [i ? " · " : "", `${name} ${formatNumber(n)} of ${formatNumber(max)}`]),
    ),
    oneShots.length
      ? h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            { id: "team-one-shots", class: "compact" },
            h("caption", {}, `One-shot purchases (${oneShots.length})`),
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                ["amount", "remaining", "bought", "expires"].map((c) => h("th", { scope: "col" }, c)),
              ),
            ),
            h(
              "tbody",
              {},
              oneShots.map((o) =>
                h(
                  "tr",
                  {},
                  h("td", { class: "num" }, `${cu(o.amount)} CU`),
                  h("td", { class: "num" }, `${cu(o.remaining)} CU`),
                  h("td", { class: "mono nowrap" }, formatTime(o.createdAt)),
                  h("td", { class: "mono nowrap" }, formatTime(o.expiration)),
                ),
              ),
            ),
          ),
        )
      : h("p", { class: "muted small" }, "No one-shot purchases."),
  );
}

function table(id, caption, columns, rows, empty) {
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { id, class: "compact" },
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c)))),
      h(
        "tbody",
        {},
        rows.length ? rows : h("tr", {}, h("td", { colspan: String(columns.length), class: "muted" }, empty)),
      ),
    ),
  );
}

function renderMembers(users, names) {
  return table(
    "team-members",
    `Members (${users.length})`,
    ["member", "role", "consumption (CU)", "cap (CU)"],
    users.map((u) =>
      h(
        "tr",
        { dataset: { id: u.id } },
        h(
          "td",
          { title: u.id },
          h("span", { class: "member-name", dataset: { user: u.id } }, names.get(u.id) || ""),
          " ",
          h("span", { class: "member-email muted" }, u.email),
        ),
        h("td", {}, u.role),
        consumptionCell(u.consumption, u.maxConsumption, u.email),
        capCell(u.maxConsumption),
      ),
    ),
    "No members.",
  );
}

function renderKeys(keys) {
  return table(
    "team-keys",
    `API keys (${keys.length})`,
    ["name", "apiKeyId", "status", "scope", "consumption (CU)", "cap (CU)", "last used"],
    keys.map((k) =>
      h(
        "tr",
        { dataset: { id: k.id, key: k.apiKeyId } },
        h("td", { title: k.id }, k.name),
        h("td", {}, h("code", {}, k.apiKeyId)),
        h("td", {}, statusBadge(k.apiKeyStatus)),
        h(
          "td",
          { title: (k.projects || []).map((p) => `${p.projectId} (${p.role})`).join(", ") },
          k.scope,
          k.scope === "project" && k.projects
            ? h("span", { class: "muted" }, ` · ${k.projects.length} project${k.projects.length === 1 ? "" : "s"}`)
            : null,
        ),
        consumptionCell(k.consumption, k.maxConsumption, k.name),
        capCell(k.maxConsumption),
        h("td", { class: "mono nowrap" }, k.lastUsedAt ? formatTime(k.lastUsedAt) : "never"),
      ),
    ),
    "No API keys.",
  );
}

/** Fill in the members' names once the page knows them (the team body gives e-mails; `/usages` gives names). */
export function nameMembers(names) {
  for (const el of $$("#team .member-name")) {
    const name = names.get(el.dataset.user);
    if (name && !el.textContent) fill(el, name);
  }
}

async function read(path, scenario, signal) {
  return api.checked(await preload.apiGet(path, [], scenario, { signal }), path).json;
}

/**
 * Load and show the team of `scenario` in the #team section; errors are shown there, never thrown (but aborts).
 * `isCurrent()` says whether this load is still the page's latest (a newer one makes its answers stale).
 */
export async function loadTeam(scenario, { signal, names = new Map(), isCurrent = () => true } = {}) {
  const section = $("#team");
  const body = $("#team-body");
  section.dataset.state = "loading";
  section.setAttribute("aria-busy", "true");
  try {
    const listing = await read("/v1/teams", scenario, signal);
    const teams = listing.teams || [];
    if (!teams.length) throw new Error("The API lists no team for these credentials.");
    const id = teams[0].id;
    const base = `/v1/teams/${encodeURIComponent(id)}`;
    const [retrieved, limits] = await Promise.all([
      read(base, scenario, signal),
      read(base + "/limits", scenario, signal),
    ]);
    if (!isCurrent()) return;
    const team = retrieved.team;
    fill(
      $("#team-info"),
      teams.length > 1 ? `the first of ${teams.length} teams · ` : "",
      `${team.users.length} members · ${team.keys.length} API keys`,
    );
    fill(
      body,
      h(
        "div",
        { class: "team-head" },
        h("strong", { id: "team-name" }, team.name),
        " ",
        h("span", { class: "badge plan", id: "team-plan" }, team.plan),
        " ",
        h("span", { class: "muted" }, `${team.type} team`),
        " ",
        h("code", { class: "muted", id: "team-id" }, team.id),
      ),
      renderPeriod(team, limits),
      h("div", { class: "team-tables" }, renderKeys(team.keys), renderMembers(team.users, names)),
    );
    section.dataset.team = team.id;
    section.dataset.state = "ready";
  } catch (error) {
    if (error && error.name === "AbortError") return;
    if (!isCurrent()) return;
    if (!(error instanceof api.HttpError)) console.error(error);
    const status = error instanceof api.HttpError ? `${error.status}: ` : "";
    fill($("#team-info"), "");
    fill(
      body,
      h(
        "p",
        { class: "error-text", id: "team-error", role: "alert", dataset: { status: String(error.status || "") } },
        `The team could not be read (${status}${error.message || error})`,
      ),
      error.status === 403
        ? h("p", { class: "muted" }, "Team data needs a team-scoped key: change the API credentials (Connection).")
        : null,
    );
    delete section.dataset.team;
    section.dataset.state = "error";
  } finally {
    if (isCurrent()) section.removeAttribute("aria-busy");
  }
}
