// Podium console: plain JavaScript over the REST API and the SSE event stream, with the
// token in sessionStorage sent as a bearer header. Every value from the server goes into
// the page as text (textContent), never as HTML.
"use strict";

const TOKEN_KEY = "podium.token";
const main = document.getElementById("main");
const statusLine = document.getElementById("status");
let session = { token: sessionStorage.getItem(TOKEN_KEY), admin: false, who: "" };
// What the current view runs (streams, timers): stopped when the view changes.
let viewCleanups = [];

// --- helpers ------------------------------------------------------------------------

function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

function say(message, kind = "info") {
  statusLine.textContent = message;
  statusLine.className = message ? `status ${kind}` : "status";
}

const enc = encodeURIComponent;
const number = (value) => (typeof value === "number" ? value.toLocaleString("en-US", { maximumFractionDigits: 6 }) : "");
const percent = (value) => (typeof value === "number" ? value.toFixed(1) : "");

class ProblemError extends Error {
  constructor(status, code, detail) {
    super(`${code}: ${detail}`);
    this.status = status;
  }
}

// A call to the API with the token. 401 signs out with a clear message; any other
// error status throws a ProblemError with the server's code and detail.
async function api(method, path, body, { signal, quiet401 = false } = {}) {
  const headers = { Authorization: `Bearer ${session.token}`, Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
  const text = await response.text();
  const json = text ? safeJSON(text) : null;
  if (response.ok) return json;
  const problem = json && json.code ? json : { code: `http_${response.status}`, detail: text.slice(0, 200) };
  if (response.status === 401 && !quiet401) {
    signOut("That token was refused or has expired: sign in again.");
  }
  throw new ProblemError(response.status, problem.code, problem.detail);
}

function safeJSON(text) {
  try { return JSON.parse(text); } catch { return null; }
}

function failed(error) {
  if (error.name === "AbortError") return;
  if (error instanceof ProblemError && error.status === 401) return;  // signOut said it
  say(error.message, "error");
}

function onView(cleanup) { viewCleanups.push(cleanup); }

function every(milliseconds, task) {
  task();
  const timer = setInterval(task, milliseconds);
  onView(() => clearInterval(timer));
}

// --- the event stream over fetch (EventSource cannot send a bearer header) ------------

// Calls onEvent(message) for each event of the board's stream with `query`, and onState
// (true/false) as it connects and drops; reconnects after 2 s, resuming after the last
// seq. Returns a function that stops it.
function streamEvents(board, query, onEvent, onState) {
  const controller = new AbortController();
  let lastSeq = null;
  let stopped = false;
  async function run() {
    while (!stopped) {
      try {
        const since = lastSeq === null ? "" : `&since=${lastSeq}`;
        const response = await fetch(`/v1/boards/${enc(board)}/events?${query}${since}`, {
          headers: { Authorization: `Bearer ${session.token}`, Accept: "text/event-stream" },
          signal: controller.signal,
        });
        if (response.status === 401) { signOut("That token was refused or has expired: sign in again."); return; }
        if (!response.ok) throw new Error(`event stream: HTTP ${response.status}`);
        onState(true);
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = block.split("\n").filter((line) => line.startsWith("data:")).map((line) => line.slice(5).trimStart()).join("\n");
            if (!data) continue;  // a keepalive comment or the retry line
            const message = safeJSON(data);
            if (!message) continue;
            if (typeof message.seq === "number") lastSeq = message.seq;
            onEvent(message);
          }
        }
      } catch (error) {
        if (stopped || error.name === "AbortError") return;
      }
      onState(false);
      if (!stopped) await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
  run();
  return () => { stopped = true; controller.abort(); };
}

// --- routing ----------------------------------------------------------------------------

function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  session = { token: null, admin: false, who: "" };
  // Not `location.hash =`: its hashchange would render again and clear the message.
  history.replaceState(null, "", "#/signin");
  render().then(() => { if (message) say(message, "error"); });
}

