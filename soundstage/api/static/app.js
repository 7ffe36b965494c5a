// The soundstage playground: forms from each app's input schema, runs through the queue, results played.
// No framework, no build step. The key lives in localStorage and travels only in the Authorization header.
"use strict";

const KEY_STORE = "soundstage.key";
const NAMESPACES = ["workflows", "comfy"]; // fal: these first segments are namespaces (owner/alias follow)
const TEXTAREA_FIELDS = ["prompt", "input", "text", "script", "lyrics"];
const $ = (id) => document.getElementById(id);

const state = { apps: [], app: null, fields: [], voices: null, run: null, lang: "python", prefill: {} };

// --- small helpers --------------------------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child);
  return node;
}

function key() { return localStorage.getItem(KEY_STORE) || ""; }

function authHeaders() {
  const k = key();
  return k ? { Authorization: `Key ${k}` } : {};
}

async function api(path, options = {}) {
  const headers = { ...(options.headers || {}), ...authHeaders() };
  return fetch(path, { ...options, headers });
}

async function readJson(response) {
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = text; }
  if (!response.ok) {
    const detail = body && (body.message || body.detail);
    const message = typeof detail === "string" ? detail : JSON.stringify(detail || body);
    throw new Error(`${response.status}: ${message}`);
  }
  return body;
}

function endpointRoot(id) {
  const parts = id.split("/").filter(Boolean);
  return parts.slice(0, NAMESPACES.includes(parts[0]) ? 3 : 2).join("/");
}

