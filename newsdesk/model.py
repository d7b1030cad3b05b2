"""The one data model every stage fills and every backend stores."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timezone
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator



class EntityType(StrEnum):
    PERSON = "person"
    ORGANIZATION = "organization"
    LOCATION = "location"
    NORP = "norp"
    EVENT = "event"


FACET_ENTITY_TYPES: tuple[EntityType, ...] = (
    EntityType.PERSON,
    EntityType.ORGANIZATION,
    EntityType.LOCATION,
)


class Entity(BaseModel):
    """A named entity under its canonical name, with how often and how it was mentioned."""

    name: str
    type: EntityType
    count: int = 1
    surface_forms: list[str] = Field(default_factory=list)


class Quote(BaseModel):
    """A statement and who made it, set only on clear evidence: `speaker` names them as the article does,
    `speaker_entity` is the canonical entity (the facets' name, the same across articles)."""

    speaker: str | None = None
    """The speaker's name as the article writes it (its fullest form there: "Obama" where it writes "President Obama")."""
    speaker_entity: str | None = None
    """The canonical entity the speaker is ("Barack Obama"): the person and organisation facets' name (the speaker's
    name where not given, as in quotes stored before it existed)."""
    text: str
    kind: Literal["direct", "indirect"] = "direct"
    confidence: float | None = None
    """How sure the attribution is, 0-1 (None: not scored, from before scores existed)."""
    speaker_hint: str | None = None
    """Without a speaker: the likeliest candidate, or how the text describes the speaker ("a source")."""
    speaker_phrase: str | None = None
    """With a speaker: the words the text names them with when not the name ("a Taliban spokesman")."""

    @model_validator(mode="after")
    def _entity_of_speaker(self) -> Quote:
        if self.speaker and not self.speaker_entity:
            self.speaker_entity = self.speaker
        return self


class Provenance(BaseModel):
    """Where an enriched field came from: the rule or source, and a confidence when it is a guess."""

    source: str
    confidence: float | None = None
    detail: str | None = None


class RemovedSpan(BaseModel):
    """A piece of input the cleaner removed, and the rule that removed it."""

    rule: str
    text: str


class Article(BaseModel):
    """A news article: input identity, cleaned text, enrichment, bookkeeping."""

    model_config = ConfigDict(extra="forbid")

    id: str
    path: str | None = None
    url: str | None = None
    source: str | None = None
    title: str | None = None
    body: str = ""
    published: date | datetime | None = None
    dateline: str | None = None
    authors: list[str] = Field(default_factory=list)
    publisher: str | None = None
    aggregator: str | None = None
    cited_sources: list[str] = Field(default_factory=list)
    language: str | None = None
    entities: list[Entity] = Field(default_factory=list)
    quotes: list[Quote] = Field(default_factory=list)
    mentioned_dates: list[date] = Field(default_factory=list)
    content_hash: str = ""
    ingested_at: datetime | None = None
    provenance: dict[str, Provenance] = Field(default_factory=dict)
    removed: list[RemovedSpan] = Field(default_factory=list)
    duplicate_of: str | None = None
    story_id: str | None = None
    pipeline_version: str = ""
    """`newsdesk.versions.pipeline_version()` of the run that produced this article."""

    def entity_names(self, entity_type: EntityType) -> list[str]:
        """Canonical names of this article's entities of one type, most mentioned first."""
        ents = sorted((e for e in self.entities if e.type == entity_type), key=lambda e: -e.count)
        return [e.name for e in ents]

    @property
    def published_day(self) -> date | None:
        """The publication date without time of day."""
        if isinstance(self.published, datetime):
            return self.published.date()
        return self.published


class RawDocument(BaseModel):
    """One input record as loaded from a source, before cleaning.

    `fields` holds metadata a structured source already carries (JSON keys such as
    title, url, published, publisher; a feed's or sitemap's entry for a page); `content_type` says how to
    read `content`.
    """

    path: str
    """The input path as the user gave it (joined with the file's place under a given folder)."""
    identity: str = ""
    """The resolved absolute path: what makes ids stable however the path was spelled."""
    record: str | None = None
    content: str
    content_type: Literal["text", "html"]
    fields: dict[str, object] = Field(default_factory=dict)
    fields_source: str = "json"
    """Where `fields` came from, kept as their provenance: 'json' (the record itself), 'feed' or 'sitemap'
    (what a listing said about a page: hints), 'page' (the fetched page's canonical URL only)."""
    source: str | None = None
    """The source argument (folder, file or glob) this input was found under."""

    @property
    def key(self) -> str:
        """Identity of the input: resolved path plus record locator (JSONL line)."""
        base = self.identity or self.path
        return base if self.record is None else f"{base}#{self.record}"


def stable_id(*parts: str) -> str:
    """A short deterministic id from identity parts (same input, same id)."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:20]


def content_hash(text: str) -> str:
    """Hash of whitespace- and case-normalised text (exact duplicate detection)."""
    norm = " ".join(text.lower().split())
    return hashlib.sha256(norm.encode()).hexdigest()


def iso_day(value: str | None) -> date | None:
    """The day an ISO 8601 date or datetime string starts with, or None."""
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def article_id_for(raw: RawDocument) -> str:
    """Stable article id: a JSON record's own `id` or `url` when it has one, else the input's key."""
    for key in ("id", "url"):
        value = raw.fields.get(key)
        if isinstance(value, str) and value.strip():
            return stable_id(key, value.strip())
    return stable_id("path", raw.key)


Status = Literal["indexed", "unchanged", "duplicate", "skipped", "failed"]


COUNTER_OF_STATUS: dict[str, str] = {
    "indexed": "indexed", "unchanged": "unchanged", "duplicate": "duplicates", "skipped": "skipped", "failed": "failed",
}


class DocumentOutcome(BaseModel):
    """What became of one input document (or of a whole file that yielded none)."""

    key: str
    status: Status
    reason: str | None = None
    stage: str | None = None
    article_id: str | None = None


class IngestSummary(BaseModel):
    """Accounting of one run: `seen == indexed + unchanged + duplicates + skipped + failed`."""

    seen: int = 0
    indexed: int = 0
    unchanged: int = 0
    duplicates: int = 0
    skipped: int = 0
    failed: int = 0
    removed: list[str] = Field(default_factory=list)
    """Inputs known from earlier runs that are gone from the sources (deleted only with prune)."""
    pruned: int = 0
    interrupted: str | None = None
    """Why the run stopped writing before the end (index backend unavailable, no space left); the documents it
    could not write are counted as failed and the next run picks them up."""
    skipped_documents: list[DocumentOutcome] = Field(default_factory=list)
    failed_documents: list[DocumentOutcome] = Field(default_factory=list)
    per_source: dict[str, dict[str, int]] = Field(default_factory=dict)

    def add(self, outcome: DocumentOutcome, source: str | None = None) -> None:
        """Count one outcome (and list it when skipped or failed)."""
        counter = COUNTER_OF_STATUS[outcome.status]
        self.seen += 1
        setattr(self, counter, getattr(self, counter) + 1)
        if outcome.status == "skipped":
            self.skipped_documents.append(outcome)
        elif outcome.status == "failed":
            self.failed_documents.append(outcome)
        if source is not None:
            row = self.per_source.setdefault(source, dict.fromkeys(["seen", *COUNTER_OF_STATUS.values()], 0))
            row["seen"] += 1
            row[counter] += 1

    def merge(self, other: "IngestSummary") -> None:
        for counter in ("seen", *COUNTER_OF_STATUS.values(), "pruned"):
            setattr(self, counter, getattr(self, counter) + getattr(other, counter))
        self.removed += other.removed
        self.interrupted = self.interrupted or other.interrupted
        self.skipped_documents += other.skipped_documents
        self.failed_documents += other.failed_documents
        for source, row in other.per_source.items():
            mine = self.per_source.setdefault(source, dict.fromkeys(row, 0))
            for k, v in row.items():
                mine[k] = mine.get(k, 0) + v

    @property
    def balanced(self) -> bool:
        return self.seen == self.indexed + self.unchanged + self.duplicates + self.skipped + self.failed