async function render() {
  for (const cleanup of viewCleanups) cleanup();
  viewCleanups = [];
  say("");
  const route = location.hash.replace(/^#\/?/, "").split("/");
  document.getElementById("nav").hidden = !session.token;
  document.getElementById("nav-admin").hidden = !session.admin;
  document.getElementById("who").textContent = session.token ? session.who : "";
  main.replaceChildren();
  if (!session.token || route[0] === "signin") return signInView();
  try {
    if (route[0] === "board" && route[1]) return await boardView(decodeURIComponent(route.slice(1).join("/")));
    if (route[0] === "admin" && session.admin) return await adminView();
    return await boardsView();
  } catch (error) {
    failed(error);
  }
}

// Who the token speaks for, which decides what the pages offer.
async function learnRole() {
  const caller = await api("GET", "/v1/whoami", undefined, { quiet401: true });
  session.admin = caller.role === "admin";
  session.who = `${caller.role} · ${caller.role === "player" ? caller.player : caller.key}`;
}

// --- views ------------------------------------------------------------------------------

function signInView() {
  const input = h("input", { id: "token", type: "password", autocomplete: "off", required: true, spellcheck: "false" });
  const form = h("form", {
    onsubmit: async (event) => {
      event.preventDefault();
      session.token = input.value.trim();
      try {
        await learnRole();
        sessionStorage.setItem(TOKEN_KEY, session.token);
        location.hash = "#/boards";
        await render();
      } catch (error) {
        session.token = null;
        say(error instanceof ProblemError && error.status === 401
          ? "That token was refused or has expired." : error.message, "error");
      }
    },
  },
  h("label", { for: "token" }, "API key or session token", input),
  h("button", { type: "submit" }, "Sign in"));
  main.append(h("section", { class: "signin" },
    h("h1", {}, "Sign in"),
    h("p", { class: "muted" }, "The token stays in this tab (sessionStorage) and is sent only to this server."),
    form));
  input.focus();
}

async function boardsView() {
  main.append(h("h1", {}, "Boards"));
  const body = h("tbody");
  main.append(h("div", { class: "table-wrap" }, h("table", { id: "boards" },
    h("thead", {}, h("tr", {},
      h("th", {}, "Name"), h("th", {}, "Order"), h("th", {}, "Update"), h("th", { class: "hide-narrow" }, "Tie-break"),
      h("th", { class: "num hide-narrow" }, "Max size"), h("th", { class: "num" }, "Size"), h("th", { class: "num" }, "Events/s"),
      session.admin ? h("th", {}, "") : null)),
    body)));
  if (session.admin) main.append(createBoardForm());

  // The rate of each board's events, from its seq between two reads.
  let previous = new Map();
  every(2000, async () => {
    try {
      const now = performance.now();
      const { boards } = await api("GET", "/v1/boards");
      const rows = boards.map((board) => {
        const before = previous.get(board.name);
        const rate = before ? ((board.seq - before.seq) * 1000) / (now - before.at) : null;
        return h("tr", {},
          h("td", { class: "member" }, h("a", { href: `#/board/${enc(board.name)}` }, board.name)),
          h("td", {}, board.order), h("td", {}, board.update), h("td", { class: "hide-narrow" }, board.tie_break),
          h("td", { class: "num hide-narrow" }, board.max_size ?? "—"), h("td", { class: "num" }, number(board.size)),
          h("td", { class: "num" }, rate === null ? "…" : rate.toFixed(1)),
          session.admin ? h("td", {}, dropButton(board.name)) : null);
      });
      previous = new Map(boards.map((board) => [board.name, { seq: board.seq, at: now }]));
      body.replaceChildren(...(rows.length ? rows : [h("tr", {}, h("td", { colspan: 8, class: "muted" }, "No boards yet."))]));
    } catch (error) {
      failed(error);
    }
  });
}

function dropButton(name) {
  return h("button", {
    type: "button", class: "danger", "aria-label": `Drop board ${name}`,
    onclick: async () => {
      if (!confirm(`Drop board "${name}" and every score on it?`)) return;
      try {
        await api("DELETE", `/v1/boards/${enc(name)}`);
        say(`Dropped board ${name}.`);
        if (location.hash.startsWith("#/board/")) location.hash = "#/boards";
        else await render();
      } catch (error) { failed(error); }
    },
  }, "Drop");
}

function select(id, label, options) {
  return h("label", { for: id }, label, h("select", { id }, ...options.map((option) => h("option", { value: option }, option))));
}

function createBoardForm() {
  const form = h("form", {
    id: "create-board",
    onsubmit: async (event) => {
      event.preventDefault();
      const value = (id) => form.querySelector(`#${id}`).value;
      const config = { order: value("order"), update: value("update"), tie_break: value("tie-break"),
        player_submit: form.querySelector("#player-submit").checked };
      for (const [id, field] of [["max-size", "max_size"], ["min-score", "min_score"], ["max-score", "max_score"]]) {
        if (value(id)) config[field] = Number(value(id));
      }
      if (value("reset") !== "none") {
        config.reset = { every: value("reset"), at: value("reset-at") || "00:00", timezone: value("timezone") || "UTC" };
        if (value("keep")) config.reset.keep = Number(value("keep"));
      }
      try {
        await api("PUT", `/v1/boards/${enc(value("board-name"))}`, config);
        say(`Board ${value("board-name")} is ready.`);
        await render();
      } catch (error) { failed(error); }
    },
  },
  h("label", { for: "board-name" }, "Name", h("input", { id: "board-name", required: true, maxlength: 64, pattern: "[A-Za-z0-9_.\\-]+" })),
  select("order", "Order", ["desc", "asc"]),
  select("update", "Update", ["best", "set", "incr"]),
  select("tie-break", "Tie-break", ["earliest", "member"]),
  h("label", { for: "max-size" }, "Max size", h("input", { id: "max-size", type: "number", min: 1, inputmode: "numeric" })),
  h("label", { for: "min-score" }, "Min score", h("input", { id: "min-score", type: "number", step: "any" })),
  h("label", { for: "max-score" }, "Max score", h("input", { id: "max-score", type: "number", step: "any" })),
  h("label", { class: "inline", for: "player-submit" }, h("input", { id: "player-submit", type: "checkbox" }), "Players submit"),
  select("reset", "Seasons", ["none", "daily", "weekly", "monthly"]),
  h("label", { for: "reset-at" }, "Ends at", h("input", { id: "reset-at", type: "time", value: "00:00" })),
  h("label", { for: "timezone" }, "Time zone", h("input", { id: "timezone", placeholder: "UTC", maxlength: 64, spellcheck: "false" })),
  h("label", { for: "keep" }, "Seasons kept", h("input", { id: "keep", type: "number", min: 1, max: 1000, inputmode: "numeric", placeholder: "10" })),
  h("button", { type: "submit" }, "Create board"));
  return h("section", {}, h("h2", {}, "New board"), form);
}

async function boardView(name) {
  const board = await api("GET", `/v1/boards/${enc(name)}`);
  // `board@season`: a past season, read-only and still.
  const season = name.includes("@");
  const live = h("span", { class: "live", id: "live" }, season ? "past season" : "connecting");
  const limit = h("select", { id: "top-n", "aria-label": "Rows" }, ...[10, 25, 50, 100].map((n) => h("option", { value: n }, `top ${n}`)));
  const body = h("tbody");
  const summary = h("p", { class: "muted", id: "board-summary" });
  main.append(
    h("h1", {}, board.name),
    h("p", { class: "muted" }, `${board.order} · ${board.update} · ties: ${board.tie_break}`,
      board.max_size ? ` · max ${number(board.max_size)} members` : "", board.player_submit ? " · players submit" : "",
      board.min_score !== null || board.max_score !== null ? ` · scores ${number(board.min_score) || "…"} to ${number(board.max_score) || "…"}` : "",
      board.reset ? ` · ${board.reset.every} seasons` : "",
      // A past season keeps its board's schedule but has no next end (null).
      board.next_reset ? `, next ends ${new Date(board.next_reset).toLocaleString()}` : ""),
    h("div", { class: "toolbar" }, limit, live, session.admin && !season ? dropButton(board.name) : null),
    h("div", { class: "table-wrap" }, h("table", { id: "top" },
      h("thead", {}, h("tr", {}, h("th", { class: "num" }, "Rank"), h("th", {}, "Member"), h("th", { class: "num" }, "Score"),
        h("th", { class: "num hide-narrow" }, "Shared"), h("th", { class: "num hide-narrow" }, "Percentile"), h("th", {}, "Move"))),
      body)),
    summary,
    memberSearch(board.name));
  if (!season) main.append(seasonsSection(board.name));

  // Ranks last shown, by member, to show who moved.
  let shown = new Map();
  let pending = null;
  async function refresh() {
    pending = null;
    try {
      const page = await api("GET", `/v1/boards/${enc(board.name)}/top?limit=${limit.value}`);
      const rows = page.entries.map((entry) => {
        const before = shown.get(entry.member);
        let move = "", moveClass = "";
        if (shown.size && before === undefined) { move = "new"; moveClass = "up"; }
        else if (before > entry.rank) { move = `▲ ${before - entry.rank}`; moveClass = "up"; }
        else if (before < entry.rank) { move = `▼ ${entry.rank - before}`; moveClass = "down"; }
        return h("tr", { class: move ? "flash" : "", "data-member": entry.member },
          h("td", { class: "num" }, entry.rank),
          h("td", { class: "member" }, entry.member, entry.metadata ? h("div", { class: "metadata" }, describeMetadata(entry.metadata)) : null),
          h("td", { class: "num" }, number(entry.score)),
          h("td", { class: "num hide-narrow" }, entry.shared_rank), h("td", { class: "num hide-narrow" }, percent(entry.percentile)),
          h("td", { class: moveClass, "aria-label": move ? `moved ${move}` : "" }, move));
      });
      shown = new Map(page.entries.map((entry) => [entry.member, entry.rank]));
      body.replaceChildren(...(rows.length ? rows : [h("tr", {}, h("td", { colspan: 6, class: "muted" }, "No scores yet."))]));
      summary.textContent = `${number(page.total)} members`;
    } catch (error) { failed(error); }
  }
  // Events come in bursts: one re-read per 100 ms at most.
  const scheduleRefresh = () => { pending ??= setTimeout(refresh, 100); };

  let stop = null;
  function follow() {
    if (stop) stop();
    shown = new Map();
    refresh();
    if (season) return;
    stop = streamEvents(board.name, `top=${limit.value}`, (message) => {
      if (message.type === "board_dropped") { say(`Board ${board.name} was dropped.`, "error"); return; }
      if (message.type === "board_reset") {
        say(`The season ended: it is ${board.name}@${message.season} now, and the board starts empty.`);
        shown = new Map();
        document.dispatchEvent(new Event("podium-seasons"));
      }
      scheduleRefresh();
    }, (on) => { live.textContent = on ? "live" : "reconnecting"; live.classList.toggle("on", on); });
  }
  limit.addEventListener("change", follow);
  follow();
  onView(() => { if (stop) stop(); if (pending) clearTimeout(pending); });
}

// An entry's metadata as `key: value` pairs, values as compact JSON unless strings.
function describeMetadata(metadata) {
  return Object.entries(metadata).map(([key, value]) => `${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`).join(" · ");
}

function seasonsSection(board) {
  const body = h("tbody");
  async function load() {
    try {
      const { seasons } = await api("GET", `/v1/boards/${enc(board)}/seasons`);
      const rows = seasons.map((season) => h("tr", {},
        h("td", { class: "member" }, h("a", { href: `#/board/${enc(`${board}@${season.id}`)}` }, season.id)),
        h("td", { class: "hide-narrow" }, season.from ? new Date(season.from).toLocaleString() : "—"),
        h("td", {}, new Date(season.to).toLocaleString()), h("td", { class: "num" }, number(season.size))));
      body.replaceChildren(...(rows.length ? rows : [h("tr", {}, h("td", { colspan: 4, class: "muted" }, "No past seasons."))]));
    } catch (error) { failed(error); }
  }
  const reload = () => load();
  document.addEventListener("podium-seasons", reload);
  onView(() => document.removeEventListener("podium-seasons", reload));
  load();
  const reset = h("button", {
    type: "button", class: "danger", id: "reset-season",
    onclick: async () => {
      if (!confirm(`End the season of "${board}" now? The board is archived and starts empty.`)) return;
      try {
        const season = await api("POST", `/v1/boards/${enc(board)}/reset`);
        say(`Archived as ${board}@${season.id} (${number(season.size)} members).`);
        await load();
      } catch (error) { failed(error); }
    },
  }, "End season now");
  return h("section", {}, h("h2", {}, "Past seasons"),
    h("div", { class: "table-wrap" }, h("table", { id: "seasons" },
      h("thead", {}, h("tr", {}, h("th", {}, "Season"), h("th", { class: "hide-narrow" }, "From"), h("th", {}, "To"), h("th", { class: "num" }, "Size"))),
      body)),
    session.admin ? reset : null);
}

function memberSearch(board) {
  const input = h("input", { id: "member", required: true, maxlength: 128, spellcheck: "false", autocomplete: "off" });
  const result = h("div", { id: "member-result", "aria-live": "polite" });
  const form = h("form", {
    id: "member-search",
    onsubmit: async (event) => {
      event.preventDefault();
      const member = input.value;
      result.replaceChildren();
      try {
        // A lookup answers a missing member with 200 and `missing`, not a 404 the browser logs.
        const { entries: [entry] } = await api("POST", `/v1/boards/${enc(board)}/members:lookup`, { members: [member] });
        if (!entry) {
          result.append(h("p", {}, `No member “${member}” on this board.`));
          return;
        }
        const around = await api("GET", `/v1/boards/${enc(board)}/around/${enc(member)}?radius=5`);
        const card = (label, value) => h("div", { class: "card" }, h("div", { class: "label" }, label), h("div", { class: "value" }, value));
        result.append(
          h("div", { class: "cards" }, card("Member", entry.member), card("Rank", entry.rank), card("Score", number(entry.score)),
            card("Shared rank", entry.shared_rank), card("Percentile", percent(entry.percentile)),
            entry.metadata ? card("Metadata", describeMetadata(entry.metadata)) : null),
          h("div", { class: "table-wrap" }, h("table", { id: "around" },
            h("thead", {}, h("tr", {}, h("th", { class: "num" }, "Rank"), h("th", {}, "Member"), h("th", { class: "num" }, "Score"))),
            h("tbody", {}, ...around.entries.map((row) => h("tr", { class: row.member === entry.member ? "self" : "" },
              h("td", { class: "num" }, row.rank), h("td", { class: "member" }, row.member), h("td", { class: "num" }, number(row.score))))))));
      } catch (error) { failed(error); }
    },
  },
  h("label", { for: "member" }, "Member id", input),
  h("button", { type: "submit", id: "member-find" }, "Find"));
  return h("section", {}, h("h2", {}, "Find a member"), form, result);
}

async function adminView() {
  main.append(h("h1", {}, "Admin"));
  const cards = h("div", { class: "cards", id: "stats" });
  const snapshotResult = h("span", { class: "muted" });
  main.append(h("section", {}, h("h2", {}, "Server"), cards,
    h("div", { class: "toolbar" },
      h("button", { type: "button", id: "snapshot", onclick: async () => {
        try {
          const written = await api("POST", "/v1/admin/snapshot");
          snapshotResult.textContent = `${written.file}, ${number(written.bytes)} bytes`;
        } catch (error) { failed(error); }
      } }, "Take a snapshot"), snapshotResult)));
  main.append(trafficChart(), await keysSection(), sessionsSection());

  every(2000, async () => {
    try {
      const stats = await api("GET", "/v1/admin/stats");
      const card = (label, value) => h("div", { class: "card" }, h("div", { class: "label" }, label), h("div", { class: "value" }, value));
      const subscribers = Object.values(stats.events.subscribers).reduce((a, b) => a + b, 0);
      cards.replaceChildren(card("Boards", number(stats.boards)), card("Members", number(stats.members)),
        card("Keys", number(stats.keys)), card("Sessions", number(stats.sessions)), card("Memory", `${(stats.resident_bytes / 1048576).toFixed(0)} MiB`),
        card("fsync", stats.fsync), card("Subscribers", number(subscribers)), card("Events", number(stats.events.published)));
    } catch (error) { failed(error); }
  });
}

// Submits a second and their p99 (from the latency histogram's buckets), from /metrics.
function trafficChart() {
  const points = [];
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("class", "chart");
  svg.setAttribute("viewBox", "0 0 300 100");
  svg.setAttribute("role", "img");
  const rateLine = document.createElementNS(svg.namespaceURI, "polyline");
  rateLine.setAttribute("class", "rate");
  const p99Line = document.createElementNS(svg.namespaceURI, "polyline");
  p99Line.setAttribute("class", "p99");
  svg.append(rateLine, p99Line);
  const legend = h("p", { class: "muted", id: "traffic" }, "…");
  let last = null;
  every(2000, async () => {
    try {
      const response = await fetch("/metrics", { headers: { Authorization: `Bearer ${session.token}` } });
      if (!response.ok) return;
      const sample = submitCounters(await response.text());
      const at = performance.now();
      if (last) {
        const seconds = (at - last.at) / 1000;
        const count = sample.count - last.count;
        const rate = Math.max(0, count / seconds);
        let p99 = 0;
        if (count > 0) {
          const target = count * 0.99;
          const bound = sample.buckets.find(([le, n]) => n - (last.buckets.find(([l]) => l === le)?.[1] ?? 0) >= target);
          p99 = bound ? bound[0] * 1000 : 0;
        }
        points.push({ rate, p99 });
        if (points.length > 60) points.shift();
        const top = Math.max(1, ...points.map((p) => p.rate));
        const topP99 = Math.max(1, ...points.map((p) => (Number.isFinite(p.p99) ? p.p99 : 0)));
        const line = (value, max) => points.map((p, i) => `${(i * 300) / 59},${100 - (Math.min(value(p), max) / max) * 95}`).join(" ");
        rateLine.setAttribute("points", line((p) => p.rate, top));
        p99Line.setAttribute("points", line((p) => (Number.isFinite(p.p99) ? p.p99 : topP99), topP99));
        const p99Text = count === 0 ? "no submits" : Number.isFinite(p99) ? `p99 ≤ ${p99} ms` : "p99 > 10 s";
        legend.textContent = `submits/s ${rate.toFixed(1)} (blue) · ${p99Text} (red)`;
        svg.setAttribute("aria-label", legend.textContent);
      }
      last = { at, ...sample };
    } catch (error) { failed(error); }
  });
  return h("section", {}, h("h2", {}, "Score submits"), svg, legend);
}

// Successful score submits (single and batch) and their cumulative latency buckets.
function submitCounters(text) {
  const route = /http_route="\/v1\/boards\/\{board\}\/scores(\/batch)?",http_request_method="POST",http_response_status_code="2\d\d"/;
  let count = 0;
  const buckets = new Map();
  for (const line of text.split("\n")) {
    if (!route.test(line)) continue;
    const value = Number(line.slice(line.lastIndexOf(" ") + 1));
    if (line.startsWith("hb_requests{")) count += value;
    const le = line.startsWith("http_server_request_duration_bucket{") && line.match(/le="([^"]+)"/);
    if (le) {
      const bound = le[1] === "+Inf" ? Infinity : Number(le[1]);
      buckets.set(bound, (buckets.get(bound) ?? 0) + value);
    }
  }
  return { count, buckets: [...buckets.entries()].sort((a, b) => a[0] - b[0]) };
}