function bytes(n) {
  if (n == null) return "";
  const units = ["B", "KB", "MB", "GB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i += 1; }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}

function titleOf(name, prop) {
  const title = prop.title || name.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
  return title.replace(/\bUrl(s?)\b/g, "URL$1").replace(/\bId\b/g, "ID");
}

// --- the key --------------------------------------------------------------------------------------------

async function checkKey() {
  const session = await readJson(await api("/playground/session"));
  const button = $("key-button");
  const missing = session.auth_required && !session.key_accepted;
  button.classList.toggle("missing", missing);
  button.textContent = !session.auth_required ? "No key needed" : missing ? "Add API key" : "API key ✓";
  $("key-status").textContent = !session.auth_required ? "This server runs without keys."
    : session.key_accepted ? "Key accepted." : key() ? "This key is not accepted by the server." : "No key saved yet.";
  return session;
}

function showKeyPanel(open) {
  $("key-panel").hidden = !open;
  $("key-button").setAttribute("aria-expanded", String(open));
  if (open) $("key-input").focus();
}

function setupKey() {
  $("key-button").addEventListener("click", () => showKeyPanel($("key-panel").hidden));
  $("key-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = $("key-input").value.trim();
    if (value) localStorage.setItem(KEY_STORE, value);
    $("key-input").value = "";
    const session = await checkKey();
    if (session.key_accepted) showKeyPanel(false);
  });
  $("key-forget").addEventListener("click", async () => {
    localStorage.removeItem(KEY_STORE);
    await checkKey();
  });
}

// --- apps and routing -----------------------------------------------------------------------------------

async function loadApps() {
  const body = await readJson(await fetch("/apps"));
  state.apps = body.apps.slice().sort((a, b) => groupOf(a).localeCompare(groupOf(b)) || a.id.localeCompare(b.id));
  const menu = $("app-menu");
  const select = $("app-select");
  let group = "";
  for (const app of state.apps) {
    if (groupOf(app) !== group) {
      group = groupOf(app);
      menu.append(el("li", { class: "group", role: "presentation", text: group }));
    }
    menu.append(el("li", {}, el("button", { type: "button", "data-app": app.id,
      onclick: () => { location.hash = `#/app/${app.id}`; } }, app.title, el("small", { text: app.id }))));
    select.append(el("option", { value: app.id, text: `${app.title} — ${app.id}` }));
  }
  select.addEventListener("change", () => { location.hash = `#/app/${select.value}`; });
}

function groupOf(app) {
  return "video" in (app.output_schema.properties || {}) ? "Video" : "Audio";
}

function route() {
  const hash = location.hash || "#/";
  const voices = hash.startsWith("#/voices");
  $("view-apps").hidden = voices;
  $("view-voices").hidden = !voices;
  for (const [id, current] of [["nav-apps", !voices], ["nav-voices", voices]]) {
    if (current) $(id).setAttribute("aria-current", "page");
    else $(id).removeAttribute("aria-current");
  }
  if (voices) { showVoices(); return; }
  const [path, query] = hash.slice(2).split("?");
  state.prefill = Object.fromEntries(new URLSearchParams(query || ""));
  const id = path.startsWith("app/") ? decodeURIComponent(path.slice(4)) : defaultApp();
  const app = state.apps.find((a) => a.id === id) || state.apps.find((a) => a.id === defaultApp());
  if (app) showApp(app);
}

function defaultApp() {
  const seed = state.apps.find((a) => a.id === "bytedance/seed-audio-1.0");
  return (seed || state.apps[0] || {}).id;
}

function showApp(app) {
  state.app = app;
  for (const button of document.querySelectorAll("#app-menu button")) {
    button.setAttribute("aria-current", String(button.dataset.app === app.id));
  }
  $("app-select").value = app.id;
  $("app-title").textContent = app.title;
  $("app-id").textContent = app.id;
  $("app-description").textContent = app.description || "";
  document.title = `${app.title} · soundstage`;
  buildForm(app);
  updateSnippet();
}

// --- the form, from the input JSON schema ---------------------------------------------------------------

function resolveRef(schema, root) {
  if (schema && schema.$ref) return (root.$defs || {})[schema.$ref.split("/").pop()] || {};
  return schema || {};
}

function describe(name, prop, root, required) {
  let schema = resolveRef(prop, root);
  let choices = null;
  let nullable = false;
  if (schema.anyOf) {
    const variants = schema.anyOf.map((v) => resolveRef(v, root));
    const real = variants.filter((v) => v.type !== "null");
    nullable = real.length < variants.length;
    if (real.length === 1) schema = { ...real[0], ...schema, anyOf: undefined, type: real[0].type };
    else choices = real.flatMap((v) => v.enum || []);
  }
  const spec = { name, schema, required, nullable, title: titleOf(name, prop),
    description: prop.description || schema.description || "", default: prop.default ?? schema.default };
  if (choices) return { ...spec, kind: "combo", choices };
  if (name.endsWith("_urls")) return { ...spec, kind: "files", accept: acceptOf(name), max: schema.maxItems };
  if (name.endsWith("_url")) return { ...spec, kind: "file", accept: acceptOf(name) };
  if (schema.enum) return { ...spec, kind: "select", choices: schema.enum };
  if (schema.type === "boolean") return { ...spec, kind: "toggle" };
  if (schema.type === "integer" || schema.type === "number") {
    const ranged = schema.minimum !== undefined && schema.maximum !== undefined
      && schema.maximum - schema.minimum <= 100000;
    return { ...spec, kind: ranged ? "slider" : "number" };
  }
  if (name === "voice") return { ...spec, kind: "voice" };
  if (TEXTAREA_FIELDS.includes(name) || (schema.maxLength || 0) > 400 || schema["x-ui"] === "textarea") {
    return { ...spec, kind: "textarea" };
  }
  return { ...spec, kind: "text" };
}

function acceptOf(name) {
  if (name.startsWith("audio")) return "audio/*";
  if (name.startsWith("image") || name.includes("image")) return "image/*";
  if (name.startsWith("video")) return "video/*";
  return "";
}

function buildForm(app) {
  const root = app.input_schema;
  const required = root.required || [];
  const fields = $("fields");
  fields.replaceChildren();
  state.fields = Object.entries(root.properties || {}).map(([name, prop]) => {
    const spec = describe(name, prop, root, required.includes(name));
    const field = makeField(spec);
    fields.append(field.node);
    if (state.prefill[name] !== undefined) field.set(state.prefill[name]);
    return field;
  });
}

function fieldShell(spec, control, wide = false) {
  const id = `f-${spec.name}`;
  const helpId = `${id}-help`;
  control.id = control.id || id;
  if (spec.description) control.setAttribute("aria-describedby", helpId);
  const label = el("label", { for: control.id }, spec.title,
    spec.required ? el("span", { class: "required", "aria-hidden": "true", text: " *" }) : null);
  const help = spec.description ? el("p", { class: "help", id: helpId, text: spec.description }) : null;
  return el("div", { class: `field${wide ? " wide" : ""}`, "data-field": spec.name }, label, help);
}

function makeField(spec) {
  const makers = { textarea: textareaField, select: selectField, toggle: toggleField, slider: sliderField,
    number: numberField, file: fileField, files: filesField, voice: voiceField, combo: comboField, text: textField };
  const field = makers[spec.kind](spec);
  field.spec = spec;
  field.dirty = false;
  field.node.addEventListener("input", () => { field.dirty = true; updateSnippet(); });
  field.node.addEventListener("change", () => { field.dirty = true; updateSnippet(); });
  return field;
}

function textareaField(spec) {
  const area = el("textarea", { name: spec.name, rows: 7, required: spec.required,
    maxlength: spec.schema.maxLength, placeholder: spec.name === "prompt" ? "Hello! Type what should be heard." : "" });
  const node = fieldShell(spec, area, true);
  node.insertBefore(area, node.querySelector(".help"));
  if (spec.name === "prompt") node.append(promptExamples());
  return { node, value: () => area.value, set: (v) => { area.value = v; }, focus: () => area.focus() };
}

function promptExamples() {
  const script = [
    "INT. CONVENIENCE STORE - NIGHT",
    "[ambience: rain on the window]",
    "CLERK (whispering): Who's there?",
    "[sfx: door chime]",
    "MIA: Just me. [pause 0.5s] Sorry.",
  ].join("\n");
  return el("details", { class: "examples" }, el("summary", { text: "Prompt examples: text, script, references" }),
    el("p", { text: "Text is spoken as written. A script gives each speaker a voice, with directions and sound cues:" }),
    el("pre", { text: script }),
    el("p", { text: "Reference clips (the audio files below) are @Audio1, @Audio2…: “Read this in the voice of @Audio1.” "
      + "or “Hello there, with @Audio1 as the background.” An instruction (“A short suspense radio drama in a "
      + "late-night store.”) is directed into a scene." }));
}

function selectField(spec) {
  const select = el("select", { name: spec.name });
  if (spec.nullable) select.append(el("option", { value: "", text: "(none)" }));
  for (const choice of spec.choices) {
    select.append(el("option", { value: String(choice), text: String(choice) + (choice === spec.default ? " (default)" : "") }));
  }
  if (spec.default !== undefined && spec.default !== null) select.value = String(spec.default);
  const node = fieldShell(spec, select);
  node.insertBefore(select, node.querySelector(".help"));
  const typed = spec.schema.type === "integer" || spec.schema.type === "number";
  return { node, value: () => (select.value === "" ? null : typed ? Number(select.value) : select.value),
    set: (v) => { select.value = String(v); } };
}

function toggleField(spec) {
  const box = el("input", { type: "checkbox", name: spec.name, id: `f-${spec.name}` });
  box.checked = Boolean(spec.default);
  const label = el("label", { class: "toggle", for: box.id }, box, spec.title);
  const node = el("div", { class: "field", "data-field": spec.name }, label,
    spec.description ? el("p", { class: "help", id: `f-${spec.name}-help`, text: spec.description }) : null);
  if (spec.description) box.setAttribute("aria-describedby", `f-${spec.name}-help`);
  return { node, value: () => box.checked, set: (v) => { box.checked = v === true || v === "true"; } };
}

function sliderField(spec) {
  const s = spec.schema;
  const step = s.type === "integer" ? 1 : (s.maximum - s.minimum) / 100 >= 1 ? 1 : 0.05;
  const start = spec.default ?? s.minimum;
  const range = el("input", { type: "range", min: s.minimum, max: s.maximum, step, value: start,
    "aria-label": `${spec.title} slider` });
  const number = el("input", { type: "number", name: spec.name, min: s.minimum, max: s.maximum, step, value: start });
  range.addEventListener("input", () => { number.value = range.value; });
  number.addEventListener("input", () => { range.value = number.value; });
  const node = fieldShell(spec, number);
  node.insertBefore(el("div", { class: "slider" }, range, number), node.querySelector(".help"));
  return { node, value: () => (number.value === "" ? null : Number(number.value)),
    set: (v) => { number.value = v; range.value = v; } };
}

function numberField(spec) {
  const s = spec.schema;
  const input = el("input", { type: "number", name: spec.name, min: s.minimum, max: s.maximum,
    step: s.type === "integer" ? 1 : "any", placeholder: spec.default ?? (spec.nullable ? "random" : "") });
  if (spec.default !== undefined && spec.default !== null) input.value = spec.default;
  const node = fieldShell(spec, input);
  node.insertBefore(input, node.querySelector(".help"));
  return { node, value: () => (input.value === "" ? null : Number(input.value)), set: (v) => { input.value = v; } };
}

function textField(spec) {
  const input = el("input", { type: "text", name: spec.name, maxlength: spec.schema.maxLength });
  if (typeof spec.default === "string") input.value = spec.default;
  const node = fieldShell(spec, input);
  node.insertBefore(input, node.querySelector(".help"));
  return { node, value: () => (input.value === "" ? null : input.value), set: (v) => { input.value = v; } };
}

function comboField(spec) {
  const listId = `f-${spec.name}-choices`;
  const input = el("input", { type: "text", name: spec.name, list: listId, inputmode: "text" });
  if (spec.default !== undefined && spec.default !== null) input.value = spec.default;
  const list = el("datalist", { id: listId }, spec.choices.map((c) => el("option", { value: String(c) })));
  const node = fieldShell(spec, input);
  node.insertBefore(el("div", {}, input, list), node.querySelector(".help"));
  const value = () => {
    const raw = input.value.trim();
    if (raw === "") return null;
    return Number.isFinite(Number(raw)) ? Number(raw) : raw;
  };
  return { node, value, set: (v) => { input.value = v; } };
}

function voiceField(spec) {
  const listId = "voice-choices";
  const input = el("input", { type: "text", name: spec.name, list: listId, autocomplete: "off",
    placeholder: spec.default || "automatic" });
  if (typeof spec.default === "string") input.value = spec.default;
  const node = fieldShell(spec, input);
  const list = el("datalist", { id: listId });
  node.insertBefore(el("div", {}, input, list), node.querySelector(".help"));
  loadVoices().then((voices) => {
    list.replaceChildren(...voices.map((v) => el("option", { value: v.id, text: `${v.gender}, ${v.languages.join(" ")}` })));
  }).catch(() => {});
  return { node, value: () => (input.value.trim() === "" ? null : input.value.trim()), set: (v) => { input.value = v; } };
}

function uploadControl(spec, multiple, onUrl) {
  const picker = el("input", { type: "file", accept: spec.accept || null, multiple,
    "aria-label": `Upload ${spec.title.toLowerCase()}` });
  const status = el("span", { class: "help", role: "status" });
  picker.addEventListener("change", async () => {
    for (const file of picker.files) {
      status.textContent = `Uploading ${file.name}…`;
      try {
        onUrl(await upload(file), file);
        status.textContent = `Uploaded ${file.name} (${bytes(file.size)}).`;
      } catch (error) {
        status.textContent = `Upload of ${file.name} failed: ${error.message}`;
      }
    }
    picker.value = "";
  });
  return el("div", { class: "files" }, picker, status);
}

function fileField(spec) {
  const input = el("input", { type: "url", name: spec.name, placeholder: "https://… or pick a file below" });
  const node = fieldShell(spec, input, true);
  const picker = uploadControl(spec, false, (url) => {
    input.value = url;
    input.dispatchEvent(new Event("input", { bubbles: true }));
  });
  node.insertBefore(el("div", { class: "files" }, input, picker), node.querySelector(".help"));
  return { node, value: () => (input.value.trim() === "" ? null : input.value.trim()), set: (v) => { input.value = v; } };
}

function filesField(spec) {
  const area = el("textarea", { name: spec.name, rows: 2, placeholder: "One URL per line, or pick files below" });
  const node = fieldShell(spec, area, true);
  const picker = uploadControl(spec, true, (url) => {
    area.value = (area.value.trim() ? `${area.value.trim()}\n` : "") + url;
    area.dispatchEvent(new Event("input", { bubbles: true }));
  });
  node.insertBefore(el("div", { class: "files" }, area, picker), node.querySelector(".help"));
  const value = () => {
    const urls = area.value.split("\n").map((s) => s.trim()).filter(Boolean);
    return urls.length ? urls : null;
  };
  return { node, value, set: (v) => { area.value = Array.isArray(v) ? v.join("\n") : v; } };
}

async function upload(file) {
  const type = file.type || "application/octet-stream";
  const target = await readJson(await api("/rest/storage/upload/initiate", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ content_type: type, file_name: file.name }) }));
  const put = await fetch(target.upload_url, { method: "PUT", headers: { "Content-Type": type }, body: file });
  if (!put.ok) throw new Error(`upload refused (${put.status})`);
  return target.file_url;
}

