"""The read-only search API: FastAPI over any `IndexBackend`, plus the small search page at `/`."""

from __future__ import annotations

import html
import logging
import math
import re
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Path as PathParam, Query, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newsdesk.config import Settings, get_settings
from newsdesk.index.base import BackendError, IndexBackend
from newsdesk.model import Article, EntityType
from newsdesk.search import AUTO_INTERVAL, build_request, run_search
from newsdesk.search.export import MEDIA_TYPES, ExportFormat, export_filename, export_lines
from newsdesk.search.model import (
    MAX_EXPORT_HITS,
    MAX_FACET_VALUES,
    MAX_PAGE_SIZE,
    MAX_RESULT_WINDOW,
    FacetBucket,
    FacetName,
    Interval,
    InvalidSearch,
    SearchRequest,
    SearchResponse,
)
from newsdesk.search.saved import SavedSearch, SavedSearches
from newsdesk.stores import DamagedStore, check_sqlite, find_damage
from newsdesk.stories import SURE, StoryDetail, StoryList, StoryStore, get_story, list_stories, settings_store_path

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_FACET_SIZE = 100
MAX_ID_LENGTH = 256
MAX_STORY_NUMBER = 1_000_000_000
"""Bound of `/stories` paging numbers: larger ones are a 422, not an integer SQLite cannot hold."""

PAGE_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
}


# ---------------------------------------------------------------------------------------------------------------
# Response models


class SearchPage(SearchResponse):
    """A page of hits with facets, plus how many pages can be fetched."""

    pages: int = Field(description=f"Pages that can be fetched at this size (at most {MAX_RESULT_WINDOW} hits deep).")
    has_next: bool
    story_labels: dict[str, str] = Field(default_factory=dict, description=(
        "The label of every story named by a hit or a `story_id` facet value."))


class FacetResponse(BaseModel):
    field: str
    buckets: list[FacetBucket]
    more: bool = Field(default=False, description="Whether more values follow (ask again with a larger `offset`).")
    story_labels: dict[str, str] = Field(default_factory=dict, description="Labels of the listed stories.")
    undated: int | None = Field(default=None, description=(
        "`published` only: matching articles without a publication date (in no bucket), as `/search` counts them."))
    interval: Interval | None = Field(default=None, description="`published` only: the bucket width used.")


class SavedSearchBody(BaseModel):
    query: str = Field(description="The search as `/search` query parameters, e.g. `q=taliban&publisher=Reuters`.")


class HealthResponse(BaseModel):
    backend: str
    reachable: bool
    documents: int | None = None
    detail: str | None = None


class ErrorItem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ErrorResponse(BaseModel):
    """Same shape as FastAPI's validation errors, so clients read every 4xx one way."""

    detail: list[ErrorItem] | str


# ---------------------------------------------------------------------------------------------------------------
# Helpers

_MARK = re.compile(r"</?mark>")
_ENTITY = re.compile(r"&(?:[A-Za-z]+|#[0-9]+|#[xX][0-9A-Fa-f]+);")


def safe_highlight(fragment: str) -> str:
    """The fragment if it is escaped text with only <mark> tags, else its plain text escaped (marks dropped)."""
    rest = _MARK.sub("", fragment)
    if "<" not in rest and ">" not in rest and "&" not in _ENTITY.sub("", rest):
        return fragment
    log.warning("backend returned a highlight with markup other than <mark>; escaping it")
    return html.escape(html.unescape(rest))


def page_info(response: SearchResponse, request: SearchRequest, story_labels: dict[str, str] | None = None) -> SearchPage:
    """Attach `pages` and `has_next` (bounded by the result window) to a backend response."""
    hits = [h.model_copy(update={"highlights": [safe_highlight(f) for f in h.highlights]}) for h in response.hits]
    if request.size > 0:
        reachable = min(response.total, MAX_RESULT_WINDOW)
        pages = math.ceil(reachable / request.size)
    else:
        pages = 0
    return SearchPage(
        **response.model_dump(exclude={"hits", "page", "size"}),
        hits=hits,
        page=request.page,
        size=request.size,
        pages=pages,
        has_next=request.page < pages,
        story_labels=story_labels or {},
    )


