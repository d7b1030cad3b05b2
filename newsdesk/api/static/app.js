// newsdesk search page: plain JS, no build step; the time chart is uPlot (static/vendor, MIT).
// Article text is only ever inserted with textContent; the one exception is hit highlights,
// which the server returns HTML-escaped with nothing but <mark> tags.
"use strict";

// Facets in the sidebar, and the filter parameter a click on one of their values sets (or excludes).
const FACETS = [
  { name: "publisher", label: "Publisher", filter: "publisher" },
  { name: "person", label: "People", filter: "entity" },
  { name: "organization", label: "Organizations", filter: "entity" },
  { name: "location", label: "Places", filter: "entity" },
  { name: "norp", label: "Groups", filter: "entity" },
  { name: "event", label: "Events", filter: "entity" },
  { name: "author", label: "Authors", filter: "author" },
  { name: "story_id", label: "Stories", filter: "story_id" },
  { name: "language", label: "Language", filter: "language" },
];
const LIST_FILTERS = ["publisher", "entity", "author", "language", "story_id"];
const FILTER_LABELS = { publisher: "publisher", entity: "entity", author: "author", language: "language", story_id: "story" };
const PAGE_SIZE = 10;
const FACET_PAGE = 10;
const FACET_MORE = 20;
const STORIES_PAGE = 20;
const SURE = 0.9; // newsdesk.stories.SURE: an attribution this sure is a "high" one, and "only speakers the text makes clear" asks for it
const NARROW = window.matchMedia("(max-width: 48rem)");

const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, text = null) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("data-") || k.startsWith("aria-")) node.setAttribute(k, v);
    else node[k] = v;
  }
  if (text !== null && text !== undefined) node.textContent = String(text);
  return node;
}

// ---- state <-> URL -------------------------------------------------------------------------------

function readState() {
  const p = new URLSearchParams(location.search);
  const view = p.get("view");
  const state = {
    q: p.get("q") || "",
    sort: p.get("sort") === "date" ? "date" : "relevance",
    page: Math.max(1, parseInt(p.get("page") || "1", 10) || 1),
    from: p.get("from") || "",
    to: p.get("to") || "",
    undated: p.get("undated") === "true",
    copies: p.get("copies") === "show" ? "show" : "",
    article: p.get("article") || "",
    story: p.get("story") || "",
    view: view === "stories" || view === "saved" ? view : "",
    soff: Math.max(0, parseInt(p.get("soff") || "0", 10) || 0),
    min: p.get("min") === "2" ? 2 : 1,
    sure: p.get("sure") === "true",
    exclude: p.getAll("exclude"),
  };
  for (const key of LIST_FILTERS) state[key] = p.getAll(key);
  return state;
}

function emptyState() {
  const state = { q: "", sort: "relevance", page: 1, from: "", to: "", undated: false, copies: readState().copies,
    article: "", story: "", view: "", soff: 0, min: 1, sure: false, exclude: [] };
  for (const key of LIST_FILTERS) state[key] = [];
  return state;
}

// Back to the search results: leave the article, story, stories and saved views.
function toResults(s) {
  s.article = "";
  s.story = "";
  s.view = "";
  s.soff = 0;
  return s;
}

// The search itself as `/search` (and `/export`, saved searches) take it: query, filters, sort, copies.
function searchParams(state) {
  const p = new URLSearchParams();
  if (state.q) p.set("q", state.q);
  if (state.sort !== "relevance") p.set("sort", state.sort);
  for (const key of LIST_FILTERS) for (const v of state[key]) p.append(key, v);
  for (const v of state.exclude) p.append("exclude", v);
  if (state.from) p.set("from", state.from);
  if (state.to) p.set("to", state.to);
  if (state.undated) p.set("undated", "true");
  if (state.copies !== "show") p.set("collapse", "true");
  return p;
}

// The page state as URL parameters (the search, the page, and which view is open).
function stateParams(state) {
  const p = searchParams(state);
  p.delete("collapse");
  if (state.copies === "show") p.set("copies", "show");
  if (state.page > 1) p.set("page", String(state.page));
  if (state.view) p.set("view", state.view);
  if (state.view === "stories" && state.min > 1) p.set("min", String(state.min));
  if (state.view === "stories" && state.soff > 0) p.set("soff", String(state.soff));
  if (state.story) p.set("story", state.story);
  if (state.story && state.sure) p.set("sure", "true");
  if (state.article) p.set("article", state.article);
  return p;
}

// The page URL of a search given as `/search` parameters (a saved search).
function pageUrlOf(query) {
  const p = new URLSearchParams(query);
  if (p.get("collapse") === "true") p.delete("collapse");
  else { p.delete("collapse"); p.set("copies", "show"); }
  return "?" + p.toString();
}

const hrefOf = (state) => { const qs = stateParams(state).toString(); return qs ? "?" + qs : location.pathname; };

// A link that opens `state` in this page (a real href, so it can be opened in a new tab too).
function stateLink(state, text, attrs = {}) {
  const a = el("a", { ...attrs, href: hrefOf(state) }, text);
  a.addEventListener("click", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button !== 0) return;
    ev.preventDefault();
    navigate(state);
  });
  return a;
}

// A fresh search for one entity (from the article and story views).
function entityLink(name, attrs = {}) {
  return stateLink({ ...emptyState(), entity: [name] }, name, { class: "entity-link", "data-entity": name, ...attrs });
}

function navigate(state) {
  history.pushState(null, "", hrefOf(state));
  window.scrollTo(0, 0); // a new view starts at its top (the browser restores the position on Back)
  render();
}

function update(change) {
  const s = readState();
  change(s);
  s.page = 1;
  navigate(toResults(s));
}

// ---- API -----------------------------------------------------------------------------------------

