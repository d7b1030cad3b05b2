"""Backend-neutral search request and response: parsed once, translated per backend."""

from __future__ import annotations

from datetime import date
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, Field

from newsdesk.model import EntityType

MAX_PAGE_SIZE = 100
MAX_RESULT_WINDOW = 10_000
"""Deepest hit (page * size) we serve; deeper paging is refused, as Elasticsearch does."""
MAX_EXPORT_HITS = 100_000
"""Most hits one export streams (`GET /export`); a search matching more is refused unless a `limit` is given."""
MAX_FACET_VALUES = 1_000
"""Most values of one facet a request lists (`facet_size`, and `offset + size` when paging through values)."""

FacetName = Literal["publisher", "person", "organization", "location", "norp", "event", "author", "language", "published",
                    "story_id"]
DEFAULT_FACETS: tuple[FacetName, ...] = ("publisher", "person", "organization", "location", "published")
Interval = Literal["day", "week", "month", "year"]
FilterField = Literal["publisher", "entity", "author", "language", "story_id"]
"""Keyword filters (matched case-insensitively); each can also exclude values (`Filters.exclude`)."""

QueryField = Literal["title", "body", "publisher", "person", "organization", "location", "norp", "event", "author",
                     "language", "entity", "story_id"]
TEXT_FIELDS: frozenset[str] = frozenset({"title", "body"})
"""Fields searched as analysed text; every other QueryField is an exact (keyword) match."""


class InvalidSearch(ValueError):
    """A search the user must change (malformed query, page too deep): a 4xx, never a 500."""


class Term(BaseModel):
    """A word (or `prefix*`) in the text fields, or an exact value when `field` is a keyword field."""

    kind: Literal["term"] = "term"
    value: str
    field: QueryField | None = None
    prefix: bool = False


class Phrase(BaseModel):
    """A "quoted phrase" in the text fields (or in one text field)."""

    kind: Literal["phrase"] = "phrase"
    value: str
    field: QueryField | None = None


class And(BaseModel):
    kind: Literal["and"] = "and"
    clauses: list["QueryNode"]


class Or(BaseModel):
    kind: Literal["or"] = "or"
    clauses: list["QueryNode"]


class Not(BaseModel):
    kind: Literal["not"] = "not"
    clause: "QueryNode"


QueryNode = Annotated[Union[Term, Phrase, And, Or, Not], Field(discriminator="kind")]
And.model_rebuild()
Or.model_rebuild()
Not.model_rebuild()


class Filters(BaseModel):
    """Keyword filters (whole values, case-insensitive); values within one field are OR-ed, fields are AND-ed.

    `exclude` drops articles holding any of its values, field by field (`entity` excludes a name of any type).
    """

    publisher: list[str] = Field(default_factory=list)
    entity: list[str] = Field(default_factory=list)
    entity_type: EntityType | None = None
    author: list[str] = Field(default_factory=list)
    language: list[str] = Field(default_factory=list)
    story_id: list[str] = Field(default_factory=list)
    date_from: date | None = None
    date_to: date | None = None
    undated: bool = False
    """Only articles with no publication date (the bucket the `published` facet cannot show)."""
    exclude: dict[FilterField, list[str]] = Field(default_factory=dict)


class SearchRequest(BaseModel):
    """What a user asked for: parsed query, filters, facets, sort and page."""

    query: QueryNode | None = None
    filters: Filters = Field(default_factory=Filters)
    sort: Literal["relevance", "date"] = "relevance"
    page: int = Field(default=1, ge=1)
    size: int = Field(default=10, ge=0, le=MAX_PAGE_SIZE)
    facets: list[FacetName] = Field(default_factory=lambda: list(DEFAULT_FACETS))
    facet_size: int = Field(default=10, ge=1, le=MAX_FACET_VALUES)
    facet_contains: str | None = None
    """List only facet values containing this text (case-insensitive); the `published` histogram is unaffected."""
    interval: Interval = "month"
    auto_interval: bool = False
    """Choose the `published` bucket width from the hits' date span (`run_search` does; `interval` is its first
    try). Backends always bucket by `interval`."""
    highlight: bool = True
    collapse: bool = False
    """Hide near-duplicates (articles with `duplicate_of` set)."""

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


class FacetBucket(BaseModel):
    """One facet value and how many hits hold it (a `published` value is a bucket label, e.g. `2021-09`)."""

    value: str
    count: int


class Hit(BaseModel):
    id: str
    title: str | None = None
    lead: str | None = None
    """For an article without a title: the start of its lead sentence, which lists show instead (marked as such)."""
    publisher: str | None = None
    published: str | None = None
    language: str | None = None
    url: str | None = None
    score: float | None = None
    highlights: list[str] = Field(default_factory=list)
    """Fragments with matches wrapped in <mark>; everything else HTML-escaped."""
    duplicate_of: str | None = None
    story_id: str | None = None


def hit_from_article_fields(article_id: str, fields: Mapping[str, Any], score: float | None,
                            highlights: list[str]) -> Hit:
    """A hit from a stored article's fields (the embedded index's JSON or an Elasticsearch `_source`)."""
    from newsdesk.clean.titles import lead_label

    lead = None if fields.get("title") else lead_label(str(fields.get("body") or ""))
    return Hit(id=article_id, score=score, highlights=highlights, lead=lead,
               **{name: fields.get(name) for name in ("title", "publisher", "published", "language", "url",
                                                      "duplicate_of", "story_id")})


class SearchResponse(BaseModel):
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetBucket]] = Field(default_factory=dict)
    undated: int | None = None
    """How many matching articles have no publication date; set whenever the `published` facet is asked for."""
    page: int = 1
    size: int = 10
    interval: Interval | None = None
    """Bucket width of the `published` facet, when requested."""