class SecurityHeaders:
    """Adds `X-Content-Type-Options` to every response and the page's security headers to `/` and `/static/`.

    Plain ASGI, not `BaseHTTPMiddleware`: that one costs a task and a stream per request.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        extra = {"X-Content-Type-Options": "nosniff"}
        if path in ("/", "/docs") or path.startswith("/static/"):
            extra.update(PAGE_SECURITY_HEADERS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for key, value in extra.items():
                    headers.setdefault(key, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class AllowedHosts:
    """Answers only requests whose Host header names this server (`NEWSDESK_API_ALLOWED_HOSTS`): a page on another
    site that rebinds its DNS name to 127.0.0.1 cannot read the API. Plain ASGI; `*` allows any host."""

    def __init__(self, app: ASGIApp, hosts: Sequence[str]) -> None:
        self.app = app
        self.any = "*" in hosts
        self.hosts = {h.strip("[]").lower() for h in hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self.any:
            host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), "")
            name = host[1:host.find("]")] if host.startswith("[") else host.rsplit(":", 1)[0]
            if name.lower() not in self.hosts:
                response = JSONResponse(status_code=400, content={"detail": "invalid Host header"})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def render_api_docs(spec: dict[str, Any]) -> str:
    """The API reference as one self-contained HTML page (no scripts, nothing from another site)."""
    e = html.escape
    out = [f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{e(spec['info']['title'])}</title>"
           '<link rel=stylesheet href="/static/style.css"></head><body><main>',
           f"<h1>{e(spec['info']['title'])}</h1><p>{e(spec['info'].get('summary', ''))}</p>",
           '<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3).</p>']
    for path, operations in spec.get("paths", {}).items():
        for method, op in operations.items():
            out.append(f"<section><h2><code>{e(method.upper())} {e(path)}</code></h2>"
                       f"<p><strong>{e(op.get('summary', ''))}</strong></p><p>{e(op.get('description', ''))}</p>")
            params = op.get("parameters", [])
            if params:
                out.append("<table><tr><th>parameter</th><th>in</th><th>type</th><th>meaning</th></tr>")
                for p in params:
                    schema = p.get("schema", {})
                    kind = schema.get("type") or " or ".join(a.get("type", "?") for a in schema.get("anyOf", []))
                    out.append(f"<tr><td><code>{e(p['name'])}</code>{' (required)' if p.get('required') else ''}"
                               f"</td><td>{e(p['in'])}</td><td>{e(str(kind))}</td>"
                               f"<td>{e(p.get('description', ''))}</td></tr>")
                out.append("</table>")
            codes = ", ".join(f"{e(code)} {e(r.get('description', ''))}" for code, r in op.get("responses", {}).items())
            out.append(f"<p>Responses: {codes}</p></section>")
    out.append("</main></body></html>")
    return "".join(out)


def _invalid(msg: str) -> JSONResponse:
    """A 422 in the shape of FastAPI's own validation errors."""
    return JSONResponse(status_code=422, content={"detail": [{"loc": ["query"], "msg": msg, "type": "invalid_search"}]})


class _BackendHolder:
    """Opens the backend on first use (once, thread-safe) and closes it if the app opened it."""

    def __init__(self, backend: IndexBackend | None, opener: Callable[[], IndexBackend]) -> None:
        self._backend = backend
        self._opener = opener
        self._owned = backend is None
        self._lock = threading.Lock()

    def get(self) -> IndexBackend:
        if self._backend is None:
            with self._lock:
                if self._backend is None:
                    try:
                        self._backend = self._opener()
                    except Exception as exc:  # noqa: BLE001 - any failure to open means "unavailable"
                        raise BackendError(f"cannot open the index: {type(exc).__name__}: {exc}") from exc
        return self._backend

    def close(self) -> None:
        with self._lock:
            if self._owned and self._backend is not None:
                self._backend.close()
                self._backend = None