async function api(path, options = {}) {
  const resp = await fetch(path, { ...options, headers: { Accept: "application/json", ...(options.headers || {}) } });
  let body = null;
  try { body = await resp.json(); } catch (_) { /* no or non-JSON body */ }
  if (!resp.ok) {
    let msg = `${resp.status} ${resp.statusText}`;
    if (body && typeof body.detail === "string") msg = body.detail;
    else if (body && Array.isArray(body.detail) && body.detail.length) msg = body.detail.map((d) => d.msg).join("; ");
    throw new Error(msg);
  }
  return body;
}

function showMessage(text) {
  const box = $("message");
  box.textContent = text || "";
  box.classList.toggle("hidden", !text);
}

// ---- dates ---------------------------------------------------------------------------------------

const plural = (n, one, many) => `${n.toLocaleString("en")} ${n === 1 ? one : many || one + "s"}`;
const iso = (d) => d.toISOString().slice(0, 10);

function formatDate(value) {
  if (!value) return "";
  const d = new Date(String(value).slice(0, 10) + "T00:00:00Z");
  if (isNaN(d)) return String(value);
  return d.toLocaleDateString("en-GB", { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" });
}

function dateSpan(first, last) {
  if (!first && !last) return "";
  if (!first || !last || String(first) === String(last)) return formatDate(first || last);
  return `${formatDate(first)} – ${formatDate(last)}`;
}

// The first day of a `published` bucket ("2021", "2021-09" or "2021-09-06").
function bucketStart(value) {
  const m = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?/.exec(String(value));
  return m ? new Date(Date.UTC(+m[1], m[2] ? +m[2] - 1 : 0, m[3] ? +m[3] : 1)) : null;
}

// The first day of the bucket after the one starting on `d`.
function nextBucket(d, interval) {
  const [y, m, day] = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()];
  if (interval === "year") return new Date(Date.UTC(y + 1, 0, 1));
  if (interval === "month") return new Date(Date.UTC(y, m + 1, 1));
  return new Date(Date.UTC(y, m, day + (interval === "week" ? 7 : 1)));
}

// The start of the bucket holding day `d` (weeks start on Monday).
function floorBucket(d, interval) {
  const [y, m, day] = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()];
  if (interval === "year") return new Date(Date.UTC(y, 0, 1));
  if (interval === "month") return new Date(Date.UTC(y, m, 1));
  if (interval === "week") return new Date(Date.UTC(y, m, day - ((d.getUTCDay() + 6) % 7)));
  return new Date(Date.UTC(y, m, day));
}

const dayBefore = (d) => new Date(d.getTime() - 86400000);

function bucketName(start, interval) {
  const opts = { timeZone: "UTC" };
  if (interval === "year") return String(start.getUTCFullYear());
  if (interval === "month") return start.toLocaleDateString("en-GB", { ...opts, month: "short", year: "numeric" });
  const day = start.toLocaleDateString("en-GB", { ...opts, day: "numeric", month: "short", year: "numeric" });
  return interval === "week" ? "week of " + day : day;
}

// ---- rendering: active filters -------------------------------------------------------------------

function renderChips(state, storyLabels = {}) {
  const list = $("filter-chips");
  list.replaceChildren();
  const chips = [];
  for (const key of LIST_FILTERS) {
    for (const v of state[key]) {
      const shown = key === "story_id" ? storyLabels[v] || v : v;
      chips.push({ label: `${FILTER_LABELS[key]}: ${shown}`, remove: (s) => { s[key] = s[key].filter((x) => x !== v); } });
    }
  }
  for (const v of state.exclude) {
    const [field, ...rest] = v.split(":");
    const value = rest.join(":");
    const shown = field === "story_id" ? storyLabels[value] || value : value;
    chips.push({ label: `not ${FILTER_LABELS[field] || field}: ${shown}`, exclude: true,
      remove: (s) => { s.exclude = s.exclude.filter((x) => x !== v); } });
  }
  if (state.from || state.to) {
    chips.push({ label: `published: ${state.from ? formatDate(state.from) : "…"} – ${state.to ? formatDate(state.to) : "…"}`,
      remove: (s) => { s.from = ""; s.to = ""; } });
  }
  if (state.undated) chips.push({ label: "undated only", remove: (s) => { s.undated = false; } });
  for (const chip of chips) {
    const li = el("li", { class: "chip" + (chip.exclude ? " exclude" : "") });
    li.append(el("span", {}, chip.label));
    const btn = el("button", { type: "button", title: "Remove filter", class: "chip-remove", "aria-label": "Remove filter " + chip.label }, "×");
    btn.addEventListener("click", () => update(chip.remove));
    li.append(btn);
    list.append(li);
  }
  list.classList.toggle("hidden", chips.length === 0);
  const active = chips.length;
  $("filters-toggle").textContent = active ? `Filters (${active})` : "Filters";
}

// ---- rendering: facets ---------------------------------------------------------------------------

function facetValueItem(state, facet, bucket, storyLabels) {
  const key = facet.filter;
  const active = state[key].includes(bucket.value);
  const shown = facet.name === "story_id" ? storyLabels[bucket.value] || bucket.value : bucket.value;
  const li = el("li", { class: "facet-row" });
  const btn = el("button", { type: "button", class: "facet-value" + (active ? " active" : ""), "data-value": bucket.value,
    "aria-pressed": String(active), title: (active ? "Remove the filter " : "Only ") + shown });
  btn.append(el("span", { class: "label" }, shown), el("span", { class: "count" }, bucket.count.toLocaleString("en")));
  btn.addEventListener("click", () => update((s) => {
    s[key] = active ? s[key].filter((x) => x !== bucket.value) : [...s[key], bucket.value];
  }));
  const not = el("button", { type: "button", class: "facet-exclude", "data-value": bucket.value,
    title: `Leave out ${shown}`, "aria-label": `Leave out ${shown}` }, "−");
  not.addEventListener("click", () => update((s) => {
    s[key] = s[key].filter((x) => x !== bucket.value);
    const v = `${key}:${bucket.value}`;
    if (!s.exclude.includes(v)) s.exclude = [...s.exclude, v];
  }));
  li.append(btn, not);
  return li;
}