function payload() {
  const body = {};
  for (const field of state.fields) {
    const value = field.value();
    if (value === null || value === undefined) continue;
    if (field.spec.required || field.dirty || field.spec.name in state.prefill) body[field.spec.name] = value;
  }
  return body;
}

// --- running: submit, status stream, result --------------------------------------------------------------

async function submit(event) {
  event.preventDefault();
  if (state.run && !state.run.done) return;
  const app = state.app;
  const body = payload();
  const missing = state.fields.filter((f) => f.spec.required && (body[f.spec.name] === undefined || body[f.spec.name] === ""));
  resetRun();
  if (missing.length) {
    showStatus(`Fill in: ${missing.map((f) => f.spec.title).join(", ")}.`, "failed");
    (missing[0].focus || (() => missing[0].node.querySelector("input,textarea,select").focus()))();
    return;
  }
  $("run-button").disabled = true;
  try {
    const queued = await readJson(await api(`/queue/${app.id}`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) }));
    const base = `/queue/${endpointRoot(app.id)}/requests/${queued.request_id}`;
    state.run = { id: queued.request_id, base, done: false };
    $("cancel-button").disabled = false;
    showStatus(`In queue (position ${queued.queue_position ?? 0}) · ${queued.request_id}`);
    await followStatus(state.run);
    await showResult(state.run);
  } catch (error) {
    showStatus(error.message, "failed");
  } finally {
    if (state.run) state.run.done = true;
    $("run-button").disabled = false;
    $("cancel-button").disabled = true;
  }
}

