// The live page: reads the admin listener's event stream with fetch (EventSource cannot send the
// admin token as a header, and the token must never go in a URL), and acts through the admin API.
"use strict";

const WINDOW_S = 300;
const $ = (id) => document.getElementById(id);
let adminToken = sessionStorage.getItem("hecharness-admin-token");
let samples = [];          // {time, totals} of each tick, for the rates
let rows = [];             // recent request rows, newest first
const MAX_ROWS = 300;       // kept for the filters
const MAX_SHOWN = 100;      // drawn: under load every tick replaces them all, and drawing is the page's cost

function headers(extra) {
  const h = Object.assign({}, extra || {});
  if (adminToken) h["Authorization"] = "Bearer " + adminToken;
  return h;
}

async function api(method, path, body) {
  const init = { method, headers: headers(body === undefined ? {} : { "Content-Type": "application/json" }) };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await fetch(path, init);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || response.status + " " + response.statusText);
  return data;
}

function text(value) { return value === null || value === undefined ? "" : String(value); }

function cell(tr, value, cls) {
  const td = document.createElement("td");
  td.textContent = text(value);
  if (cls) td.className = cls;
  tr.appendChild(td);
  return td;
}

function statusClass(status) { return "st" + String(status).charAt(0); }

function when(t) {
  // Wall-clock times read as a time of day; a virtual clock's small numbers read as seconds.
  return t > 1e9 ? new Date(t * 1000).toLocaleTimeString() : t.toFixed(3);
}

// -- stream ------------------------------------------------------------------------------------

async function connect() {
  let response;
  try {
    response = await fetch("/live/stream", { headers: headers() });
  } catch (error) {
    return retry();
  }
  if (response.status === 401) return askForToken(adminToken ? "that token was refused" : "");
  if (!response.ok) return retry();
  $("login").hidden = true;
  $("live").hidden = false;
  setConnection(true);
  rows = [];  // each stream starts with the newest rows again: keep them once
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (message.startsWith("data: ")) update(JSON.parse(message.slice(6)));
      }
    }
  } catch (error) {
    /* the server went away, or a message could not be shown: reconnect below */
  } finally {
    reader.cancel().catch(() => {});  // never leave a stream open behind the new one
  }
  retry();
}

function retry() {
  setConnection(false);
  setTimeout(connect, 1000);
}

function setConnection(on) {
  $("connection").textContent = on ? "live" : "disconnected";
  $("connection").className = "badge " + (on ? "on" : "off");
}

function askForToken(message) {
  $("live").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message;
  setConnection(false);
}

$("login").addEventListener("submit", (e) => {
  e.preventDefault();
  adminToken = $("admin-token").value;
  sessionStorage.setItem("hecharness-admin-token", adminToken);
  connect();
});

// -- rendering ---------------------------------------------------------------------------------

// Drawing is what an open page costs the machine (it shares the cores with the server under test),
// so the table and chart are drawn at most twice a second, however fast requests arrive.
const DRAW_EVERY_S = 0.5;
let drawnAt = 0, rowsChanged = false;

function update(snapshot) {
  $("health-now").textContent = snapshot.settings.health;
  $("errors").textContent = snapshot.errors;
  for (const r of snapshot.requests) rows.unshift(r);
  if (rows.length > MAX_ROWS) rows.length = MAX_ROWS;
  rowsChanged = rowsChanged || snapshot.requests.length > 0;
  samples.push({ time: snapshot.time, totals: snapshot.totals });
  while (samples.length > 2 && samples[0].time < snapshot.time - WINDOW_S) samples.shift();
  const now = performance.now() / 1000;
  if (now - drawnAt >= DRAW_EVERY_S) {
    drawnAt = now;
    if (rowsChanged) renderRequests();
    rowsChanged = false;
    renderChart();
  }
  renderSettings(snapshot.settings);
  // Tables are rebuilt only when they change, so a button under the pointer stays the same element.
  changed("faults", snapshot.faults, renderFaults);
  changed("tokens", snapshot.tokens, renderTokens);
  changed("acks", snapshot.acks, renderAcks);
}

const shown = {};
function changed(name, value, render) {
  const json = JSON.stringify(value);
  if (shown[name] === json) return;
  shown[name] = json;
  render(value);
}