// One facet: its values, "show more" (paged) and, when there may be more values, a box to filter them by text.
function renderFacet(state, facet, data) {
  const buckets = (data.facets[facet.name] || []).filter((b) => b.count);
  const labels = { ...(data.story_labels || {}) };
  const section = el("section", { class: "facet", "data-facet": facet.name });
  const heading = el("h3", { id: `facet-${facet.name}-heading` }, facet.label);
  section.append(heading);
  const ul = el("ul", { "aria-labelledby": heading.id });
  const more = el("button", { type: "button", class: "facet-more linkish small" }, "Show more");
  const shownValues = () => ul.children.length;
  let contains = "";

  const fill = (items, replace) => {
    if (replace) ul.replaceChildren();
    for (const b of items) ul.append(facetValueItem(state, facet, b, labels));
  };
  // Values from `/facets/{name}` under the same search (offset: how many are shown already).
  const fetchValues = async (offset, size, replace) => {
    const p = searchParams(state);
    p.set("size", String(size));
    p.set("offset", String(offset));
    if (contains) p.set("contains", contains);
    const got = await api(`/facets/${facet.name}?` + p.toString());
    Object.assign(labels, got.story_labels || {});
    fill(got.buckets, replace);
    more.classList.toggle("hidden", !got.more);
    if (replace && !got.buckets.length) ul.append(el("li", { class: "muted small" }, `No ${facet.label.toLowerCase()} match “${contains}”.`));
  };

  if (buckets.length >= FACET_PAGE) {
    const box = el("input", { type: "search", class: "facet-filter", placeholder: `Filter ${facet.label.toLowerCase()}…`,
      "aria-label": `Filter ${facet.label.toLowerCase()}` });
    let timer = null;
    box.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        contains = box.value.trim();
        fetchValues(0, FACET_PAGE, true).catch((err) => showMessage(err.message));
      }, 200);
    });
    section.append(box);
  }
  fill(buckets, true);
  section.append(ul);
  more.classList.toggle("hidden", buckets.length < FACET_PAGE);
  more.setAttribute("aria-label", `Show more ${facet.label.toLowerCase()}`);
  more.addEventListener("click", () => fetchValues(shownValues(), FACET_MORE, false).catch((err) => showMessage(err.message)));
  section.append(more);
  return section;
}

function renderFacets(state, data) {
  const box = $("facets");
  box.replaceChildren();
  for (const facet of FACETS) {
    const buckets = (data.facets[facet.name] || []).filter((b) => b.count);
    if (buckets.length) box.append(renderFacet(state, facet, data));
  }
  if (!box.children.length) box.append(el("p", { class: "muted small" }, "No values to filter by."));
}

// ---- rendering: the time chart -------------------------------------------------------------------

let chart = null;
let chartResize = null;

function destroyChart() {
  if (chartResize) { chartResize.disconnect(); chartResize = null; }
  if (chart) { chart.destroy(); chart = null; }
}

// Every bucket from the first to the last (empty ones too), as bar positions (seconds) and counts.
function bucketSeries(buckets, interval) {
  const counts = new Map(buckets.map((b) => [iso(bucketStart(b.value)), b.count]));
  const xs = [], ys = [], starts = [];
  let d = bucketStart(buckets[0].value);
  const last = bucketStart(buckets[buckets.length - 1].value);
  for (let guard = 0; d <= last && guard < 5000; guard++, d = nextBucket(d, interval)) {
    starts.push(d);
    xs.push(d.getTime() / 1000);
    ys.push(counts.get(iso(d)) || 0);
  }
  return { xs, ys, starts };
}

