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
    article: p.get("article") || "",
  };
  for (const key of LIST_FILTERS) state[key] = p.getAll(key);
  return state;
}

function stateParams(state, withArticle = true) {
  const p = new URLSearchParams();
  if (state.q) p.set("q", state.q);
  if (state.sort !== "relevance") p.set("sort", state.sort);
  for (const key of LIST_FILTERS) for (const v of state[key]) p.append(key, v);
  if (state.from) p.set("from", state.from);
  if (state.to) p.set("to", state.to);
  if (state.page > 1) p.set("page", String(state.page));
  if (withArticle && state.article) p.set("article", state.article);
  return p;
}

function navigate(state) {
  const qs = stateParams(state).toString();
  history.pushState(null, "", qs ? "?" + qs : location.pathname);
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
  for (const chip of chips) {
    const li = el("li", { class: "chip" });
    li.append(el("span", {}, chip.label));
    const btn = el("button", { type: "button", title: "Remove filter", class: "chip-remove" }, "×");
    btn.setAttribute("aria-label", "Remove filter " + chip.label);
    btn.addEventListener("click", () => {
      const s = readState();
      chip.remove(s);
      s.page = 1;
      s.article = "";
      navigate(s);
    });
    li.append(btn);
    list.append(li);
  }
  $("active-filters").classList.toggle("hidden", chips.length === 0);
}

function renderFacets(state, facets, interval) {
  const box = $("facets");
  box.replaceChildren();
  for (const name of FACETS) {
    const buckets = (facets && facets[name]) || [];
    if (!buckets.length) continue;
    const section = el("section", { class: "facet", "data-facet": name });
    section.append(el("h3", {}, FACET_LABELS[name] || name));
    const ul = el("ul");
    for (const b of buckets) {
      if (!b.count) continue;
      let active = false;
      let apply;
      if (name === "published") {
        const range = bucketRange(b.value, interval);
        if (!range) continue;
        active = state.from === range.from && state.to === range.to;
        apply = (s) => { if (active) { s.from = ""; s.to = ""; } else { s.from = range.from; s.to = range.to; } };
      } else {
        const key = FACET_FILTER[name];
        if (!key) continue;
        active = state[key].includes(b.value);
        apply = (s) => { s[key] = active ? s[key].filter((x) => x !== b.value) : [...s[key], b.value]; };
      }
      const btn = el("button", { type: "button", class: "facet-value" + (active ? " active" : ""), "data-value": b.value });
      btn.append(el("span", { class: "label" }, name === "published" ? bucketLabel(b.value) : b.value));
      btn.append(el("span", { class: "count" }, b.count));
      btn.addEventListener("click", () => {
        const s = readState();
        apply(s);
        s.page = 1;
        s.article = "";
        navigate(s);
      });
      const li = el("li");
      li.append(btn);
      ul.append(li);
    }
    section.append(ul);
    box.append(section);
  }
}

function renderHits(state, data) {
  const list = $("hits");
  list.replaceChildren();
  for (const hit of data.hits) {
    const li = el("li", { class: "hit", "data-id": hit.id });
    const h = el("h3");
    const s = { ...state, article: hit.id };
    const fragments = hit.highlights || [];
    const titleFragment = fragments.find((f) => hit.title && fragmentText(f) === hit.title.trim());
    const a = el("a", { href: "?" + stateParams(s).toString(), class: "hit-title" }, hit.title || "(untitled)");
    // Server contract: highlight fragments are escaped text with <mark> only (asserted by the API and its tests).
    if (titleFragment) a.innerHTML = titleFragment;
    a.addEventListener("click", (ev) => { ev.preventDefault(); navigate(s); });
    h.append(a);
    li.append(h);
    const meta = el("p", { class: "meta" });
    if (hit.publisher) meta.append(el("span", { class: "publisher" }, hit.publisher));
    if (hit.published) {
      const t = el("time", { dateTime: String(hit.published).slice(0, 10) }, formatDate(hit.published));
      meta.append(t);
    }
    if (hit.language) meta.append(el("span", { class: "language" }, hit.language));
    li.append(meta);
    for (const fragment of fragments) {
      if (fragment === titleFragment) continue;
      const p = el("p", { class: "highlight" });
      p.innerHTML = fragment;
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
  renderFacets(state, data.facets, "month");
  renderHits(state, data);
}

// ---- rendering: article --------------------------------------------------------------------------

async function renderArticle(state, seq) {
  const art = await api("/articles/" + encodeURIComponent(state.article));
  if (seq !== renderSeq) return;
  $("article-title").textContent = art.title || "(untitled)";
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

// ---- main ----------------------------------------------------------------------------------------

let renderSeq = 0;

async function render() {
  const seq = ++renderSeq;
  const state = readState();
  $("q").value = state.q;
  $("sort").value = state.sort;
  renderChips(state);
  showMessage("");
  const inArticle = Boolean(state.article);
  $("results-view").classList.toggle("hidden", inArticle);
  $("article-view").classList.toggle("hidden", !inArticle);
  document.body.dataset.view = inArticle ? "article" : "results";
  document.body.dataset.loading = "true";
  try {
    if (inArticle) {
      await Promise.all([renderArticle(state, seq), renderResults({ ...state, article: "" }, seq).catch(() => {})]);
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
    s.article = "";
    navigate(s);
  });
  $("sort").addEventListener("change", () => $("search-form").requestSubmit());
  $("prev").addEventListener("click", () => { const s = readState(); s.page = Math.max(1, s.page - 1); navigate(s); });
  $("next").addEventListener("click", () => { const s = readState(); s.page += 1; navigate(s); });
  $("back").addEventListener("click", () => { const s = readState(); s.article = ""; navigate(s); });
  $("home").addEventListener("click", (ev) => { ev.preventDefault(); navigate({ q: "", sort: "relevance", page: 1, from: "", to: "", article: "", publisher: [], entity: [], language: [] });
  });
  window.addEventListener("popstate", render);
  render();
});