function resetRun() {
  $("run").hidden = false;
  $("result").hidden = true;
  $("run-logs").replaceChildren();
  $("run-progress").value = 0;
  $("run-progress").removeAttribute("value");
  showStatus("Submitting…");
}

function showStatus(text, kind = "") {
  const status = $("run-status");
  status.textContent = text;
  status.className = kind;
}

async function followStatus(run) {
  const response = await api(`${run.base}/status/stream?logs=1`);
  if (!response.ok) await readJson(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const chunk = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const data = chunk.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5)).join("\n");
      if (data) onStatus(JSON.parse(data));
    }
  }
}

function onStatus(body) {
  for (const line of body.logs || []) {
    $("run-logs").append(el("span", { class: line.level, text: `${line.level.padEnd(5)} ${line.message}\n` }));
    $("run-logs").scrollTop = $("run-logs").scrollHeight;
  }
  if (typeof body.progress === "number") $("run-progress").value = body.progress;
  if (body.status === "IN_QUEUE") showStatus(`In queue, position ${body.queue_position} · ${body.request_id}`);
  else if (body.status === "IN_PROGRESS") {
    const pct = typeof body.progress === "number" ? ` ${Math.round(body.progress * 100)}%` : "";
    showStatus(`Running${pct} · ${body.request_id}`);
  } else if (body.status === "COMPLETED") {
    if (body.error) showStatus(`Failed: ${body.error}`, "failed");
    else showStatus(`Done in ${(body.metrics?.inference_time ?? 0).toFixed(2)} s · ${body.request_id}`, "done");
    $("run-progress").value = body.error ? 0 : 1;
  }
}

