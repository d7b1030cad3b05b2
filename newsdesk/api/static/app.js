// newsdesk search page: plain JS, no build step.
// Article text is only ever inserted with textContent; the one exception is hit highlights,
// which the server returns HTML-escaped with nothing but <mark> tags.
"use strict";

const FACETS = ["publisher", "person", "organization", "location", "language", "published"];
const FACET_LABELS = {
  publisher: "Publisher", person: "People", organization: "Organizations", location: "Places",
  language: "Language", published: "Published",
};
// Which filter parameter a click on a facet value sets.
const FACET_FILTER = {
  publisher: "publisher", person: "entity", organization: "entity", location: "entity", language: "language",
};
const LIST_FILTERS = ["publisher", "entity", "language"];
const PAGE_SIZE = 10;
const STORIES_PAGE = 20;

const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, text = null) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("data-")) node.setAttribute(k, v);
    else node[k] = v;
  }
  if (text !== null && text !== undefined) node.textContent = String(text);
  return node;
}

// ---- state <-> URL -------------------------------------------------------------------------------

function readState() {
  const p = new URLSearchParams(location.search);
  const state = {
    q: p.get("q") || "",
    sort: p.get("sort") === "date" ? "date" : "relevance",
    page: Math.max(1, parseInt(p.get("page") || "1", 10) || 1),
    from: p.get("from") || "",
    to: p.get("to") || "",
    undated: p.get("undated") === "true",
    article: p.get("article") || "",
    story: p.get("story") || "",
    view: p.get("view") === "stories" ? "stories" : "",
    soff: Math.max(0, parseInt(p.get("soff") || "0", 10) || 0),
    min: p.get("min") === "2" ? 2 : 1,
  };
  for (const key of LIST_FILTERS) state[key] = p.getAll(key);
  return state;
}

function emptyState() {
  const state = { q: "", sort: "relevance", page: 1, from: "", to: "", undated: false, article: "", story: "", view: "", soff: 0, min: 1 };
  for (const key of LIST_FILTERS) state[key] = [];
  return state;
}

// Back to the search results: leave the article, story and stories views.
function toResults(s) {
  s.article = "";
  s.story = "";
  s.view = "";
  s.soff = 0;
  return s;
}

// The page state as URL parameters; withViews=false gives only the search parameters (for /search).
function stateParams(state, withViews = true) {
  const p = new URLSearchParams();
  if (state.q) p.set("q", state.q);
  if (state.sort !== "relevance") p.set("sort", state.sort);
  for (const key of LIST_FILTERS) for (const v of state[key]) p.append(key, v);
  if (state.from) p.set("from", state.from);
  if (state.to) p.set("to", state.to);
  if (state.undated) p.set("undated", "true");
  if (state.page > 1) p.set("page", String(state.page));
  if (withViews) {
    if (state.view) p.set("view", state.view);
    if (state.view && state.min > 1) p.set("min", String(state.min));
    if (state.view && state.soff > 0) p.set("soff", String(state.soff));
    if (state.story) p.set("story", state.story);
    if (state.article) p.set("article", state.article);
  }
  return p;
}

// A link that opens `state` in this page (a real href, so it can be opened in a new tab too).
function stateLink(state, text, attrs = {}) {
  const qs = stateParams(state).toString();
  const a = el("a", { ...attrs, href: qs ? "?" + qs : location.pathname }, text);
  a.addEventListener("click", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button !== 0) return;
    ev.preventDefault();
    navigate(state);
  });
  return a;
}

function navigate(state) {
  const qs = stateParams(state).toString();
  history.pushState(null, "", qs ? "?" + qs : location.pathname);
  window.scrollTo(0, 0); // a new view starts at its top (the browser restores the position on Back)
  render();
}

// ---- API -----------------------------------------------------------------------------------------

