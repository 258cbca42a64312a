// The drill-down: a job, asset or model named by the activity table, opened in a modal dialog from
// `GET /v1/jobs/{id}`, `/v1/assets/{id}` or `/v1/models/{id}` (the dashboard's own headers). Escape or Close shuts it
// and gives the focus back to what opened it; ids inside a detail (a job's assets, its model) open in the same dialog,
// with Back. Every value is text; URLs of the API become links (http and https only), never loaded by the page.

import * as api from "./api.js";
import { flowGraph, flowLegend, flowList } from "./flow.js";
import { $, fill, formatNumber, formatTime, h, statusBadge } from "./dom.js";

const KINDS = {
  job: { path: "/v1/jobs/", key: "job", title: "Job" },
  asset: { path: "/v1/assets/", key: "asset", title: "Asset" },
  model: { path: "/v1/models/", key: "model", title: "Model" },
};

const view = {
  opener: null, // the element that opened the dialog: it gets the focus back
  stack: [], // [{kind, id}] shown so far, the current last (Back pops it)
  generation: 0, // a newer load makes older answers stale
  scenario: "",
};

const present = (v) => v !== null && v !== undefined && v !== "";

function text(value) {
  if (!present(value)) return "—";
  if (Array.isArray(value)) {
    return value.length ? value.map((v) => (typeof v === "object" ? JSON.stringify(v) : String(v))).join(", ") : "—";
  }
  if (typeof value === "object") return JSON.stringify(value);
  if (typeof value === "number") return formatNumber(value);
  return String(value);
}

function facts(rows) {
  return h(
    "dl",
    { class: "facts" },
    rows
      .filter((row) => row)
      .map(([name, value, attrs]) => [
        h("dt", {}, name),
        h("dd", attrs || {}, value instanceof Node ? value : text(value)),
      ]),
  );
}