function renderTimeline(state, data) {
  destroyChart();
  const section = $("timeline");
  const buckets = (data.facets.published || []).filter((b) => b.count);
  const interval = data.interval || "month";
  const undated = typeof data.undated === "number" ? data.undated : null;
  const show = buckets.length > 0 || (undated || 0) > 0 || state.from || state.to || state.undated;
  section.classList.toggle("hidden", !show);
  if (!show) return;
  $("range-from").value = state.from;
  $("range-to").value = state.to;
  const label = $("timeline-label");
  const described = `Published, by ${interval}`;
  label.textContent = described;
  const undatedBtn = $("undated");
  undatedBtn.classList.toggle("hidden", undated === null || (!undated && !state.undated));
  undatedBtn.textContent = state.undated ? "Show dated articles too" : `${plural(undated || 0, "undated article")}`;
  undatedBtn.setAttribute("aria-pressed", String(state.undated));
  undatedBtn.title = state.undated ? "" : "Show only the articles without a publication date";
  const box = $("chart");
  box.replaceChildren();
  box.classList.toggle("hidden", !buckets.length);
  if (!buckets.length || typeof uPlot === "undefined") return;

  const { xs, ys, starts } = bucketSeries(buckets, interval);
  const step = (nextBucket(starts[starts.length - 1], interval).getTime() / 1000) - xs[xs.length - 1];
  const rangeOf = (i) => ({ from: iso(starts[i]), to: iso(dayBefore(nextBucket(starts[i], interval))) });
  const tick = (d) => interval === "year" ? String(d.getUTCFullYear())
    : d.toLocaleDateString("en-GB", interval === "month" ? { month: "short", year: "2-digit", timeZone: "UTC" }
      : { day: "numeric", month: "short", timeZone: "UTC" });
  let dragged = false;
  const opts = {
    width: Math.max(200, box.clientWidth),
    height: NARROW.matches ? 84 : 112,
    legend: { show: false },
    padding: [6, 12, 0, 0],
    cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false }, y: false },
    scales: { x: { time: true, range: () => [xs[0], xs[xs.length - 1] + step] }, y: { range: (u, lo, hi) => [0, Math.max(1, hi)] } },
    axes: [
      { size: 24, gap: 2, font: "11px system-ui, sans-serif", grid: { show: false }, ticks: { size: 3 },
        // a label at the start of every bucket, or of every n-th one when they would crowd
        splits: (u) => {
          const every = Math.max(1, Math.ceil(xs.length * 64 / Math.max(1, u.bbox.width / devicePixelRatio)));
          return xs.filter((_, i) => i % every === 0);
        },
        values: (u, splits) => splits.map((v) => tick(new Date(v * 1000))) },
      { size: 34, gap: 2, font: "11px system-ui, sans-serif", grid: { stroke: "#eef0f3" }, ticks: { show: false },
        values: (u, splits) => splits.map((v) => (Number.isInteger(v) ? v.toLocaleString("en") : "")) },
    ],
    series: [
      {},
      { label: "articles", fill: "rgba(31, 95, 191, 0.55)", stroke: "#1f5fbf", width: 0,
        paths: uPlot.paths.bars({ size: [0.88, 80], align: 1 }), points: { show: false } },
    ],
    hooks: {
      setCursor: [(u) => {
        const i = u.cursor.idx;
        label.textContent = i == null ? described : `${bucketName(starts[i], interval)}: ${plural(ys[i], "article")}`;
      }],
      setSelect: [(u) => {
        if (u.select.width < 4) return;
        const lo = new Date(u.posToVal(u.select.left, "x") * 1000);
        const hi = new Date(u.posToVal(u.select.left + u.select.width, "x") * 1000);
        dragged = true;
        u.setSelect({ left: 0, width: 0, top: 0, height: 0 }, false);
        const from = floorBucket(lo, interval);
        const to = dayBefore(nextBucket(floorBucket(hi, interval), interval));
        update((s) => { s.from = iso(from); s.to = iso(to); s.undated = false; });
      }],
    },
  };
  chart = new uPlot(opts, [xs, ys], box);
  chart.over.addEventListener("click", () => {
    if (dragged) { dragged = false; return; }
    const i = chart.cursor.idx;
    if (i == null || !ys[i]) return;
    const range = rangeOf(i);
    update((s) => { s.from = range.from; s.to = range.to; s.undated = false; });
  });
  chartResize = new ResizeObserver(() => {
    if (chart && box.clientWidth && Math.abs(box.clientWidth - chart.width) > 2) {
      chart.setSize({ width: box.clientWidth, height: chart.height });
    }
  });
  chartResize.observe(box);
}

// ---- rendering: hits -----------------------------------------------------------------------------

// The text of a highlight fragment, parsed inertly (a <template> runs nothing).
function fragmentText(fragment) {
  const t = document.createElement("template");
  t.innerHTML = fragment;
  return t.content.textContent.trim();
}

// What a hit is called: its title; for an untitled article, its lead sentence (marked by `noTitleMark`), else its
// first matching words or its outlet and date. Never "(untitled)".
function hitName(hit) {
  if (hit.title) return hit.title;
  if (hit.lead) return hit.lead;
  const first = (hit.highlights || [])[0];
  if (first) return fragmentText(first);
  return [hit.publisher || "Article", hit.published ? formatDate(hit.published) : "undated"].join(" · ");
}

// The mark beside an untitled article's lead-sentence label.
function noTitleMark() {
  return el("span", { class: "no-title", title: "This article has no title: its lead sentence is shown" }, "no title");
}

// The first sentence of a text, at most 140 characters (an untitled article's label in its own view).
function leadSentence(body) {
  const flat = String(body || "").split(/\s+/).join(" ").trim();
  const first = flat.split(/(?<=[.!?])\s/)[0];
  return first.length <= 140 ? first : first.slice(0, 140).replace(/\s+\S*$/, "") + "…";
}

// How many articles (copies included) each story on this page holds: one /facets request filtered by story_id.
async function storySizes(hits) {
  const ids = [...new Set(hits.map((h) => h.story_id).filter(Boolean))];
  if (!ids.length) return {};
  const p = new URLSearchParams();
  for (const id of ids) p.append("story_id", id);
  p.set("size", String(Math.min(100, ids.length)));
  try {
    const data = await api("/facets/story_id?" + p.toString());
    return Object.fromEntries(data.buckets.map((b) => [b.value, b.count]));
  } catch (_) {
    return {}; // the links still open the story; only the count is missing
  }
}