# ---------------------------------------------------------------------------------------------------------------
# Parameters shared by /search and /facets

def filter_params(
    publisher: Annotated[list[str] | None, Query(description="Publisher (whole name, any case); repeat to OR several.")] = None,
    entity: Annotated[list[str] | None, Query(description=(
        "Canonical entity name (whole name, any case); repeat to OR several."))] = None,
    entity_type: Annotated[EntityType | None, Query(description="Restrict `entity` to this entity type.")] = None,
    author: Annotated[list[str] | None, Query(description="Author (whole name, any case); repeat to OR several.")] = None,
    language: Annotated[list[str] | None, Query(description="ISO 639-1 code; repeat to OR several.")] = None,
    story_id: Annotated[list[str] | None, Query(description=(
        "Story id (a hit's `story_id`, see `/stories`): only that story's articles; repeat to OR several."))] = None,
    date_from: Annotated[date | None, Query(alias="from", description="Published on or after (YYYY-MM-DD).")] = None,
    date_to: Annotated[date | None, Query(alias="to", description="Published on or before (YYYY-MM-DD).")] = None,
    exclude: Annotated[list[str] | None, Query(description=(
        "`FIELD:VALUE` to leave out, e.g. `publisher:RT` (fields: publisher, entity, author, language, story_id; "
        "any case); repeat for several."))] = None,
    q: Annotated[str | None, Query(description=(
        'Query: words, "quoted phrases", AND/OR/NOT, -term, prefix*, '
        "field:value (publisher, person, organization, location, author, ...)."))] = None,
    collapse: Annotated[bool, Query(description="Hide near-duplicate copies.")] = False,
    undated: Annotated[bool, Query(description=(
        "Only articles with no publication date (their count is the search response's `undated`)."))] = False,
) -> dict[str, Any]:
    """The query and filters `/search`, `/facets` and `/export` share, as `build_request` keyword arguments."""
    return {"q": q, "publisher": publisher, "entity": entity, "entity_type": entity_type, "author": author,
            "language": language, "story_id": story_id, "date_from": date_from, "date_to": date_to,
            "exclude": exclude, "collapse": collapse, "undated": undated}


FilterParams = Annotated[dict[str, Any], Depends(filter_params)]