async function cancel() {
  if (!state.run || state.run.done) return;
  await api(`${state.run.base}/cancel`, { method: "PUT" });
  showStatus("Cancelling…");
}

async function showResult(run) {
  const response = await api(run.base);
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    showStatus(`Failed: ${body.message || response.status}`, "failed");
    return;
  }
  const result = await response.json();
  $("result").hidden = false;
  $("result-json").textContent = JSON.stringify(result, null, 2);
  const files = collectFiles(result);
  $("downloads").replaceChildren(...files.map(({ path, file }) => el("li", {},
    el("a", { href: file.url, download: file.file_name || true, text: file.file_name || file.url }),
    ` — ${path}, ${file.content_type || "file"}, ${bytes(file.file_size)}`)));
  const media = result.video || result.audio || files.map((f) => f.file)
    .find((f) => /^(audio|video)\//.test(f.content_type || ""));
  showMedia(media, result);
}

function collectFiles(value, path = "") {
  if (Array.isArray(value)) return value.flatMap((item, i) => collectFiles(item, `${path}[${i}]`));
  if (!value || typeof value !== "object") return [];
  if (typeof value.url === "string" && (value.content_type || value.file_name)) return [{ path: path || "output", file: value }];
  return Object.entries(value).flatMap(([k, v]) => collectFiles(v, path ? `${path}.${k}` : k));
}