function renderHits(state, data, sizes = {}, copiesHidden = null) {
  const list = $("hits");
  list.replaceChildren();
  const labels = data.story_labels || {};
  for (const hit of data.hits) {
    const li = el("li", { class: "hit" + (hit.duplicate_of ? " is-copy" : ""), "data-id": hit.id });
    const h = el("h3");
    const s = { ...state, article: hit.id };
    const fragments = hit.highlights || [];
    const name = hitName(hit);
    const titleFragment = hit.title && fragments.find((f) => fragmentText(f) === hit.title.trim());
    const a = stateLink(s, name, { class: "hit-title" + (hit.title ? "" : " lead-label") });
    // Server contract: highlight fragments are escaped text with <mark> only (asserted by the API and its tests).
    if (titleFragment) a.innerHTML = titleFragment;
    h.append(a);
    if (!hit.title) h.append(noTitleMark());
    li.append(h);
    const meta = el("p", { class: "meta" });
    if (hit.publisher) meta.append(el("span", { class: "publisher" }, hit.publisher));
    meta.append(hit.published ? el("time", { dateTime: String(hit.published).slice(0, 10) }, formatDate(hit.published))
      : el("span", { class: "undated" }, "undated"));
    if (hit.language) meta.append(el("span", { class: "language" }, hit.language));
    if (hit.duplicate_of) {
      const copy = el("span", { class: "copy", title: "A near-duplicate of an earlier article" }, "copy");
      meta.append(copy, stateLink({ ...state, article: hit.duplicate_of }, "original", { class: "original-link" }));
    }
    li.append(meta);
    for (const fragment of fragments) {
      if (fragment === titleFragment || (!hit.title && fragmentText(fragment) === name)) continue;
      const p = el("p", { class: "highlight" });
      p.innerHTML = fragment;
      li.append(p);
    }
    if (hit.story_id) {
      const n = sizes[hit.story_id];
      const text = n > 1 ? `${plural(n, "version")} in this story` : "Open the story";
      const p = el("p", { class: "story-line" });
      p.append(stateLink({ ...state, article: "", story: hit.story_id }, text, { class: "story-link", "data-story": hit.story_id }));
      if (labels[hit.story_id] && labels[hit.story_id] !== name) p.append(el("span", { class: "muted story-name" }, labels[hit.story_id]));
      li.append(p);
    }
    list.append(li);
  }
  const total = data.total;
  let summary = total === 0 ? "No articles match." : plural(total, "article");
  if (copiesHidden) summary += ` · ${plural(copiesHidden, "copy", "copies")} hidden`;
  if (data.pages > 1) summary += ` · page ${data.page} of ${data.pages.toLocaleString("en")}`;
  $("summary").textContent = summary;
  const pager = $("pager");
  pager.classList.toggle("hidden", data.pages <= 1);
  $("prev").disabled = data.page <= 1;
  $("next").disabled = !data.has_next;
  $("page-label").textContent = `${data.page} / ${data.pages}`;
}

function renderTools(state) {
  $("hide-copies").checked = state.copies !== "show";
  for (const format of ["csv", "jsonl"]) {
    const p = searchParams(state);
    p.set("format", format);
    $(`export-${format}`).href = "/export?" + p.toString();
  }
  $("save-status").textContent = "";
}

async function renderResults(state, seq) {
  const p = searchParams(state);
  p.set("size", String(PAGE_SIZE));
  if (state.page > 1) p.set("page", String(state.page));
  p.set("facets", [...FACETS.map((f) => f.name), "published"].join(","));
  p.set("interval", "auto");
  const withCopies = searchParams(state);
  withCopies.delete("collapse");
  withCopies.set("size", "0");
  withCopies.set("facets", "");
  const [data, everything] = await Promise.all([
    api("/search?" + p.toString()),
    state.copies === "show" ? null : api("/search?" + withCopies.toString()).catch(() => null),
  ]);
  if (seq !== renderSeq) return; // a newer search is under way
  const sizes = await storySizes(data.hits);
  if (seq !== renderSeq) return;
  renderChips(state, data.story_labels || {});
  renderTools(state);
  renderFacets(state, data);
  renderTimeline(state, data);
  renderHits(state, data, sizes, everything ? everything.total - data.total : null);
}

// ---- rendering: article --------------------------------------------------------------------------

async function renderArticle(state, seq) {
  const art = await api("/articles/" + encodeURIComponent(state.article));
  if (seq !== renderSeq) return;
  $("article-title").textContent = art.title || leadSentence(art.body) || "Article";
  $("article-title").classList.toggle("lead-label", !art.title);
  $("article-publisher").textContent = art.publisher || "";
  const t = $("article-date");
  t.textContent = formatDate(art.published);
  t.dateTime = art.published ? String(art.published).slice(0, 10) : "";
  const authors = $("article-authors");
  authors.replaceChildren();
  if ((art.authors || []).length) {
    authors.append("by ");
    art.authors.forEach((author, i) => {
      if (i) authors.append(", ");
      authors.append(stateLink({ ...emptyState(), author: [author] }, author, { class: "author-link" }));
    });
  }
  const link = $("article-url");
  const safeUrl = art.url && /^https?:\/\//i.test(art.url) ? art.url : "";
  link.classList.toggle("hidden", !safeUrl);
  if (safeUrl) link.href = safeUrl; else link.removeAttribute("href");
  const copyNote = $("article-copy");
  copyNote.replaceChildren();
  copyNote.classList.toggle("hidden", !art.duplicate_of);
  if (art.duplicate_of) {
    copyNote.append("A near-duplicate copy of ", stateLink({ ...state, article: art.duplicate_of }, "an earlier article", { class: "original-link" }), ".");
  }

  const body = $("article-body");
  body.replaceChildren();
  for (const para of String(art.body || "").split(/\n\s*\n|\n/)) {
    if (para.trim()) body.append(el("p", {}, para.trim()));
  }

  const names = new Set((art.entities || []).map((e) => e.name));
  const quotes = $("article-quotes");
  quotes.replaceChildren();
  for (const q of art.quotes || []) {
    const li = el("li");
    if (q.speaker) {
      const entity = q.speaker_entity || q.speaker; // the facet's name; the speaker as the article names them
      li.append(names.has(entity) ? stateLink({ ...emptyState(), entity: [entity] }, q.speaker,
        { class: "speaker entity-link", "data-entity": entity, title: entity }) : el("span", { class: "speaker" }, q.speaker),
        document.createTextNode(": "));
    }
    li.append(el("q", {}, q.text));
    quotes.append(li);
  }
  $("article-quotes-section").classList.toggle("hidden", !(art.quotes || []).length);

  const ents = $("article-entities");
  ents.replaceChildren();
  const byType = {};
  for (const e of art.entities || []) (byType[e.type] = byType[e.type] || []).push(e);
  for (const [type, list] of Object.entries(byType)) {
    const group = el("div", { class: "entity-group", "data-type": type });
    group.append(el("h3", {}, type));
    const ul = el("ul");
    for (const e of list.sort((a, b) => b.count - a.count)) {
      const li = el("li");
      li.append(entityLink(e.name));
      if (e.count > 1) li.append(el("span", { class: "muted" }, ` (${e.count})`));
      ul.append(li);
    }
    group.append(ul);
    ents.append(group);
  }
  $("article-entities-section").classList.toggle("hidden", !(art.entities || []).length);
  document.title = name + " · newsdesk";
}

