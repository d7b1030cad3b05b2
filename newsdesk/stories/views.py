"""What readers see of stories: a list, and one story with its articles and who claims what, with sources.

Claims are the enrichment's attributed statements (`Article.quotes`: direct quotes and "X said/claimed/
denied that ..."), grouped by speaker and by publisher, each with how sure its attribution is; quotations
without a clear speaker are listed apart. Nothing here judges whether a claim is true.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from urllib.parse import urlparse

from pydantic import BaseModel, Field, computed_field

from newsdesk.index.base import IndexBackend
from newsdesk.model import Article, EntityType
from newsdesk.stories.store import StoredArticle, StoredStory, StoryStore
from newsdesk.stories.text import display_title, words

UNATTRIBUTED = "(unattributed)"
UNKNOWN_PUBLISHER = "(unknown publisher)"
SPEAKER_GROUP_TYPES = frozenset({EntityType.ORGANIZATION, EntityType.NORP})
"""An unnamed speaker ("a Taliban spokesman") is grouped under the organisation or group it names."""
POSSESSIVE = re.compile(r"[’']s\b")
LEADING_WORDS = re.compile(r"^(?:(?:one|some|two|several|many|other|another|a|an|the|of)\s+)+", re.I)
SURE = 0.9
"""The confidence from which an attribution counts as sure: on pages labelled before any run (rounds 51 to 71, with
the speaker ranker), 2,883 of the 2,959 speakers named at this confidence were right (97%), against 369 of 468
below it (79%) (BENCHMARKS.md, quotes and speakers)."""


class StorySummary(BaseModel):
    """One story in a list: label (its most central title), size, publishers, dates, top entities."""

    id: str
    label: str
    articles: int
    duplicates: int
    publishers: list[str] = Field(default_factory=list)
    first_day: date | None = None
    last_day: date | None = None
    top_entities: list[str] = Field(default_factory=list)


class StoryList(BaseModel):
    total: int
    stories: list[StorySummary]


class StoryArticle(BaseModel):
    id: str
    title: str
    title_is_lead: bool = False
    """The article has no title: `title` is the start of its lead sentence."""
    publisher: str
    published: date | None = None
    url: str | None = None
    duplicate_of: str | None = None


class SourceRef(BaseModel):
    """Where a statement was reported."""

    article_id: str
    publisher: str
    """The outlet of this article (a copy is credited to its own outlet)."""
    title: str
    title_is_lead: bool = False
    """The article has no title: `title` is the start of its lead sentence."""
    url: str | None = None
    published: date | None = None
    copy_of: str | None = None
    """The article this one is a near-duplicate copy of."""
    original_publisher: str | None = None
    """For a copy of an article in the story: the original's outlet, under which the copy is shown (folded)."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def outlet(self) -> str:
        """The outlet a statement is shown under: the original's for a copy, else the article's own."""
        return self.original_publisher or self.publisher


class Statement(BaseModel):
    """One statement, with every article that reports it."""

    speaker: str
    """The speaker as the articles name it ("Taliban spokesman"), or UNATTRIBUTED."""
    text: str
    kind: str
    sources: list[SourceRef]
    confidence: float | None = None
    """The surest attribution among the reports (None: not scored)."""
    speaker_hint: str | None = None
    """For an unattributed statement: the likeliest speaker, unconfirmed, or how the text describes them."""


class SpeakerClaims(BaseModel):
    speaker: str
    """The speaker group: a canonical entity name, or the speaker phrase."""
    publishers: list[str]
    """Outlets reporting the speaker; copies are folded under their originals' outlets."""
    statements: list[Statement]


class PublisherClaims(BaseModel):
    publisher: str
    speakers: list[str]
    statements: list[Statement]


class StoryDetail(StorySummary):
    """A story with its articles and its claims side by side (by speaker and by publisher)."""

    article_list: list[StoryArticle] = Field(default_factory=list)
    claims_by_speaker: list[SpeakerClaims] = Field(default_factory=list)
    claims_by_publisher: list[PublisherClaims] = Field(default_factory=list)
    unattributed: list[Statement] = Field(default_factory=list)
    """Quotations whose speaker is not clear, listed apart (with a hint where there is a candidate)."""


def publisher_of(publisher: str | None, url: str | None) -> str:
    """The publisher, else the URL's host, else a placeholder."""
    if publisher:
        return publisher
    host = urlparse(url).hostname if url else None
    return host.removeprefix("www.") if host else UNKNOWN_PUBLISHER


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _summary(story: StoredStory, members: list[StoredArticle], top: int = 8) -> StorySummary:
    publishers = Counter(publisher_of(m.publisher, m.url) for m in members)
    entities = sorted(story.entities, key=lambda e: -story.entities[e])[:top]
    return StorySummary(id=story.id, label=story.label, articles=story.size,
                        duplicates=sum(1 for m in members if m.duplicate_of),
                        publishers=[p for p, _ in publishers.most_common()], first_day=_day(story.first_day),
                        last_day=_day(story.last_day), top_entities=entities)


def list_stories(store: StoryStore, *, limit: int = 20, offset: int = 0, min_articles: int = 1,
                 date_from: date | None = None, date_to: date | None = None) -> StoryList:
    """Stories, latest first: label, size, publishers, date span, top entities."""
    total, page = store.stories(day_from=date_from.isoformat() if date_from else None,
                                day_to=date_to.isoformat() if date_to else None, min_size=min_articles,
                                limit=limit, offset=offset)
    return StoryList(total=total, stories=[_summary(s, store.members(s.id)) for s in page])