function showMedia(media, result) {
  const player = $("player");
  player.replaceChildren();
  const canvas = $("picture");
  canvas.hidden = true;
  $("words").hidden = true;
  if (!media) return;
  const video = /^video\//.test(media.content_type || "") || media === result.video;
  const node = el(video ? "video" : "audio", { controls: true, preload: "auto", crossorigin: "anonymous",
    src: media.url, id: "result-media", "aria-label": video ? "Result video" : "Result audio" });
  const vtt = result.subtitles && result.subtitles.vtt;
  if (video && vtt && vtt.url) {
    node.append(el("track", { kind: "subtitles", label: "Subtitles", srclang: "en", src: vtt.url, default: true }));
  }
  player.append(node);
  if (Array.isArray(result.timestamps) && result.timestamps.length) showWords(result.timestamps, node);
  drawWaveform(media.url, canvas, node);
}

function showWords(words, media) {
  const box = $("words");
  box.hidden = false;
  let speaker = null;
  const spans = [];
  box.replaceChildren();
  for (const w of words) {
    if (w.speaker && w.speaker !== speaker) {
      speaker = w.speaker;
      box.append(el("span", { class: "speaker", text: `${speaker}: ` }));
    }
    const span = el("span", { text: w.word, "data-start": w.start, onclick: () => { media.currentTime = w.start; media.play(); } });
    spans.push([w, span]);
    box.append(span, " ");
  }
  media.addEventListener("timeupdate", () => {
    const t = media.currentTime;
    for (const [w, span] of spans) span.classList.toggle("now", t >= w.start && t < w.end);
  });
}