// ---- rendering: stories list --------------------------------------------------------------------

function entityTags(names, node = el("ul", { class: "tags" })) {
  node.replaceChildren();
  for (const name of names) {
    const li = el("li", { class: "tag" });
    li.append(entityLink(name));
    node.append(li);
  }
  return node;
}

async function renderStories(state, seq) {
  const p = new URLSearchParams({ limit: String(STORIES_PAGE), offset: String(state.soff), min_articles: String(state.min) });
  const data = await api("/stories?" + p.toString());
  if (seq !== renderSeq) return;
  $("stories-min").checked = state.min > 1;
  const list = $("stories");
  list.replaceChildren();
  for (const story of data.stories) {
    const li = el("li", { class: "hit story-card", "data-id": story.id });
    const h = el("h3");
    h.append(stateLink({ ...state, story: story.id, article: "" }, story.label || "Story " + story.id, { class: "story-title" }));
    li.append(h);
    const meta = el("p", { class: "meta" });
    meta.append(el("span", { class: "count" }, plural(story.articles, "article")));
    if (story.duplicates) meta.append(el("span", { class: "copies" }, plural(story.duplicates, "copy", "copies")));
    const span = dateSpan(story.first_day, story.last_day);
    if (span) meta.append(el("span", { class: "span" }, span));
    li.append(meta);
    if ((story.publishers || []).length) {
      const pubs = el("p", { class: "publishers" });
      pubs.append(el("span", { class: "muted" }, "Publishers: "), el("span", { class: "publisher" }, story.publishers.join(", ")));
      li.append(pubs);
    }
    li.append(entityTags(story.top_entities || []));
    list.append(li);
  }
  const shown = data.stories.length;
  $("stories-summary").textContent = data.total === 0
    ? "No stories yet."
    : `${plural(data.total, "story", "stories")}` + (data.total > shown ? ` · ${state.soff + 1}–${state.soff + shown}` : "");
  const pages = Math.ceil(data.total / STORIES_PAGE);
  $("stories-pager").classList.toggle("hidden", pages <= 1);
  $("stories-prev").disabled = state.soff <= 0;
  $("stories-next").disabled = state.soff + STORIES_PAGE >= data.total;
  $("stories-page-label").textContent = `${Math.floor(state.soff / STORIES_PAGE) + 1} / ${Math.max(1, pages)}`;
  document.title = "Stories · newsdesk";
}

// ---- rendering: saved searches -------------------------------------------------------------------

function describeQuery(query) {
  const p = new URLSearchParams(query);
  const parts = [];
  if (p.get("q")) parts.push(`“${p.get("q")}”`);
  for (const key of LIST_FILTERS) for (const v of p.getAll(key)) parts.push(`${FILTER_LABELS[key]}: ${v}`);
  for (const v of p.getAll("exclude")) parts.push(`not ${v}`);
  if (p.get("from") || p.get("to")) parts.push(`published ${p.get("from") || "…"} – ${p.get("to") || "…"}`);
  if (p.get("undated") === "true") parts.push("undated only");
  if (p.get("collapse") !== "true") parts.push("copies shown");
  return parts.join(" · ") || "every article";
}

async function renderSaved(seq) {
  const saved = await api("/saved-searches");
  if (seq !== renderSeq) return;
  const list = $("saved");
  list.replaceChildren();
  for (const s of saved) {
    const li = el("li", { class: "saved-item", "data-name": s.name });
    const a = el("a", { href: pageUrlOf(s.query), class: "saved-open" }, s.name);
    a.addEventListener("click", (ev) => {
      if (ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button !== 0) return;
      ev.preventDefault();
      history.pushState(null, "", pageUrlOf(s.query));
      render();
    });
    const del = el("button", { type: "button", class: "saved-delete small", "aria-label": `Delete the saved search ${s.name}` }, "Delete");
    del.addEventListener("click", async () => {
      try {
        await api("/saved-searches/" + encodeURIComponent(s.name), { method: "DELETE" });
        render();
      } catch (err) { showMessage(err.message); }
    });
    li.append(a, el("span", { class: "muted small saved-query" }, describeQuery(s.query)), del);
    list.append(li);
  }
  $("saved-empty").classList.toggle("hidden", saved.length > 0);
  document.title = "Saved searches · newsdesk";
}

async function saveSearch(ev) {
  ev.preventDefault();
  const name = $("save-name").value.trim();
  if (!name) return;
  const status = $("save-status");
  try {
    await api("/saved-searches/" + encodeURIComponent(name), {
      method: "PUT", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ query: searchParams(readState()).toString() }),
    });
    status.replaceChildren(`Saved as “${name}”. `, stateLink({ ...emptyState(), view: "saved" }, "All saved searches"));
  } catch (err) {
    status.textContent = err.message;
  }
}

// ---- rendering: one story ------------------------------------------------------------------------