/** A link to a URL the API gave (fake CDN URLs: shown, opened only if the user follows them); other schemes as text. */
function link(url, label) {
  if (typeof url !== "string" || !url) return "—";
  if (!/^https?:\/\//i.test(url)) return h("span", { class: "mono wrap" }, url);
  return h("a", { href: url, target: "_blank", rel: "noopener noreferrer", class: "mono wrap" }, label || url);
}

/** A button that opens another entity in this dialog. */
function opens(kind, id) {
  return h(
    "button",
    { type: "button", class: "linklike mono", dataset: { open: kind, id }, "aria-label": `Open ${kind} ${id}` },
    id,
  );
}

function progressBar(progress) {
  const share = Math.min(1, Math.max(0, Number(progress) || 0));
  return h(
    "span",
    { class: "progress" },
    h(
      "span",
      {
        class: "meter",
        role: "progressbar",
        "aria-label": "Progress",
        "aria-valuemin": "0",
        "aria-valuemax": "100",
        "aria-valuenow": String(Math.round(share * 100)),
      },
      h("span", { class: "meter-fill", style: { width: `${share * 100}%` } }),
    ),
    ` ${formatNumber(share * 100)}%`,
  );
}

function renderJob(job) {
  const meta = job.metadata || {};
  const billing = job.billing || {};
  const flow = Array.isArray(meta.flow) ? meta.flow : [];
  const assets = Array.isArray(meta.assetIds) ? meta.assetIds : [];
  return [
    facts([
      ["type", job.jobType, { id: "detail-type" }],
      ["status", statusBadge(job.status), { id: "detail-status", dataset: { status: job.status } }],
      ["progress", progressBar(job.progress), { id: "detail-progress", dataset: { progress: String(job.progress) } }],
      ["CU cost", billing.cuCost, { id: "detail-cu", dataset: { cu: String(billing.cuCost ?? "") } }],
      present(billing.cuDiscount) && ["CU discount", billing.cuDiscount],
      ["created", formatTime(job.createdAt)],
      ["updated", formatTime(job.updatedAt)],
      ["author", job.authorId],
      ["owner", job.ownerId],
      present(meta.workflowId) && ["workflow", meta.workflowId],
      present(meta.workflowJobId) && ["step of", opens("job", meta.workflowJobId)],
      present(meta.outputModelId) && ["trained model", opens("model", meta.outputModelId)],
      present(meta.error) && ["error", h("span", { class: "error-text" }, text(meta.error))],
      present(meta.hint) && ["hint", meta.hint],
    ]),
    h("h3", {}, "Status history"),
    h(
      "ol",
      { class: "timeline", id: "detail-history" },
      (job.statusHistory || []).map((step) =>
        h(
          "li",
          { dataset: { status: step.status } },
          h("time", { class: "mono", datetime: step.date }, formatTime(step.date, { ms: true })),
          " ",
          statusBadge(step.status),
        ),
      ),
    ),
    assets.length
      ? [
          h("h3", {}, `Assets produced (${assets.length})`),
          h("ul", { class: "plain ids" }, assets.map((id) => h("li", {}, opens("asset", id)))),
        ]
      : null,
    flow.length
      ? [
          h("h3", {}, `Flow (${flow.length} nodes)`),
          flowLegend(),
          h("div", { class: "flow-canvas" }, flowGraph(flow, { label: `Flow of ${job.jobId}` })),
          h("details", { class: "flow-as-list" }, h("summary", {}, "The same flow as a list"), flowList(flow)),
        ]
      : null,
  ];
}

function renderAsset(asset) {
  const properties = asset.properties || {};
  const meta = asset.metadata || {};
  return [
    facts([
      ["kind", asset.kind, { id: "detail-kind" }],
      ["status", statusBadge(asset.status), { id: "detail-status", dataset: { status: asset.status } }],
      ["type", meta.type],
      ["source", asset.source],
      ["mime type", asset.mimeType],
      ["privacy", asset.privacy],
      ["created", formatTime(asset.createdAt)],
      ["updated", formatTime(asset.updatedAt)],
      ["author", asset.authorId],
      ["owner", asset.ownerId],
      present(asset.description) && ["description", asset.description],
      ["tags", asset.tags],
      ["collections", asset.collectionIds],
      present(asset.nsfw) && ["NSFW labels", asset.nsfw],
      ["file", link(asset.url, "the asset's URL"), { id: "detail-url" }],
      asset.thumbnail && ["thumbnail", link(asset.thumbnail.url, "the thumbnail's URL")],
      asset.preview && ["preview", link(asset.preview.url, "the preview's URL")],
    ]),
    h("h3", {}, "Properties"),
    facts(Object.entries(properties).map(([name, value]) => [name, value])),
  ];
}

function renderModel(model) {
  return [
    facts([
      ["name", model.name, { id: "detail-name" }],
      ["type", model.type, { id: "detail-type" }],
      ["status", statusBadge(model.status), { id: "detail-status", dataset: { status: model.status } }],
      ["source", model.source],
      ["privacy", model.privacy],
      present(model.shortDescription) && ["description", model.shortDescription],
      ["capabilities", model.capabilities],
      ["custom", model.custom ? "yes" : "no"],
      ["created", formatTime(model.createdAt)],
      ["updated", formatTime(model.updatedAt)],
      ["author", model.authorId],
      ["owner", model.ownerId],
      ["tags", model.tags],
      ["collections", model.collectionIds],
      ["training images", model.trainingImagesNumber],
      present(model.parentModelId) && ["parent model", opens("model", model.parentModelId)],
      present(model.jobId) && ["training job", opens("job", model.jobId)],
      model.thumbnail && ["thumbnail", link(model.thumbnail.url, "the thumbnail's URL")],
    ]),
  ];
}

const RENDER = { job: renderJob, asset: renderAsset, model: renderModel };

async function show(kind, id) {
  const dialog = $("#detail-dialog");
  const spec = KINDS[kind];
  const generation = ++view.generation;
  dialog.dataset.kind = kind;
  dialog.dataset.id = id;
  dialog.dataset.state = "loading";
  fill($("#detail-title"), `${spec.title} `, h("code", {}, id));
  $("#detail-back").hidden = view.stack.length < 2;
  const body = $("#detail-body");
  fill(body, h("p", { class: "muted" }, `Reading ${spec.path}${id} …`));
  const path = spec.path + encodeURIComponent(id);
  let result;
  try {
    result = await api.getApi(path, [], view.scenario);
    if (generation !== view.generation) return;
    api.checked(result, path);
  } catch (error) {
    if (generation !== view.generation) return;
    const status = error instanceof api.HttpError ? `${error.status}: ` : "";
    fill(body, h("p", { class: "error-text", id: "detail-error", role: "alert" }, `${status}${error.message}`));
    dialog.dataset.state = "error";
    return;
  }
  const entity = result.json[spec.key] || {};
  const heading = entity.status ? [" ", statusBadge(entity.status)] : [];
  fill($("#detail-title"), `${spec.title} `, h("code", {}, id), heading);
  fill(
    body,
    RENDER[kind](entity),
    h(
      "details",
      { class: "raw" },
      h("summary", {}, `The API's answer (GET ${path}, ${Math.round(result.ms)} ms)`),
      h("pre", { class: "body", tabindex: "0", "aria-label": "Response body" }, JSON.stringify(result.json, null, 2)),
    ),
  );
  dialog.dataset.state = "ready";
}

/** Open `kind` ("job", "asset", "model") `id` of `scenario` in the dialog; closing it focuses `opener` again. */
export function openDetail(kind, id, opener, scenario) {
  if (!KINDS[kind] || !id) return;
  const dialog = $("#detail-dialog");
  view.opener = opener || null;
  view.scenario = scenario || "";
  view.stack = [{ kind, id }];
  if (!dialog.open) dialog.showModal();
  $("#detail-close").focus();
  return show(kind, id);
}

/** Wire the dialog: Close, Back, links between entities, and the focus going back to the opener on close. */
export function wireDetail() {
  const dialog = $("#detail-dialog");
  $("#detail-close").addEventListener("click", () => dialog.close());
  $("#detail-back").addEventListener("click", () => {
    if (view.stack.length < 2) return;
    view.stack.pop();
    const { kind, id } = view.stack[view.stack.length - 1];
    $("#detail-close").focus();
    show(kind, id);
  });
  $("#detail-body").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-open]");
    if (!button) return;
    view.stack.push({ kind: button.dataset.open, id: button.dataset.id });
    $("#detail-close").focus();
    show(button.dataset.open, button.dataset.id);
  });
  dialog.addEventListener("close", () => {
    view.generation += 1; // answers still on their way are for a closed dialog
    const { opener } = view;
    view.opener = null;
    if (opener && opener.isConnected) opener.focus();
    else if (opener && opener.dataset && opener.dataset.open) {
      // The table was redrawn while the dialog was open: focus the same id's button in the new one.
      const { open, id } = opener.dataset;
      const same = document.querySelector(
        `#activity-rows button[data-open="${CSS.escape(open)}"][data-id="${CSS.escape(id)}"]`,
      );
      if (same) same.focus();
    }
  });
}