async function drawWaveform(url, canvas, media) {
  try {
    const data = await (await fetch(url)).arrayBuffer();
    const audio = await new OfflineAudioContext(1, 1, 48000).decodeAudioData(data);
    media.dataset.decodedDuration = audio.duration.toFixed(3);
    media.dataset.decodedChannels = String(audio.numberOfChannels);
    paint(canvas, audio.getChannelData(0));
    canvas.hidden = false;
  } catch (error) {
    media.dataset.decodedDuration = "error";
    canvas.hidden = true;
  }
}

function paint(canvas, samples) {
  const ctx = canvas.getContext("2d");
  const { width, height } = canvas;
  const styles = getComputedStyle(document.documentElement);
  ctx.clearRect(0, 0, width, height);
  ctx.fillStyle = styles.getPropertyValue("--accent").trim() || "#3b4cca";
  const per = Math.max(1, Math.floor(samples.length / width));
  for (let x = 0; x < width; x += 1) {
    let lo = 0;
    let hi = 0;
    for (let i = x * per; i < Math.min((x + 1) * per, samples.length); i += 1) {
      if (samples[i] < lo) lo = samples[i];
      if (samples[i] > hi) hi = samples[i];
    }
    const top = ((1 - hi) / 2) * height;
    ctx.fillRect(x, top, 1, Math.max(1, ((hi - lo) / 2) * height));
  }
}

// --- code snippets ---------------------------------------------------------------------------------------

