// The proxy's report page: which SDK versions parse the upstream's answers, where the others fail (by path), and
// whether the upstream agrees with each decision of the mock. Reads /__admin/proxy/report; every value is text.

import { adminToken, setAdminToken } from "./api.js";
import { $, fill, h } from "./dom.js";

const REPORT = "/__admin/proxy/report";
const POLL_MS = 2000;
const PATHS_SHOWN = 200;

const verdictClass = {
  agrees: "st-success",
  "parses everything": "st-success",
  differs: "st-failure",
  fails: "st-failure",
  "not seen": "st-skipped",
};

const badge = (verdict) => h("span", { class: `badge ${verdictClass[verdict] || ""}` }, verdict);

function say(message, kind = "info") {
  const status = $("#status");
  status.dataset.kind = kind;
  fill(status, message);
}

function renderVersions(report) {
  const endpoints = Object.entries(report.endpoints).map(([name, seen]) => `${name} ${seen.exchanges}`);
  fill($("#proxy-summary"), `${report.exchanges} exchanges` + (endpoints.length ? ` (${endpoints.join(", ")})` : ""));
  const rows = Object.entries(report.sdkVersions).map(([version, counts]) =>
    h(
      "tr",
      { dataset: { version, verdict: counts.verdict } },
      h("td", { class: "mono" }, version),
      h("td", { class: "num" }, counts.parsed),
      h("td", { class: "num" }, counts.failed),
      h("td", null, badge(counts.verdict)),
    ),
  );
  const seen = Object.values(report.sdkVersions).some((counts) => counts.parsed + counts.failed > 0);
  if (!seen) rows.push(h("tr", null, h("td", { colspan: 4, class: "muted" }, "No 200 answer seen yet.")));
  fill($("#version-rows"), rows);
}

function renderViolations(report) {
  const groups = report.violations.map((group) => {
    const paths = group.paths.slice(0, PATHS_SHOWN).map((item) =>
      h(
        "tr",
        { dataset: { path: item.path } },
        h("td", { class: "mono" }, item.path),
        h("td", { class: "mono" }, JSON.stringify(item.value)),
        h("td", null, item.versions.join(", ")),
        h("td", null, item.reason),
        h("td", { class: "muted" }, item.capture),
      ),
    );
    const more = group.count - paths.length;
    return h(
      "details",
      { class: "violation-group", dataset: { pattern: group.pattern } },
      h(
        "summary",
        null,
        h("code", null, group.pattern),
        ` ${group.endpoint}, ${group.kind}: ${group.count} × — breaks SDK ${group.versions.join(", ")}`,
      ),
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          null,
          h(
            "thead",
            null,
            h("tr", null, ...["path", "value", "breaks SDK", "reason", "capture"].map((t) => h("th", { scope: "col" }, t))),
          ),
          h("tbody", null, paths),
        ),
      ),
      more > 0 ? h("p", { class: "muted" }, `${more} more paths of this pattern (see the JSON report)`) : null,
    );
  });
  fill(
    $("#violation-groups"),
    groups.length ? groups : h("p", { class: "muted" }, "None: every SDK version parses every answer seen."),
  );
}

function renderDecisions(report) {
  fill(
    $("#decision-rows"),
    report.decisions.map((decision) =>
      h(
        "tr",
        { dataset: { decision: decision.decision, verdict: decision.verdict } },
        h("th", { scope: "row", title: decision.description }, decision.decision),
        h("td", null, badge(decision.verdict)),
        h("td", { class: "num" }, decision.agrees),
        h("td", { class: "num" }, decision.differs),
        h(
          "td",
          null,
          h(
            "ul",
            { class: "plain" },
            decision.evidence.slice(0, 3).map((e) => h("li", null, h("span", { class: "muted" }, e.capture + ": "), e.evidence)),
          ),
        ),
      ),
    ),
  );
}

function renderNonJson(report) {
  const section = $("#proxy-non-json");
  section.hidden = !report.nonJson.length;
  fill(
    $("#non-json-list"),
    report.nonJson.map((item) =>
      h("li", null, `${item.capture}: ${item.endpoint} ${item.status} ${item.contentType || ""} `, h("code", null, item.excerpt)),
    ),
  );
}

function renderUpstreamFailures(report) {
  const failures = report.upstreamFailures;
  $("#proxy-upstream-failures").hidden = !failures.count;
  fill(
    $("#upstream-failure-list"),
    failures.exchanges.map((item) => h("li", null, `${item.capture}: ${item.endpoint} ${item.status} ${item.error || ""}`)),
  );
}

let shown = -1; // the exchange count on screen: a live refresh re-renders only when it moved (open groups stay open)

async function load(force = false) {
  const headers = { Accept: "application/json" };
  const token = adminToken();
  if (token) headers.Authorization = "Bearer " + token;
  const response = await fetch(REPORT, { headers, cache: "no-store" });
  if (response.status === 401) {
    $("#token-form").hidden = false;
    say("The report needs the admin token.", "error");
    return;
  }
  if (!response.ok) {
    say(`${REPORT} answered ${response.status}`, "error");
    return;
  }
  const report = await response.json();
  if (!force && report.exchanges === shown) return;
  shown = report.exchanges;
  renderVersions(report);
  renderViolations(report);
  renderDecisions(report);
  renderNonJson(report);
  renderUpstreamFailures(report);
  document.body.dataset.exchanges = String(report.exchanges);
  say(`${report.exchanges} exchanges, ${report.violationCount} violations`);
}

function refresh(force = false) {
  load(force).catch((error) => say(error && error.message ? error.message : String(error), "error"));
}

$("#btn-refresh").addEventListener("click", () => refresh(true));
$("#token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  setAdminToken($("#token-input").value);
  $("#token-form").hidden = true;
  refresh(true);
});
setInterval(() => {
  if ($("#live").checked && !document.hidden) refresh();
}, POLL_MS);
refresh();