async function api(path) {
  const resp = await fetch(path, { headers: { Accept: "application/json" } });
  let body = null;
  try { body = await resp.json(); } catch (_) { /* non-JSON error body */ }
  if (!resp.ok) {
    let msg = `${resp.status} ${resp.statusText}`;
    if (body && typeof body.detail === "string") msg = body.detail;
    else if (body && Array.isArray(body.detail) && body.detail.length) {
      msg = body.detail.map((d) => d.msg).join("; ");
    }
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

function dateSpan(first, last) {
  if (!first && !last) return "";
  if (!first || !last || String(first) === String(last)) return formatDate(first || last);
  return `${formatDate(first)} – ${formatDate(last)}`;
}

const plural = (n, one, many) => `${n.toLocaleString("en")} ${n === 1 ? one : many || one + "s"}`;

function formatDate(value) {
  if (!value) return "";
  const day = String(value).slice(0, 10);
  const d = new Date(day + "T00:00:00Z");
  if (isNaN(d)) return String(value);
  return d.toLocaleDateString("en-GB", { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" });
}

const iso = (d) => d.toISOString().slice(0, 10);

// A `published` bucket ("2021", "2021-09" or "2021-09-06" + interval) as an inclusive from/to range.
function bucketRange(value, interval) {
  const m = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?/.exec(String(value));
  if (!m) return null;
  const y = +m[1], mo = m[2] ? +m[2] - 1 : 0, da = m[3] ? +m[3] : 1;
  const start = new Date(Date.UTC(y, mo, da));
  let end;
  if (!m[2] || interval === "year") end = new Date(Date.UTC(y, 11, 31));
  else if (!m[3] || interval === "month") end = new Date(Date.UTC(y, mo + 1, 0));
  else if (interval === "week") end = new Date(Date.UTC(y, mo, da + 6));
  else end = start;
  return { from: iso(start), to: iso(end) };
}

function bucketLabel(value) {
  const s = String(value);
  if (/^\d{4}-\d{2}$/.test(s) || /^\d{4}-\d{2}-01(T.*)?$/.test(s)) {
    const d = new Date(s.slice(0, 7) + "-01T00:00:00Z");
    return d.toLocaleDateString("en-GB", { year: "numeric", month: "short", timeZone: "UTC" });
  }
  return /^\d{4}-\d{2}-\d{2}/.test(s) ? formatDate(s) : s;
}

// An untitled article is listed under its lead sentence, marked as such (never as "(untitled)").
function noTitleMark() {
  return el("span", { class: "no-title", title: "This article has no title: its lead sentence is shown" }, "no title");
}

function leadSentence(body) {
  const flat = String(body || "").split(/\s+/).join(" ").trim();
  const first = flat.split(/(?<=[.!?])\s/)[0];
  return first.length <= 140 ? first : first.slice(0, 140).replace(/\s+\S*$/, "") + "…";
}

// The text of a highlight fragment, parsed inertly (a <template> runs nothing).
function fragmentText(fragment) {
  const t = document.createElement("template");
  t.innerHTML = fragment;
  return t.content.textContent.trim();
}

// ---- rendering: results --------------------------------------------------------------------------

function renderChips(state) {
  const list = $("filter-chips");
  list.replaceChildren();
  const chips = [];
  for (const key of LIST_FILTERS) {
    for (const v of state[key]) chips.push({ label: `${key}: ${v}`, remove: (s) => { s[key] = s[key].filter((x) => x !== v); } });
  }
  if (state.from || state.to) {
    chips.push({ label: `date: ${state.from || "…"} – ${state.to || "…"}`, remove: (s) => { s.from = ""; s.to = ""; } });
  }
  if (state.undated) chips.push({ label: "date: undated", remove: (s) => { s.undated = false; } });
  for (const chip of chips) {
    const li = el("li", { class: "chip" });
    li.append(el("span", {}, chip.label));
    const btn = el("button", { type: "button", title: "Remove filter", class: "chip-remove" }, "×");
    btn.setAttribute("aria-label", "Remove filter " + chip.label);
    btn.addEventListener("click", () => {
      const s = readState();
      chip.remove(s);
      s.page = 1;
      navigate(toResults(s));
    });
    li.append(btn);
    list.append(li);
  }
  $("active-filters").classList.toggle("hidden", chips.length === 0);
}

// `undated`: how many hits have no publication date, shown as the published facet's last bucket.
function renderFacets(state, facets, interval, undated = 0) {
  const box = $("facets");
  box.replaceChildren();
  for (const name of FACETS) {
    let buckets = (facets && facets[name]) || [];
    if (name === "published" && undated) buckets = [...buckets, { value: "undated", count: undated, undated: true }];
    if (!buckets.length) continue;
    const section = el("section", { class: "facet", "data-facet": name });
    section.append(el("h3", {}, FACET_LABELS[name] || name));
    const ul = el("ul");
    for (const b of buckets) {
      if (!b.count) continue;
      let active = false;
      let apply;
      if (name === "published" && b.undated) {
        active = state.undated;
        apply = (s) => { s.from = ""; s.to = ""; s.undated = !active; };
      } else if (name === "published") {
        const range = bucketRange(b.value, interval);
        if (!range) continue;
        active = state.from === range.from && state.to === range.to;
        apply = (s) => { s.undated = false; if (active) { s.from = ""; s.to = ""; } else { s.from = range.from; s.to = range.to; } };
      } else {
        const key = FACET_FILTER[name];
        if (!key) continue;
        active = state[key].includes(b.value);
        apply = (s) => { s[key] = active ? s[key].filter((x) => x !== b.value) : [...s[key], b.value]; };
      }
      const btn = el("button", { type: "button", class: "facet-value" + (active ? " active" : ""), "data-value": b.value });
      const label = b.undated ? "Undated" : name === "published" ? bucketLabel(b.value) : b.value;
      btn.append(el("span", { class: "label" }, label));
      btn.append(el("span", { class: "count" }, b.count));
      btn.addEventListener("click", () => {
        const s = readState();
        apply(s);
        s.page = 1;
        navigate(toResults(s));
      });
      const li = el("li");
      li.append(btn);
      ul.append(li);
    }
    section.append(ul);
    box.append(section);
  }
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

function renderHits(state, data, sizes = {}) {
  const list = $("hits");
  list.replaceChildren();
  for (const hit of data.hits) {
    const li = el("li", { class: "hit", "data-id": hit.id });
    const h = el("h3");
    const s = { ...state, article: hit.id };
    const fragments = hit.highlights || [];
    const titleFragment = fragments.find((f) => hit.title && fragmentText(f) === hit.title.trim());
    const a = el("a", { href: "?" + stateParams(s).toString(), class: "hit-title" + (hit.title ? "" : " lead-label") },
      hit.title || hit.lead || "");
    // Server contract: highlight fragments are escaped text with <mark> only (asserted by the API and its tests).
    if (titleFragment) a.innerHTML = titleFragment;
    a.addEventListener("click", (ev) => { ev.preventDefault(); navigate(s); });
    h.append(a);
    if (!hit.title) h.append(noTitleMark());
    li.append(h);
    const meta = el("p", { class: "meta" });
    if (hit.publisher) meta.append(el("span", { class: "publisher" }, hit.publisher));
    if (hit.published) {
      const t = el("time", { dateTime: String(hit.published).slice(0, 10) }, formatDate(hit.published));
      meta.append(t);
    }
    if (hit.language) meta.append(el("span", { class: "language" }, hit.language));
    if (hit.duplicate_of) meta.append(el("span", { class: "copy", title: "A near-duplicate of an earlier article" }, "copy"));
    li.append(meta);
    for (const fragment of fragments) {
      if (fragment === titleFragment) continue;
      const p = el("p", { class: "highlight" });
      p.innerHTML = fragment;
      li.append(p);
    }
    if (hit.story_id) {
      const n = sizes[hit.story_id];
      const text = n ? `${plural(n, "version")} in this story` : "Open the story";
      const p = el("p", { class: "story-line" });
      p.append(stateLink({ ...state, article: "", story: hit.story_id }, text, { class: "story-link", "data-story": hit.story_id }));
      li.append(p);
    }
    list.append(li);
  }
  const total = data.total;
  $("summary").textContent = total === 0
    ? "No articles match."
    : `${total.toLocaleString("en")} article${total === 1 ? "" : "s"}` +
      (data.pages > 1 ? ` · page ${data.page} of ${data.pages}` : "");
  const pager = $("pager");
  pager.classList.toggle("hidden", data.pages <= 1);
  $("prev").disabled = data.page <= 1;
  $("next").disabled = !data.has_next;
  $("page-label").textContent = `${data.page} / ${data.pages}`;
}

async function renderResults(state, seq) {
  const p = stateParams(state, false);
  p.set("size", String(PAGE_SIZE));
  p.set("facets", FACETS.join(","));
  const data = await api("/search?" + p.toString());
  if (seq !== renderSeq) return; // a newer search is under way
  const sizes = await storySizes(data.hits);
  if (seq !== renderSeq) return;
  renderFacets(state, data.facets, "month", data.undated || 0);
  renderHits(state, data, sizes);
}

// ---- rendering: article --------------------------------------------------------------------------

async function renderArticle(state, seq) {
  const art = await api("/articles/" + encodeURIComponent(state.article));
  if (seq !== renderSeq) return;
  $("article-title").textContent = art.title || leadSentence(art.body);
  $("article-title").classList.toggle("lead-label", !art.title);
  $("article-publisher").textContent = art.publisher || "";
  const t = $("article-date");
  t.textContent = formatDate(art.published);
  t.dateTime = art.published ? String(art.published).slice(0, 10) : "";
  $("article-authors").textContent = (art.authors || []).length ? "by " + art.authors.join(", ") : "";
  const link = $("article-url");
  const safeUrl = art.url && /^https?:\/\//i.test(art.url) ? art.url : "";
  link.classList.toggle("hidden", !safeUrl);
  if (safeUrl) link.href = safeUrl; else link.removeAttribute("href");

  const body = $("article-body");
  body.replaceChildren();
  for (const para of String(art.body || "").split(/\n\s*\n|\n/)) {
    if (para.trim()) body.append(el("p", {}, para.trim()));
  }

  const quotes = $("article-quotes");
  quotes.replaceChildren();
  for (const q of art.quotes || []) {
    const li = el("li");
    if (q.speaker) li.append(el("span", { class: "speaker" }, q.speaker), document.createTextNode(": "));
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
      ul.append(el("li", {}, e.count > 1 ? `${e.name} (${e.count})` : e.name));
    }
    group.append(ul);
    ents.append(group);
  }
  $("article-entities-section").classList.toggle("hidden", !(art.entities || []).length);
  document.title = (art.title || "Article") + " · newsdesk";
}

// ---- rendering: stories list --------------------------------------------------------------------

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
    h.append(stateLink({ ...state, story: story.id, article: "" }, story.label || "(untitled story)", { class: "story-title" }));
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

function entityTags(names, node = el("ul", { class: "tags" })) {
  node.replaceChildren();
  for (const name of names) node.append(el("li", { class: "tag" }, name));
  return node;
}

// ---- rendering: one story ------------------------------------------------------------------------

function sourceLink(state, src) {
  const a = stateLink({ ...state, article: src.article_id }, src.title, { class: "source-link" + (src.title_is_lead ? " lead-label" : ""), "data-article": src.article_id });
  a.title = [src.publisher, src.published ? formatDate(src.published) : "", src.title].filter(Boolean).join(" · ");
  return a;
}

function renderClaims(state, story) {
  const claims = story.claims_by_speaker || [];
  const publishers = [...(story.publishers || [])];
  for (const c of claims) for (const st of c.statements) for (const src of st.sources) {
    if (!publishers.includes(src.publisher)) publishers.push(src.publisher);
  }
  const table = $("claims");
  const head = el("tr");
  head.append(el("th", { scope: "col", class: "speaker-col" }, "Speaker"));
  for (const pub of publishers) head.append(el("th", { scope: "col", "data-publisher": pub }, pub));
  table.tHead.replaceChildren(head);
  const body = table.tBodies[0];
  body.replaceChildren();
  for (const c of claims) {
    const tr = el("tr", { "data-speaker": c.speaker });
    const th = el("th", { scope: "row" });
    th.append(el("span", { class: "speaker" }, c.speaker));
    th.append(el("span", { class: "muted small" }, plural(c.statements.length, "statement")));
    tr.append(th);
    for (const pub of publishers) {
      const td = el("td", { "data-publisher": pub });
      const said = c.statements.filter((st) => st.sources.some((src) => src.publisher === pub));
      if (!said.length) td.append(el("span", { class: "none", title: `${pub} reports no statement by ${c.speaker}` }, "—"));
      for (const st of said) {
        const box = el("div", { class: "statement " + (st.kind === "direct" ? "direct" : "reported"), "data-kind": st.kind });
        box.append(st.kind === "direct" ? el("q", {}, st.text) : el("p", { class: "text" }, st.text));
        const by = el("p", { class: "by" });
        if (st.speaker && st.speaker !== c.speaker) by.append(el("span", { class: "phrase" }, st.speaker), document.createTextNode(" · "));
        by.append(el("span", { class: "kind" }, st.kind === "direct" ? "quote" : "reported"));
        box.append(by);
        for (const src of st.sources.filter((x) => x.publisher === pub)) {
          const line = el("p", { class: "source" });
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
}

async function renderStory(state, seq) {
  const story = await api("/stories/" + encodeURIComponent(state.story));
  if (seq !== renderSeq) return;
  const view = $("story-view");
  view.dataset.storyId = story.id;
  $("story-back").textContent = state.view === "stories" ? "← All stories" : "← Back to results";
  $("story-label").textContent = story.label || "(untitled story)";
  const meta = $("story-meta");
  meta.replaceChildren();
  meta.append(el("span", { class: "count" }, plural(story.articles, "article")));
  if (story.duplicates) meta.append(el("span", { class: "copies" }, plural(story.duplicates, "copy", "copies")));
  meta.append(el("span", { class: "publisher" }, (story.publishers || []).join(", ")));
  const span = dateSpan(story.first_day, story.last_day);
  if (span) meta.append(el("span", { class: "span" }, span));
  entityTags(story.top_entities || [], $("story-entities"));

  const titles = Object.fromEntries((story.article_list || []).map((a) => [a.id, a.title]));
  const list = $("story-articles");
  list.replaceChildren();
  for (const art of story.article_list || []) {
    const li = el("li", { class: "story-article" + (art.duplicate_of ? " is-copy" : ""), "data-id": art.id });
    li.append(stateLink({ ...state, article: art.id }, art.title, { class: "title" + (art.title_is_lead ? " lead-label" : "") }));
    if (art.title_is_lead) li.append(noTitleMark());
    const m = el("p", { class: "meta" });
    m.append(el("span", { class: "publisher" }, art.publisher));
    if (art.published) m.append(el("time", { dateTime: String(art.published) }, formatDate(art.published)));
    if (art.duplicate_of) {
      const copy = el("span", { class: "copy" }, "copy");
      copy.title = "Near-duplicate of: " + (titles[art.duplicate_of] || art.duplicate_of);
      m.append(copy);
    }
    const safeUrl = art.url && /^https?:\/\//i.test(art.url) ? art.url : "";
    if (safeUrl) m.append(el("a", { href: safeUrl, rel: "noopener noreferrer nofollow", target: "_blank", class: "source" }, "original"));
    li.append(m);
    list.append(li);
  }
  const copies = story.duplicates ? `(${story.articles - story.duplicates} + ${plural(story.duplicates, "copy", "copies")})` : "";
  $("story-articles-count").textContent = copies;
  renderClaims(state, story);
  document.title = (story.label || "Story") + " · newsdesk";
}

// ---- main ----------------------------------------------------------------------------------------

let renderSeq = 0;

async function render() {
  const seq = ++renderSeq;
  const state = readState();
  $("q").value = state.q;
  $("sort").value = state.sort;
  renderChips(state);
  showMessage("");
  const view = state.article ? "article" : state.story ? "story" : state.view === "stories" ? "stories" : "results";
  const inArticle = view !== "results";
  $("results-view").classList.toggle("hidden", view !== "results");
  $("article-view").classList.toggle("hidden", view !== "article");
  $("story-view").classList.toggle("hidden", view !== "story");
  $("stories-view").classList.toggle("hidden", view !== "stories");
  $("stories-link").classList.toggle("active", view === "stories" || view === "story");
  document.body.dataset.view = view;
  document.body.dataset.loading = "true";
  try {
    if (view === "article") {
      await Promise.all([renderArticle(state, seq), renderResults(toResults({ ...state }), seq).catch(() => {})]);
    } else if (view === "story") {
      await renderStory(state, seq);
    } else if (view === "stories") {
      await renderStories(state, seq);
    } else {
      document.title = state.q ? `${state.q} · newsdesk` : "newsdesk search";
      await renderResults(state, seq);
    }
  } catch (err) {
    if (seq === renderSeq) {
      showMessage(err.message);
      if (!inArticle) { $("hits").replaceChildren(); $("summary").textContent = ""; $("pager").classList.add("hidden"); }
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
  $("stories-min").addEventListener("change", () => {
    const s = readState();
    s.min = $("stories-min").checked ? 2 : 1;
    s.soff = 0;
    navigate(s);
  });
  $("stories-prev").addEventListener("click", () => { const s = readState(); s.soff = Math.max(0, s.soff - STORIES_PAGE); navigate(s); });
  $("stories-next").addEventListener("click", () => { const s = readState(); s.soff += STORIES_PAGE; navigate(s); });
  window.addEventListener("popstate", render);
  render();
});