function sourceLink(state, src) {
  const text = src.copy_of ? `${src.publisher}: ${src.title}` : src.title;
  const a = stateLink({ ...state, article: src.article_id }, text, { class: "source-link" + (src.title_is_lead ? " lead-label" : ""), "data-article": src.article_id });
  a.title = [src.publisher, src.published ? formatDate(src.published) : "", src.title].filter(Boolean).join(" · ");
  return a;
}

function renderClaims(state, story) {
  const claims = story.claims_by_speaker || [];
  // One column per outlet that reports a statement; copies sit under the outlet of the original they copy.
  const reported = new Set(claims.flatMap((c) => c.publishers));
  const outlets = [...(story.publishers || []).filter((p) => reported.has(p)), ...[...reported].filter((p) => !(story.publishers || []).includes(p))];
  const table = $("claims");
  const head = el("tr");
  head.append(el("th", { scope: "col", class: "speaker-col" }, "Speaker"));
  for (const pub of outlets) head.append(el("th", { scope: "col", "data-publisher": pub }, pub));
  table.tHead.replaceChildren(head);
  const body = table.tBodies[0];
  body.replaceChildren();
  for (const c of claims) {
    const tr = el("tr", { "data-speaker": c.speaker });
    const th = el("th", { scope: "row" });
    th.append(el("span", { class: "speaker" }, c.speaker));
    th.append(el("span", { class: "muted small" }, plural(c.statements.length, "statement")));
    tr.append(th);
    for (const pub of outlets) {
      const td = el("td", { "data-publisher": pub });
      const said = c.statements.filter((st) => st.sources.some((src) => src.outlet === pub));
      if (!said.length) {
        td.classList.add("empty");
        td.append(el("span", { class: "none", title: `${pub} reports no statement by ${c.speaker}` }, "—"));
      }
      for (const st of said) {
        const box = el("div", { class: "statement " + (st.kind === "direct" ? "direct" : "reported"), "data-kind": st.kind });
        box.append(st.kind === "direct" ? el("q", {}, st.text) : el("p", { class: "text" }, st.text));
        const by = el("p", { class: "by" });
        if (st.speaker && st.speaker !== c.speaker) by.append(el("span", { class: "phrase" }, st.speaker), document.createTextNode(" · "));
        by.append(el("span", { class: "kind" }, st.kind === "direct" ? "quote" : "reported"));
        if (st.confidence != null) by.append(document.createTextNode(" · "), confidenceBadge(st.confidence));
        box.append(by);
        const here = st.sources.filter((x) => x.outlet === pub);
        for (const src of [...here.filter((x) => !x.copy_of), ...here.filter((x) => x.copy_of)]) {
          const line = el("p", { class: "source" + (src.copy_of ? " copy-source" : "") });
          line.append(sourceLink(state, src));
          if (src.published) line.append(el("time", { dateTime: String(src.published) }, formatDate(src.published)));
          box.append(line);
        }
        td.append(box);
      }
      tr.append(td);
    }
    body.append(tr);
  }
  $("story-claims-empty").classList.toggle("hidden", claims.length > 0);
  table.classList.toggle("hidden", claims.length === 0);

  const loose = $("story-unattributed");
  loose.replaceChildren();
  for (const st of story.unattributed || []) {
    const li = el("li", { class: "statement unattributed" });
    li.append(el("q", {}, st.text));
    const by = el("p", { class: "by" });
    by.append(st.speaker_hint ? el("span", { class: "hint", title: "likely speaker, not confirmed by the text" }, "maybe " + st.speaker_hint)
                              : el("span", { class: "hint" }, "speaker unclear"));
    if (st.confidence != null) by.append(document.createTextNode(" · "), confidenceBadge(st.confidence));
    for (const src of st.sources) by.append(document.createTextNode(" · "), sourceLink(state, src));
    li.append(by);
    loose.append(li);
  }
  $("story-unattributed-section").classList.toggle("hidden", !(story.unattributed || []).length);
}

function confidenceBadge(confidence) {
  const sure = confidence >= SURE ? "high" : confidence >= 0.7 ? "medium" : "low";
  return el("span", { class: "confidence " + sure, title: "how sure the attribution is" },
            `${Math.round(confidence * 100)}% sure`);
}

function storyArticleItem(state, art) {
  const li = el("li", { class: "story-article" + (art.duplicate_of ? " is-copy" : ""), "data-id": art.id });
  li.append(stateLink({ ...state, article: art.id }, art.title, { class: "title" + (art.title_is_lead ? " lead-label" : "") }));
  if (art.title_is_lead) li.append(noTitleMark());
  const m = el("p", { class: "meta" });
  m.append(el("span", { class: "publisher" }, art.publisher));
  if (art.published) m.append(el("time", { dateTime: String(art.published) }, formatDate(art.published)));
  if (art.duplicate_of) m.append(el("span", { class: "copy", title: "A near-duplicate of the article above" }, "copy"));
  const safeUrl = art.url && /^https?:\/\//i.test(art.url) ? art.url : "";
  if (safeUrl) m.append(el("a", { href: safeUrl, rel: "noopener noreferrer nofollow", target: "_blank", class: "source" }, "original"));
  li.append(m);
  return li;
}