async function keysSection() {
  const body = h("tbody");
  const secret = h("div", { id: "new-key" });
  async function load() {
    const { keys } = await api("GET", "/v1/keys");
    body.replaceChildren(...keys.map((key) => h("tr", {},
      h("td", { class: "member" }, key.name), h("td", {}, key.role), h("td", { class: "hide-narrow" }, key.created_at),
      h("td", {}, key.bootstrap ? h("span", { class: "muted" }, "bootstrap") : h("button", {
        type: "button", class: "danger", "aria-label": `Revoke key ${key.name}`,
        onclick: async () => {
          if (!confirm(`Revoke key "${key.name}"? Clients using it are refused at once.`)) return;
          try { await api("DELETE", `/v1/keys/${enc(key.name)}`); await load(); } catch (error) { failed(error); }
        },
      }, "Revoke")))));
  }
  const form = h("form", {
    id: "create-key",
    onsubmit: async (event) => {
      event.preventDefault();
      try {
        const created = await api("POST", "/v1/keys", { name: form.querySelector("#key-name").value, role: form.querySelector("#key-role").value });
        secret.replaceChildren(h("p", {}, "The key, shown once:"), h("p", { class: "secret" }, created.key));
        await load();
      } catch (error) { failed(error); }
    },
  },
  h("label", { for: "key-name" }, "Name", h("input", { id: "key-name", required: true, maxlength: 64 })),
  select("key-role", "Role", ["server", "admin"]),
  h("button", { type: "submit" }, "Create key"));
  await load();
  return h("section", {}, h("h2", {}, "API keys"),
    h("div", { class: "table-wrap" }, h("table", { id: "keys" },
      h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Role"), h("th", { class: "hide-narrow" }, "Created"), h("th", {}, ""))), body)),
    form, secret);
}

function sessionsSection() {
  const issued = h("div", { id: "new-session" });
  const create = h("form", {
    id: "create-session",
    onsubmit: async (event) => {
      event.preventDefault();
      try {
        const created = await api("POST", "/v1/sessions", {
          player: create.querySelector("#player").value, ttl_seconds: Number(create.querySelector("#ttl").value) });
        issued.replaceChildren(h("p", {}, `Session ${created.session_id}, until ${created.expires_at}; its token, shown once:`),
          h("p", { class: "secret" }, created.token));
      } catch (error) { failed(error); }
    },
  },
  h("label", { for: "player" }, "Player", h("input", { id: "player", required: true, maxlength: 128 })),
  h("label", { for: "ttl" }, "TTL (s)", h("input", { id: "ttl", type: "number", min: 1, value: 3600, required: true })),
  h("button", { type: "submit" }, "Open session"));
  const revoke = h("form", {
    id: "revoke-session",
    onsubmit: async (event) => {
      event.preventDefault();
      const id = revoke.querySelector("#session-id").value;
      try { await api("DELETE", `/v1/sessions/${enc(id)}`); say(`Revoked session ${id}.`); } catch (error) { failed(error); }
    },
  },
  h("label", { for: "session-id" }, "Session id", h("input", { id: "session-id", required: true })),
  h("button", { type: "submit", class: "danger" }, "Revoke"));
  return h("section", {}, h("h2", {}, "Player sessions"), create, issued, revoke);
}

// --- start ------------------------------------------------------------------------------

document.getElementById("sign-out").addEventListener("click", () => signOut(""));
window.addEventListener("hashchange", render);
(async () => {
  if (session.token) {
    try { await learnRole(); } catch { return signOut("That token was refused or has expired: sign in again."); }
  }
  await render();
})();