function matches(r) {
  const status = $("filter-status").value.trim();
  const path = $("filter-path").value.trim();
  const channel = $("filter-channel").value.trim();
  return (!status || String(r.status).startsWith(status))
    && (!path || r.path.includes(path))
    && (!channel || text(r.channel).includes(channel));
}

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
function escape(value) { return text(value).replace(/[&<>"']/g, (c) => ESCAPES[c]); }

function renderRequests() {
  // One string for the whole table: far cheaper for the browser than a node per cell.
  const html = [];
  for (const r of rows) {
    if (!matches(r)) continue;
    if (html.length === MAX_SHOWN) break;
    const cells = [r.id, when(r.time), r.method + " " + r.path, r.status, r.code, r.fault, r.channel, r.token,
      r.events, r.bytes_in, r.bytes_decoded, (r.duration * 1000).toFixed(2)].map(escape);
    cells[3] = `<td class="${statusClass(r.status)}">${cells[3]}`;
    html.push(`<tr data-id="${r.id}">` + cells.map((c, i) => (i === 3 ? c : "<td>" + c) + "</td>").join("") + "</tr>");
  }
  $("request-rows").innerHTML = html.join("");
}

$("request-rows").addEventListener("click", (e) => {
  const tr = e.target.closest("tr");
  if (tr) showRequest(Number(tr.dataset.id));
});

async function showRequest(id) {
  const pre = $("request-detail");
  pre.hidden = false;
  try {
    const d = await api("GET", "/live/requests/" + id);
    const head = Object.entries(d.headers).map(([k, v]) => k + ": " + v).join("\n");
    pre.textContent = `#${d.id} ${d.method} ${d.path}${d.query ? "?" + d.query : ""} -> ${d.status}`
      + (d.code !== null ? ` code ${d.code}` : "") + (d.note ? `\n(${d.note})` : "")
      + "\n\n" + head + "\n\nfirst events:\n" + (d.lines.join("\n") || "(none)");
  } catch (error) {
    pre.textContent = error.message;
  }
}

for (const id of ["filter-status", "filter-path", "filter-channel"]) $(id).addEventListener("input", renderRequests);

function sum(values) { return Object.values(values).reduce((a, b) => a + b, 0); }

function byClass(totals, digit) {
  let n = 0;
  for (const [status, count] of Object.entries(totals)) if (status.charAt(0) === digit) n += count;
  return n;
}

function rates() {
  // One point per pair of ticks, averaged over a second so a single tick's jitter does not spike.
  const points = [];
  for (let i = 1; i < samples.length; i++) {
    let j = i - 1;
    while (j > 0 && samples[i].time - samples[j].time < 1) j--;
    const a = samples[j], b = samples[i], dt = b.time - a.time;
    if (dt <= 0) continue;
    const rate = (f) => Math.max(0, (f(b.totals) - f(a.totals)) / dt);
    points.push({
      time: b.time,
      s2: rate((t) => byClass(t.requests, "2")),
      s4: rate((t) => byClass(t.requests, "4")),
      s5: rate((t) => byClass(t.requests, "5")),
      sev: rate((t) => sum(t.events)),
      all: rate((t) => sum(t.requests)),
    });
  }
  return points;
}

function renderChart() {
  const points = rates();
  const svg = $("chart");
  svg.replaceChildren();
  if (!points.length) return;
  const last = points[points.length - 1];
  $("rate-requests").textContent = last.all.toFixed(1);
  $("rate-events").textContent = last.sev.toFixed(1);
  const top = Math.max(1, ...points.map((p) => Math.max(p.s2, p.s4, p.s5, p.sev)));
  const x = (t) => 600 - (last.time - t) * 600 / WINDOW_S;
  const y = (v) => 135 - v * 125 / top;
  for (const [series, color] of [["s2", "#2a9d8f"], ["s4", "#e76f51"], ["s5", "#c1121f"], ["sev", "#457b9d"]]) {
    const line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
    line.setAttribute("points", points.map((p) => x(p.time).toFixed(1) + "," + y(p[series]).toFixed(1)).join(" "));
    line.setAttribute("fill", "none");
    line.setAttribute("stroke", color);
    line.setAttribute("stroke-width", "1.5");
    line.setAttribute("vector-effect", "non-scaling-stroke");
    svg.appendChild(line);
  }
  const label = document.createElementNS("http://www.w3.org/2000/svg", "text");
  label.setAttribute("x", "4"); label.setAttribute("y", "12"); label.setAttribute("font-size", "10");
  label.textContent = top.toFixed(0) + "/s";
  svg.appendChild(label);
}

function renderFaults(faults) {
  const body = $("fault-rows");
  body.replaceChildren();
  for (const f of faults) {
    const tr = document.createElement("tr");
    tr.dataset.name = f.name;
    cell(tr, f.name); cell(tr, f.spec); cell(tr, f.matched); cell(tr, f.fired, "fired");
    const button = document.createElement("button");
    button.textContent = "remove";
    button.className = "remove";
    button.addEventListener("click", () => act(() => api("DELETE", "/faults/" + encodeURIComponent(f.name)), "fault-error"));
    cell(tr, "").appendChild(button);
    body.appendChild(tr);
  }
}

async function act(action, errorId) {
  $(errorId).textContent = "";
  try {
    return await action();
  } catch (error) {
    $(errorId).textContent = error.message;
  }
}

$("fault-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const added = await act(() => api("POST", "/faults", { spec: $("fault-spec").value }), "fault-error");
  if (added) $("fault-spec").value = "";
});
$("fault-clear").addEventListener("click", () => act(() => api("DELETE", "/faults"), "fault-error"));

let editing = false;  // the settings inputs keep what the user types until Apply
function renderSettings(settings) {
  if (editing) return;
  $("health").value = settings.health;
  $("ack-delay").value = settings.ack_delay;
}
for (const id of ["health", "ack-delay"]) {
  $(id).addEventListener("focus", () => { editing = true; });
  $(id).addEventListener("input", () => { editing = true; });
}
$("settings-apply").addEventListener("click", async () => {
  const delay = Number($("ack-delay").value);
  await act(() => api("PATCH", "/settings", { health: $("health").value, ack_delay: delay }), "settings-error");
  editing = false;
});

function renderTokens(tokens) {
  const body = $("token-rows");
  body.replaceChildren();
  for (const t of tokens) {
    const tr = document.createElement("tr");
    cell(tr, t.name); cell(tr, t.value); cell(tr, t.ack ? "yes" : "no"); cell(tr, t.enabled ? "yes" : "no");
    const button = document.createElement("button");
    button.textContent = t.enabled ? "disable" : "enable";
    button.addEventListener("click", () =>
      act(() => api("PATCH", "/tokens/" + encodeURIComponent(t.name), { enabled: !t.enabled }), "settings-error"));
    cell(tr, "").appendChild(button);
    body.appendChild(tr);
  }
}

function renderAcks(acks) {
  const body = $("ack-rows");
  body.replaceChildren();
  for (const [channel, a] of Object.entries(acks)) {
    const tr = document.createElement("tr");
    cell(tr, channel); cell(tr, a.issued); cell(tr, a.polled); cell(tr, a.true); cell(tr, a.false); cell(tr, a.pending);
    body.appendChild(tr);
  }
}

$("delivery-file").addEventListener("change", async (e) => {
  const file = e.target.files[0];
  if (file) $("delivery-lines").value = await file.text();
});

$("delivery-check").addEventListener("click", async () => {
  const lines = $("delivery-lines").value.split("\n").filter((l) => l.trim());
  const key = $("delivery-key").value.trim();
  let body = { lines };
  if (key) {
    const record = (line) => {
      try {
        const v = JSON.parse(line);
        if (v && typeof v === "object") return v;
      } catch (error) { /* a bare key value */ }
      return { [key]: line.trim() };
    };
    body = { records: lines.map(record), key };
  }
  const pre = $("delivery-report");
  try {
    const r = await api("POST", "/journal/delivery", body);
    pre.textContent = `expected ${r.expected}, delivered ${r.delivered}, missing ${r.missing}, duplicated ${r.duplicated}, `
      + `unexpected ${r.unexpected}` + (r.first_missing.length ? "\nfirst missing:\n" + r.first_missing.join("\n") : "");
  } catch (error) {
    pre.textContent = error.message;
  }
});

async function loadHealthStates() {
  try {
    const states = await api("GET", "/live/health-states");
    $("health").replaceChildren(...states.map((s) => Object.assign(document.createElement("option"), { value: s, textContent: s })));
  } catch (error) { /* asked again after the token is given */ setTimeout(loadHealthStates, 1000); }
}

loadHealthStates();
connect();