async function renderStory(state, seq) {
  const story = await api("/stories/" + encodeURIComponent(state.story) + (state.sure ? "?min_confidence=" + SURE : ""));
  if (seq !== renderSeq) return;
  const view = $("story-view");
  view.dataset.storyId = story.id;
  $("story-back").textContent = state.view === "stories" ? "← All stories" : "← Back to results";
  $("story-label").textContent = story.label || "Story " + story.id;
  const meta = $("story-meta");
  meta.replaceChildren();
  meta.append(el("span", { class: "count" }, plural(story.articles, "article")));
  if (story.duplicates) meta.append(el("span", { class: "copies" }, plural(story.duplicates, "copy", "copies")));
  meta.append(el("span", { class: "publisher" }, (story.publishers || []).join(", ")));
  const span = dateSpan(story.first_day, story.last_day);
  if (span) meta.append(el("span", { class: "span" }, span));
  entityTags(story.top_entities || [], $("story-entities"));

  // Originals in order, each with its copies folded under it.
  const articles = story.article_list || [];
  const ids = new Set(articles.map((a) => a.id));
  const copies = {};
  for (const a of articles) if (a.duplicate_of && ids.has(a.duplicate_of)) (copies[a.duplicate_of] = copies[a.duplicate_of] || []).push(a);
  const list = $("story-articles");
  list.replaceChildren();
  for (const art of articles) {
    if (art.duplicate_of && ids.has(art.duplicate_of)) continue;
    const li = storyArticleItem(state, art);
    if (copies[art.id]) {
      const sub = el("ul", { class: "story-copies", "aria-label": "Copies of this article" });
      for (const c of copies[art.id]) sub.append(storyArticleItem(state, c));
      li.append(sub);
    }
    list.append(li);
  }
  $("story-articles-count").textContent = story.duplicates
    ? `(${story.articles - story.duplicates} + ${plural(story.duplicates, "copy", "copies")})` : "";
  $("story-sure").checked = state.sure;
  renderClaims(state, story);
  document.title = (story.label || "Story") + " · newsdesk";
}

// ---- layout: the facets sit beside the results, or behind "Filters" on narrow screens ----------------

function placeSidebar() {
  const sidebar = $("sidebar");
  if (NARROW.matches) $("results-head").after(sidebar);
  else document.querySelector("main.layout").prepend(sidebar);
  const open = document.body.classList.contains("filters-open");
  $("filters-toggle").setAttribute("aria-expanded", String(NARROW.matches ? open : true));
}

// ---- main ----------------------------------------------------------------------------------------

let renderSeq = 0;

async function render() {
  const seq = ++renderSeq;
  const state = readState();
  $("q").value = state.q;
  $("sort").value = state.sort;
  showMessage("");
  const view = state.article ? "article" : state.story ? "story" : state.view || "results";
  for (const [id, name] of [["results-view", "results"], ["article-view", "article"], ["story-view", "story"],
    ["stories-view", "stories"], ["saved-view", "saved"]]) $(id).classList.toggle("hidden", view !== name);
  $("stories-link").classList.toggle("active", view === "stories" || view === "story");
  $("saved-link").classList.toggle("active", view === "saved");
  document.body.dataset.view = view;
  document.body.dataset.loading = "true";
  try {
    if (view === "article") {
      await Promise.all([renderArticle(state, seq), renderResults(toResults({ ...state }), seq).catch(() => {})]);
    } else if (view === "story") {
      await renderStory(state, seq);
    } else if (view === "stories") {
      await renderStories(state, seq);
    } else if (view === "saved") {
      await renderSaved(seq);
    } else {
      document.title = state.q ? `${state.q} · newsdesk` : "newsdesk search";
      await renderResults(state, seq);
    }
  } catch (err) {
    if (seq === renderSeq) {
      showMessage(err.message);
      if (view === "results") {
        $("hits").replaceChildren();
        $("summary").textContent = "";
        $("pager").classList.add("hidden");
        destroyChart();
        $("timeline").classList.add("hidden");
      }
    }
  } finally {
    if (seq === renderSeq) document.body.dataset.loading = "false";
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("search-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const s = readState();
    s.q = $("q").value.trim();
    s.sort = $("sort").value;
    s.page = 1;
    navigate(toResults(s));
  });
  $("sort").addEventListener("change", () => $("search-form").requestSubmit());
  $("prev").addEventListener("click", () => { const s = readState(); s.page = Math.max(1, s.page - 1); navigate(s); });
  $("next").addEventListener("click", () => { const s = readState(); s.page += 1; navigate(s); });
  $("back").addEventListener("click", () => { const s = readState(); s.article = ""; navigate(s); });
  $("story-back").addEventListener("click", () => { const s = readState(); s.story = ""; navigate(s); });
  $("home").addEventListener("click", (ev) => { ev.preventDefault(); navigate(emptyState()); });
  $("stories-link").addEventListener("click", (ev) => { ev.preventDefault(); navigate({ ...emptyState(), view: "stories" }); });
  $("saved-link").addEventListener("click", (ev) => { ev.preventDefault(); navigate({ ...emptyState(), view: "saved" }); });
  $("hide-copies").addEventListener("change", () => update((s) => { s.copies = $("hide-copies").checked ? "" : "show"; }));
  $("undated").addEventListener("click", () => update((s) => { s.undated = !s.undated; s.from = ""; s.to = ""; }));
  $("range-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    update((s) => { s.from = $("range-from").value; s.to = $("range-to").value; s.undated = false; });
  });
  $("save-form").addEventListener("submit", saveSearch);
  $("filters-toggle").addEventListener("click", () => {
    document.body.classList.toggle("filters-open");
    placeSidebar();
  });
  $("stories-min").addEventListener("change", () => {
    const s = readState();
    s.min = $("stories-min").checked ? 2 : 1;
    s.soff = 0;
    navigate(s);
  });
  $("story-sure").addEventListener("change", () => { const s = readState(); s.sure = $("story-sure").checked; navigate(s); });
  $("stories-prev").addEventListener("click", () => { const s = readState(); s.soff = Math.max(0, s.soff - STORIES_PAGE); navigate(s); });
  $("stories-next").addEventListener("click", () => { const s = readState(); s.soff += STORIES_PAGE; navigate(s); });
  NARROW.addEventListener("change", placeSidebar);
  placeSidebar();
  window.addEventListener("popstate", render);
  render();
});