def speaker_group(speaker: str | None, article: Article) -> str:
    """Who a statement belongs to: the canonical speaker, the organisation a role phrase names, or the phrase."""
    if not speaker:
        return UNATTRIBUTED
    names = {e.name for e in article.entities}
    if speaker in names:
        return speaker
    tokens = set(words(speaker))
    groups = [e.name for e in article.entities if e.type in SPEAKER_GROUP_TYPES and e.name != article.publisher
              and words(e.name) and set(words(e.name)) <= tokens]
    if groups:
        return max(groups, key=len)
    return _role_phrase(speaker)


def _role_phrase(speaker: str) -> str:
    """"One of Sputnik Afghanistan’s sources" -> "Sputnik Afghanistan source": one key per kind of source."""
    from newsdesk.enrich.quotes import ROLE_NOUNS  # here: the enrich package imports spaCy

    phrase = POSSESSIVE.sub("", LEADING_WORDS.sub("", speaker)).strip()
    head, _, last = phrase.rpartition(" ")
    if last in ROLE_NOUNS and last.endswith("s") and last[:-1] in ROLE_NOUNS:
        phrase = f"{head} {last[:-1]}".strip()
    return phrase or speaker


def claims(articles: list[Article], min_confidence: float = 0.0,
           ) -> tuple[list[SpeakerClaims], list[PublisherClaims], list[Statement]]:
    """Attributed statements grouped by speaker and by publisher, and the unattributed ones apart; a statement
    repeated by copies is one statement with several sources, and a copy of an article in `articles` is grouped
    under its original's publisher (credited to its own). Speakers reported by most publishers first.
    A statement whose surest attribution is below `min_confidence` (or not scored, when it is above 0) is listed
    apart too, its speaker kept as the hint."""
    statements: dict[tuple[str, str], Statement] = {}
    outlets = {a.id: publisher_of(a.publisher, a.url) for a in articles}
    for article in articles:
        source = SourceRef(article_id=article.id, publisher=outlets[article.id],
                           title=display_title(article), title_is_lead=not article.title, url=article.url,
                           published=article.published_day, copy_of=article.duplicate_of,
                           original_publisher=outlets.get(article.duplicate_of or ""))
        for quote in article.quotes:
            key = (speaker_group(quote.speaker_entity, article), " ".join(words(quote.text)))
            statement = statements.setdefault(key, Statement(
                speaker=quote.speaker_phrase or quote.speaker or UNATTRIBUTED, text=quote.text, kind=quote.kind,
                sources=[], speaker_hint=None if quote.speaker else quote.speaker_hint))
            if quote.confidence is not None and (statement.confidence or 0.0) < quote.confidence:
                statement.confidence = quote.confidence
            if all(s.article_id != article.id for s in statement.sources):
                statement.sources.append(source)
    by_speaker: dict[str, list[Statement]] = {}
    by_publisher: dict[str, list[tuple[str, Statement]]] = {}
    unattributed: list[Statement] = []
    for (group, _), statement in statements.items():
        if group == UNATTRIBUTED:
            unattributed.append(statement)
            continue
        if (statement.confidence or 0.0) < min_confidence:
            unattributed.append(statement.model_copy(update={"speaker": UNATTRIBUTED, "speaker_hint": group}))
            continue
        by_speaker.setdefault(group, []).append(statement)
        for publisher in _outlets(statement):
            by_publisher.setdefault(publisher, []).append((group, statement))
    speakers = [SpeakerClaims(speaker=group, statements=items,
                              publishers=list(dict.fromkeys(p for st in items for p in _outlets(st))))
                for group, items in by_speaker.items()]
    speakers.sort(key=lambda c: (-len(c.publishers), -len(c.statements), c.speaker))
    publishers = [PublisherClaims(publisher=publisher, speakers=list(dict.fromkeys(g for g, _ in items)),
                                  statements=[st for _, st in items])
                  for publisher, items in by_publisher.items()]
    publishers.sort(key=lambda c: (-len(c.statements), c.publisher))
    return speakers, publishers, unattributed


def _outlets(statement: Statement) -> list[str]:
    """The outlets reporting a statement, copies folded under their originals'."""
    return list(dict.fromkeys(s.outlet for s in statement.sources))


def get_story(store: StoryStore, backend: IndexBackend, story_id: str, min_confidence: float = 0.0,
              ) -> StoryDetail | None:
    """One story: summary, its articles (earliest published first, undated last) and its claims, from the index
    (attributions below `min_confidence` listed apart, as `claims` does)."""
    story = store.story(story_id)
    if story is None:
        return None
    members = store.members(story_id)
    articles = [a for a in (backend.get(m.id) for m in members) if a is not None]
    by_speaker, by_publisher, unattributed = claims([a for a in articles if a.duplicate_of is None] +
                                                    [a for a in articles if a.duplicate_of is not None],
                                                    min_confidence)
    dated = sorted(members, key=lambda m: (m.day is None, m.day or "", m.seq))  # undated last, never given a day
    untitled = {a.id for a in articles if not a.title}
    article_list = [StoryArticle(id=m.id, title=m.title, title_is_lead=m.id in untitled,
                                 publisher=publisher_of(m.publisher, m.url), published=_day(m.day), url=m.url,
                                 duplicate_of=m.duplicate_of) for m in dated]
    return StoryDetail(**_summary(story, members).model_dump(), article_list=article_list,
                       claims_by_speaker=by_speaker, claims_by_publisher=by_publisher, unattributed=unattributed)