function pyLiteral(value, indent = 1) {
  const pad = "    ".repeat(indent);
  if (value === null) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (Array.isArray(value)) return `[${value.map((v) => pyLiteral(v, indent + 1)).join(", ")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value);
    if (!entries.length) return "{}";
    const inner = entries.map(([k, v]) => `${pad}    ${JSON.stringify(k)}: ${pyLiteral(v, indent + 1)},`).join("\n");
    return `{\n${inner}\n${pad}}`;
  }
  return JSON.stringify(value);
}

function snippet(lang, app, body) {
  const server = location.origin;
  if (lang === "python") {
    return [
      "import os",
      "",
      "import fal_client",
      "import soundstage.falclient",
      "",
      `soundstage.falclient.use_server(${JSON.stringify(server)})`,
      "client = fal_client.SyncClient(key=os.environ[\"FAL_KEY\"])",
      "result = client.subscribe(",
      `    ${JSON.stringify(app.id)},`,
      `    arguments=${pyLiteral(body)},`,
      "    with_logs=True,",
      ")",
      "print(result)",
    ].join("\n");
  }
  const input = JSON.stringify(body, null, 2).replace(/\n/g, "\n  ");
  return [
    "import { createFalClient } from \"@fal-ai/client\";",
    "",
    "const fal = createFalClient({",
    "  credentials: process.env.FAL_KEY,",
    `  proxyUrl: { url: ${JSON.stringify(`${server}/fal/proxy`)}, when: "always" },`,
    "});",
    `const result = await fal.subscribe(${JSON.stringify(app.id)}, {`,
    `  input: ${input},`,
    "  logs: true,",
    "  onQueueUpdate: (update) => console.log(update.status),",
    "});",
    "console.log(result.data);",
  ].join("\n");
}

function updateSnippet() {
  if (!state.app) return;
  $("code").textContent = snippet(state.lang, state.app, payload());
}

function setupSnippet() {
  const tabs = [["python", $("tab-python")], ["js", $("tab-js")]];
  for (const [lang, tab] of tabs) {
    tab.addEventListener("click", () => {
      state.lang = lang;
      for (const [other, button] of tabs) button.setAttribute("aria-selected", String(other === lang));
      updateSnippet();
    });
    tab.addEventListener("keydown", (event) => {
      if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
      const next = tabs[(tabs.findIndex(([l]) => l === lang) + 1) % tabs.length][1];
      next.focus();
      next.click();
    });
  }
  $("copy-button").addEventListener("click", async () => {
    const text = $("code").textContent;
    try {
      await navigator.clipboard.writeText(text);
      $("copy-button").textContent = "Copied";
    } catch {
      const range = document.createRange();
      range.selectNodeContents($("code"));
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      $("copy-button").textContent = "Selected: press Ctrl+C";
    }
    setTimeout(() => { $("copy-button").textContent = "Copy"; }, 2000);
  });
}

// --- voices ---------------------------------------------------------------------------------------------

async function loadVoices() {
  if (!state.voices) {
    state.voices = fetch("/voices").then(readJson).then((body) => body.voices);
  }
  return state.voices;
}

async function showVoices() {
  document.title = "Voices · soundstage";
  const voices = await loadVoices();
  const language = $("filter-language");
  if (language.options.length === 1) {
    const codes = [...new Set(voices.flatMap((v) => v.languages))].sort();
    language.append(...codes.map((c) => el("option", { value: c, text: c })));
  }
  renderVoices(voices);
}

function renderVoices(voices) {
  const lang = $("filter-language").value;
  const gender = $("filter-gender").value;
  const kind = $("filter-kind").value;
  const text = $("filter-text").value.trim().toLowerCase();
  const shown = voices.filter((v) => (!lang || v.languages.includes(lang)) && (!gender || v.gender === gender)
    && (!kind || v.kind === kind) && (!text || `${v.id} ${v.description}`.toLowerCase().includes(text)));
  $("voices-count").textContent = `${shown.length} of ${voices.length} voices`;
  $("voice-list").replaceChildren(...shown.map((v) => el("li", { "data-voice": v.id },
    el("span", { class: "name", text: v.id }),
    el("span", { class: "meta", text: `${v.gender} · ${v.kind}` }),
    el("span", { class: "tags" }, v.languages.map((l) => el("span", { text: l }))),
    el("span", { text: v.description }),
    el("div", { class: "row" },
      el("button", { type: "button", "aria-label": `Play the preview of ${v.id}`, text: "Play preview",
        onclick: () => playPreview(v) }),
      el("button", { type: "button", class: "ghost", "aria-label": `Use ${v.id} in the playground`, text: "Use",
        onclick: () => { location.hash = `#/app/${defaultApp()}?voice=${encodeURIComponent(v.id)}`; } })))));
}

function playPreview(voice) {
  const player = $("voice-player");
  player.src = voice.preview_url;
  player.hidden = false;
  player.setAttribute("aria-label", `Preview of ${voice.id}`);
  player.play().catch(() => {});
}

function setupVoices() {
  for (const id of ["filter-language", "filter-gender", "filter-kind", "filter-text"]) {
    $(id).addEventListener("input", async () => renderVoices(await loadVoices()));
  }
  $("voice-filters").addEventListener("submit", (event) => event.preventDefault());
}

// --- start ----------------------------------------------------------------------------------------------

async function start() {
  setupKey();
  setupSnippet();
  setupVoices();
  $("app-form").addEventListener("submit", submit);
  $("app-form").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) submit(event);
  });
  $("cancel-button").addEventListener("click", cancel);
  window.addEventListener("hashchange", route);
  const session = await checkKey();
  if (session.auth_required && !session.key_accepted) showKeyPanel(true);
  await loadApps();
  route();
  document.body.dataset.ready = "true";
}

start().catch((error) => {
  $("app-title").textContent = `The page could not start: ${error.message}`;
});