def create_app(
    backend: IndexBackend | None = None,
    settings: Settings | None = None,
    *,
    cors_origins: Sequence[str] = (),
    allowed_hosts: Sequence[str] | None = None,
) -> FastAPI:
    """The search API over `backend` (opened lazily from `settings` when None, and then closed on shutdown).

    The index is read-only here; the one thing written is the saved searches (PUT and DELETE, which browsers
    never send across sites without CORS). CORS stays off unless `cors_origins` lists allowed (GET) origins; with
    `allowed_hosts`, requests naming another host are refused (`newsdesk api` passes the configured list).
    """

    def opener() -> IndexBackend:
        from newsdesk.index import open_backend

        return open_backend(settings or get_settings())

    holder = _BackendHolder(backend, opener)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            holder.close()

    app = FastAPI(
        title="newsdesk search API",
        version="1",
        summary="Full-text and faceted search over enriched news articles (read-only).",
        lifespan=lifespan,
        responses={422: {"model": ErrorResponse, "description": "Invalid request; `msg` says what is wrong."}},
        docs_url=None,
        redoc_url=None,
    )
    app.state.backends = holder
    if cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(cors_origins), allow_methods=["GET"], allow_headers=[])

    app.add_middleware(SecurityHeaders)
    if allowed_hosts is not None:
        app.add_middleware(AllowedHosts, hosts=list(allowed_hosts))

    @app.exception_handler(InvalidSearch)
    async def invalid_search(_: Request, exc: InvalidSearch) -> JSONResponse:
        return _invalid(str(exc) or "invalid search")

    @app.exception_handler(BackendError)
    async def backend_error(_: Request, exc: BackendError) -> JSONResponse:
        log.warning("backend error: %s", exc)
        return JSONResponse(status_code=503, content={"detail": f"search backend unavailable: {exc}"})

    def story_labels(story_ids: Sequence[str | None]) -> dict[str, str]:
        wanted = [s for s in story_ids if s]
        if not wanted:
            return {}
        with StoryStore.for_settings(settings or get_settings()) as store:
            return store.labels(wanted)

    @app.exception_handler(DamagedStore)
    async def damaged_store(_: Request, exc: DamagedStore) -> JSONResponse:
        log.error("%s", exc)
        return JSONResponse(status_code=503, content={"detail": str(exc)})

    @app.exception_handler(sqlite3.DatabaseError)
    async def damaged_database(request: Request, exc: sqlite3.DatabaseError) -> JSONResponse:
        damage = find_damage(settings or get_settings())
        if damage is None:
            raise exc
        return await damaged_store(request, damage)

    @app.get("/search", response_model=SearchPage, tags=["search"], summary="Full-text and faceted search")
    def search(
        filters: FilterParams,
        sort: Annotated[Literal["relevance", "date"], Query(description="`date` is newest first.")] = "relevance",
        page: Annotated[int, Query(ge=1, description=f"1-based; page * size must stay <= {MAX_RESULT_WINDOW}.")] = 1,
        size: Annotated[int, Query(ge=0, le=MAX_PAGE_SIZE, description="Hits per page (0: facets only).")] = 10,
        facets: Annotated[list[str] | None, Query(description=(
            "Facets to compute, comma-separated or repeated (publisher, person, organization, location, "
            "norp, event, author, language, published, story_id); empty for none; default: "
            "publisher, person, organization, location, published.")),
        ] = None,
        facet_size: Annotated[int, Query(ge=1, le=MAX_FACET_SIZE, description="Values per facet.")] = 10,
        interval: Annotated[Interval | Literal["auto"], Query(description=(
            "Bucket width of the `published` facet; `auto` follows the hits' date span (day up to two months, "
            "week up to a year, month up to ten years, else year)."))] = "month",
    ) -> Response:
        """Hits (with `<mark>` highlights, everything else HTML-escaped), facet counts, total and paging.

        With the `published` facet, `undated` counts the hits without a publication date and `interval` says how
        the dates are bucketed. Serialised by pydantic directly: the page is a `SearchPage` already.
        """
        req = build_request(**filters, sort=sort, page=page, size=size, facets=facets, facet_size=facet_size,
                            interval=interval)
        response = run_search(holder.get(), req)
        ids = [h.story_id for h in response.hits] + [b.value for b in response.facets.get("story_id", [])]
        return Response(page_info(response, req, story_labels(ids)).model_dump_json(), media_type="application/json")

    @app.get(
        "/export", tags=["search"], summary="Every hit of a search, as CSV or JSON lines",
        response_class=StreamingResponse,
        responses={200: {"content": {MEDIA_TYPES["csv"]: {}, MEDIA_TYPES["jsonl"]: {}},
                         "description": "The hits, streamed; `X-Total-Count` is how many match."}},
    )
    def export(
        filters: FilterParams,
        sort: Annotated[Literal["relevance", "date"], Query(description="`date` is newest first.")] = "relevance",
        format: Annotated[ExportFormat, Query(description="`csv` (a header row) or `jsonl` (one object a line).")] = "csv",
        limit: Annotated[int | None, Query(ge=1, le=MAX_EXPORT_HITS, description=(
            f"Export only the first `limit` hits. Without it, a search matching more than {MAX_EXPORT_HITS:,} "
            "hits is refused."))] = None,
    ) -> StreamingResponse:
        """Every hit of the same query and filters as `/search`, in its order (no paging limit), streamed.

        Columns: id, title, publisher, published, language, url, story_id, duplicate_of, score. In CSV, a cell a
        spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`) gets a leading `'`.
        """
        req = build_request(**filters, sort=sort, size=0, facets=[], highlight=False)
        backend_ = holder.get()
        total = backend_.search(req).total
        if limit is None and total > MAX_EXPORT_HITS:
            raise InvalidSearch(f"{total:,} articles match; an export holds at most {MAX_EXPORT_HITS:,}: narrow the "
                                f"search, or pass limit to export the first ones")
        count = min(total, limit or MAX_EXPORT_HITS)
        headers = {"Content-Disposition": f'attachment; filename="{export_filename(filters["q"], format)}"',
                   "X-Total-Count": str(total), "X-Export-Count": str(count)}
        return StreamingResponse(export_lines(backend_.scan(req, count), format), media_type=MEDIA_TYPES[format],
                                 headers=headers)

    @app.get(
        "/articles/{article_id}", response_model=Article, tags=["articles"], summary="One article",
        responses={404: {"model": ErrorResponse, "description": "No article with this id."}},
    )
    def get_article(article_id: Annotated[str, PathParam(min_length=1, max_length=MAX_ID_LENGTH)]) -> Article:
        """The full stored article: text, entities, quotes, provenance."""
        article = holder.get().get(article_id)
        if article is None:
            raise HTTPException(status_code=404, detail=f"no article with id {article_id!r}")
        return article

    @app.get("/stories", response_model=StoryList, tags=["stories"], summary="Stories, latest first")
    def stories(
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Stories per page.")] = 20,
        offset: Annotated[int, Query(ge=0, le=MAX_STORY_NUMBER)] = 0,
        min_articles: Annotated[int, Query(ge=1, le=MAX_STORY_NUMBER,
                                           description="Only stories with this many articles.")] = 1,
    ) -> StoryList:
        """Stories (articles about one event): label, articles and copies, publishers, date span, top entities."""
        with StoryStore.for_settings(settings or get_settings()) as store:
            return list_stories(store, limit=limit, offset=offset, min_articles=min_articles)

    @app.get(
        "/stories/{story_id}", response_model=StoryDetail, tags=["stories"], summary="One story and who claims what",
        responses={404: {"model": ErrorResponse, "description": "No story with this id."}},
    )
    def story(
        story_id: Annotated[str, PathParam(min_length=1, max_length=MAX_ID_LENGTH)],
        min_confidence: Annotated[float, Query(ge=0.0, le=1.0, description=(
            f"Credit a speaker only where the attribution is at least this sure ({SURE}: the sure ones); the "
            "others are listed with the unattributed quotations, their speaker as the hint."))] = 0.0,
    ) -> StoryDetail:
        """A story's articles and attributed statements, grouped by speaker and by publisher (not judged)."""
        with StoryStore.for_settings(settings or get_settings()) as store:
            found = get_story(store, holder.get(), story_id, min_confidence)
        if found is None:
            raise HTTPException(status_code=404, detail=f"no story with id {story_id!r}")
        return found

    @app.get(
        "/facets/{field}", response_model=FacetResponse, tags=["search"], summary="Values of one facet, page by page",
    )
    def facet(
        field: Annotated[FacetName, PathParam(description="Facet field.")],
        filters: FilterParams,
        size: Annotated[int, Query(ge=1, le=MAX_FACET_SIZE, description="How many values.")] = 10,
        offset: Annotated[int, Query(ge=0, lt=MAX_FACET_VALUES, description=(
            f"Skip this many top values (offset + size <= {MAX_FACET_VALUES:,})."))] = 0,
        contains: Annotated[str | None, Query(max_length=200, description=(
            "Only values containing this text (any case)."))] = None,
        interval: Annotated[Interval | Literal["auto"], Query(description=(
            "Bucket width of the `published` facet (`auto` as in `/search`)."))] = "month",
    ) -> FacetResponse:
        """Values of `field` with document counts, most frequent first (ties by value), under the same query and
        filters as `/search`. For `published`, `undated` counts the matching articles without a date and
        `interval` says how the dates are bucketed, as in `/search`."""
        end = min(offset + size, MAX_FACET_VALUES)
        request = build_request(**filters, size=0, facets=[field], facet_size=min(end + 1, MAX_FACET_VALUES),
                                facet_contains=contains, interval=interval, highlight=False)
        response = run_search(holder.get(), request)
        buckets = response.facets.get(field, [])
        shown = buckets[offset:end]
        labels = story_labels([b.value for b in shown]) if field == "story_id" else {}
        return FacetResponse(field=field, buckets=shown, more=len(buckets) > end, story_labels=labels,
                             undated=response.undated, interval=response.interval)

    @app.get("/saved-searches", response_model=list[SavedSearch], tags=["saved searches"], summary="Saved searches")
    def saved_searches() -> list[SavedSearch]:
        """Every saved search, by name."""
        with SavedSearches.for_settings(settings or get_settings()) as saved:
            return saved.list()

    @app.put("/saved-searches/{name}", response_model=SavedSearch, tags=["saved searches"],
             summary="Save a search under a name (replacing one of that name)")
    def save_search(name: Annotated[str, PathParam(min_length=1, max_length=100)], body: SavedSearchBody) -> SavedSearch:
        """Store the search (its `/search` query string, checked as `/search` would) under `name`."""
        with SavedSearches.for_settings(settings or get_settings()) as saved:
            return saved.save(name, body.query)

    @app.delete("/saved-searches/{name}", status_code=204, tags=["saved searches"], summary="Delete a saved search",
                responses={404: {"model": ErrorResponse, "description": "No saved search of this name."}})
    def delete_search(name: Annotated[str, PathParam(min_length=1, max_length=100)]) -> Response:
        with SavedSearches.for_settings(settings or get_settings()) as saved:
            if not saved.delete(name):
                raise HTTPException(status_code=404, detail=f"no saved search named {name!r}")
        return Response(status_code=204)

    @app.get(
        "/health", response_model=HealthResponse, tags=["health"], summary="Backend health",
        responses={503: {"model": HealthResponse, "description": "The backend does not answer."}},
    )
    def health() -> JSONResponse:
        """Backend name, whether it answers, and its document count (503 when it does not answer)."""
        name = (settings or get_settings()).backend if backend is None else backend.name
        try:
            be = holder.get()
            name = be.name
            info = be.health()
            reachable = bool(info.get("reachable", info.get("ok", True)))
            docs = info.get("documents", info.get("count"))
            stories = check_sqlite(settings_store_path(settings or get_settings()), ("articles", "stories"),
                                   thorough=False)
            if stories:  # `/stories` reads it
                reachable, info = False, {**info, "error": str(DamagedStore(
                    "story store", settings_store_path(settings or get_settings()), stories))}
            result = HealthResponse(
                backend=name, reachable=reachable, documents=int(docs) if isinstance(docs, int) else None,
                detail=str(info.get("detail") or info.get("error") or "") or None,
            )
        except Exception as exc:  # noqa: BLE001 - health reports any failure instead of raising
            log.warning("health check failed: %s", exc)
            result = HealthResponse(backend=name, reachable=False, detail=f"{type(exc).__name__}: {exc}")
        return JSONResponse(status_code=200 if result.reachable else 503, content=result.model_dump())

    @app.get("/docs", include_in_schema=False)
    def docs_page() -> HTMLResponse:
        return HTMLResponse(render_api_docs(app.openapi()))

    @app.get("/", include_in_schema=False)
    def index_page() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app

