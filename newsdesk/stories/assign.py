"""Incremental near-duplicate detection (MinHash/LSH) and story clustering of an ingest batch.

Each article is compared with what the store has seen before it: a near-duplicate gets `duplicate_of`
(the earliest seen copy) and joins that copy's story; any other article joins the most similar story in
its time window (shared salient entities, title and body terms, close dates) or starts a new one. Only
the stories an article touches are updated, so cost grows with the batch, not with the store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from newsdesk.model import Article, stable_id
from newsdesk.stories.store import StoredStory, StoryStore, Vector
from newsdesk.stories.text import (
    NUM_PERM,
    add_into,
    band_keys,
    cosine,
    display_title,
    entity_counts,
    minhash,
    minhash_bytes,
    minhash_from_bytes,
    term_counts,
    words,
)

ENTITY_PREFIX = "e:"
TERM_PREFIX = "t:"


@dataclass(frozen=True)
class StoryParams:
    """Tuned on the labelled set by `bench/stories.py` (see BENCHMARKS.md)."""

    duplicate_threshold: float = 0.5
    """Estimated Jaccard of word 3-gram sets above which a later article is a copy of an earlier one."""
    story_threshold: float = 0.5
    """Similarity to a story's centroid needed to join it."""
    entity_weight: float = 0.3
    """Share of entity similarity (the rest is title and body terms) when both sides have entities."""
    grace_days: int = 2
    """Date gap with no penalty."""
    window_days: int = 7
    """Date gap beyond which an article never joins a story."""
    story_terms: int = 150
    story_entities: int = 50
    key_terms: int = 12
    """Top terms an article looks stories up by (besides all its entities)."""
    min_shared_keys: int = 2
    max_candidates: int = 20
    lookup_keys: int = 16
    """Keys an article looks stories up by: its rarest ones seen before (a common key would make every
    lookup scan a share of all stories, so the cost per article would grow with the corpus)."""


DEFAULT_PARAMS = StoryParams()


@dataclass
class AssignResult:
    """What one batch did to the store."""

    near_duplicates: dict[str, str] = field(default_factory=dict)
    """Article id -> canonical id, for copies found by MinHash (exact copies come from the ingest state)."""
    new_stories: int = 0
    joined: int = 0


@lru_cache(maxsize=8)
def lsh_shape(threshold: float) -> tuple[int, int]:
    """(bands, rows) datasketch picks for a Jaccard threshold (weighing false positives and negatives)."""
    from datasketch import MinHashLSH  # here: importing datasketch costs seconds (scipy)

    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    return lsh.b, lsh.r


def _day(article: Article) -> date | None:
    """The article's publication day; None when it has none (the day it was ingested is not its date)."""
    return article.published_day


def date_factor(day: date | None, first: str | None, last: str | None, params: StoryParams) -> float:
    """1 within the grace gap of a story's date span, falling linearly to 0 at the window's edge."""
    if day is None or first is None or last is None:
        return 1.0
    gap = max((date.fromisoformat(first) - day).days, (day - date.fromisoformat(last)).days, 0)
    if gap <= params.grace_days:
        return 1.0
    return max(0.0, 1.0 - (gap - params.grace_days) / max(1, params.window_days - params.grace_days))


def similarity(terms: Vector, entities: Vector, story: StoredStory, idf: dict[str, float],
               params: StoryParams) -> float:
    """Weighted cosine of an article's terms and entities with a story's centroid (IDF-weighted)."""
    term_idf = {k: idf.get(TERM_PREFIX + k, 1.0) for k in terms}
    entity_idf = {k: idf.get(ENTITY_PREFIX + k, 1.0) for k in entities}
    text = cosine(terms, story.terms, term_idf)
    if not entities or not story.entities:
        return text
    return (1 - params.entity_weight) * text + params.entity_weight * cosine(entities, story.entities, entity_idf)


def _features(terms: Vector, entities: Vector) -> list[str]:
    return [TERM_PREFIX + t for t in terms] + [ENTITY_PREFIX + e for e in entities]


def _story_keys(story: StoredStory, params: StoryParams) -> list[str]:
    top_terms = sorted(story.terms, key=lambda t: -story.terms[t])[:params.key_terms * 2]
    return [ENTITY_PREFIX + e for e in story.entities] + [TERM_PREFIX + t for t in top_terms]


def _article_keys(terms: Vector, entities: Vector, params: StoryParams) -> list[str]:
    top_terms = sorted(terms, key=lambda t: -terms[t])[:params.key_terms]
    return [ENTITY_PREFIX + e for e in entities] + [TERM_PREFIX + t for t in top_terms]


def refresh_story(store: StoryStore, story_id: str, params: StoryParams = DEFAULT_PARAMS) -> StoredStory | None:
    """Recompute one story from its members: centroid, date span, size and label (its most central title)."""
    members = store.members(story_id)
    if not members:
        store.delete_story(story_id)
        return None
    canonical = [m for m in members if m.duplicate_of is None] or members
    terms: Vector = {}
    entities: Vector = {}
    for m in canonical:
        terms = add_into(terms, m.terms, params.story_terms)
        entities = add_into(entities, m.entities, params.story_entities)
    idf = store.idf(_features(terms, {}))
    weights = {k: idf[TERM_PREFIX + k] for k in terms}
    central = max(canonical, key=lambda m: (cosine(m.terms, terms, weights), -m.seq))
    days = sorted(m.day for m in members if m.day)
    story = StoredStory(id=story_id, label=central.title, label_article=central.id,
                        first_day=days[0] if days else None, last_day=days[-1] if days else None,
                        size=len(members), terms=terms, entities=entities)
    store.put_story(story, _story_keys(story, params))
    return story


def _join_story(store: StoryStore, story_id: str, article_id: str, title: str, terms: Vector, entities: Vector,
                day: date | None, canonical: bool, params: StoryParams) -> None:
    """Add one new article to a story (or start it) without reading its other members.

    A canonical article moves the centroid and takes the label if it is now more central than the
    label's article; a copy only counts (and widens the date span)."""
    story = store.story(story_id)
    iso = day.isoformat() if day else None
    if story is None:
        story = StoredStory(id=story_id, label=title, label_article=article_id, first_day=iso, last_day=iso,
                            size=1, terms=dict(terms), entities=dict(entities))
        store.put_story(story, _story_keys(story, params))
        return
    story.size += 1
    if iso is not None:
        story.first_day = min(story.first_day or iso, iso)
        story.last_day = max(story.last_day or iso, iso)
    if canonical:
        story.terms = add_into(story.terms, terms, params.story_terms)
        story.entities = add_into(story.entities, entities, params.story_entities)
        current = store.article(story.label_article)
        idf = store.idf(_features(story.terms, {}))
        weights = {k: idf[TERM_PREFIX + k] for k in story.terms}
        if current is None or cosine(terms, story.terms, weights) > cosine(current.terms, story.terms, weights):
            story.label, story.label_article = title, article_id
    store.put_story(story, _story_keys(story, params) if canonical else ())


def _canonical_copy(store: StoryStore, signature_keys: list[int], sketch_bytes: bytes, before: int | None,
                    threshold: float) -> str | None:
    """The earliest seen article whose shingles overlap this one's by at least `threshold` (its canonical)."""
    sketch = minhash_from_bytes(sketch_bytes)
    for _seq, other_id, other_bytes, other_dup in store.band_candidates(signature_keys, before):
        if sketch.jaccard(minhash_from_bytes(other_bytes)) >= threshold:
            return other_dup or other_id
    return None


def _best_story(store: StoryStore, terms: Vector, entities: Vector, day: date | None,
                params: StoryParams) -> StoredStory | None:
    day_from = day_to = None
    if day is not None:
        day_from = (day - timedelta(days=params.window_days)).isoformat()
        day_to = (day + timedelta(days=params.window_days)).isoformat()
    idf = store.idf(_features(terms, entities))  # the article keys are among these features
    unseen = store.idf_of_unseen()
    keys = sorted((k for k in _article_keys(terms, entities, params) if idf[k] < unseen), key=lambda k: -idf[k])
    candidates = store.candidate_stories(keys[:params.lookup_keys], day_from, day_to,
                                         params.min_shared_keys, params.max_candidates)
    if not candidates:
        return None
    scored = [(similarity(terms, entities, s, idf, params) * date_factor(day, s.first_day, s.last_day, params), s)
              for s in candidates]
    score, story = max(scored, key=lambda pair: pair[0])
    return story if score >= params.story_threshold else None


def assign_stories(articles: Sequence[Article], store: StoryStore | Path,
                   params: StoryParams = DEFAULT_PARAMS) -> AssignResult:
    """Set `duplicate_of` (near copies) and `story_id` on a batch, in order, updating the store.

    An article that already has `duplicate_of` (an exact copy found by the ingest state) keeps it. A copy
    joins its canonical's story; an article seen before keeps its story (unless it became a copy) and its
    place in the seen order. Accepts a store or its path.
    """
    if isinstance(store, Path):
        with StoryStore(store) as opened:
            return assign_stories(articles, opened, params)
    result = AssignResult()
    bands, rows = lsh_shape(params.duplicate_threshold)
    with store.transaction():
        store.ensure_bands(bands, rows, lambda blob: band_keys(minhash_from_bytes(blob), bands, rows))
        for article in articles:
            tokens = words(article.body)
            sketch = minhash(tokens)
            sketch_bytes = minhash_bytes(sketch)
            keys = band_keys(sketch, bands, rows)
            known = store.article(article.id)
            if article.duplicate_of is None:
                canonical = _canonical_copy(store, keys, sketch_bytes, known.seq if known else None,
                                            params.duplicate_threshold)
                if canonical is not None and canonical != article.id:
                    article.duplicate_of = canonical
                    result.near_duplicates[article.id] = canonical
            terms, entities = term_counts(article, tokens), entity_counts(article)
            day = _day(article)
            original = store.article(article.duplicate_of) if article.duplicate_of else None
            if original is not None:
                story_id = original.story_id
                result.joined += 1
            elif known is not None:
                story_id = known.story_id
            else:
                story = _best_story(store, terms, entities, day, params)
                if story is None:
                    story_id = "s" + stable_id("story", article.id)[:15]
                    result.new_stories += 1
                else:
                    story_id = story.id
                    result.joined += 1
            if known is None and article.duplicate_of is None:
                store.count_documents(_features(terms, entities))
            article.story_id = story_id
            title = display_title(article)
            seq = store.put_article(article.id, sketch_bytes, article.duplicate_of, story_id,
                                    day.isoformat() if day else None, title, article.publisher,
                                    article.url, terms, entities)
            store.add_bands(seq, keys)
            if known is None:
                _join_story(store, story_id, article.id, title, terms, entities, day, article.duplicate_of is None,
                            params)
            else:
                for touched in dict.fromkeys((story_id, known.story_id)):
                    refresh_story(store, touched, params)
    return result


def forget_articles(ids: Sequence[str], store: StoryStore | Path, params: StoryParams = DEFAULT_PARAMS) -> None:
    """Drop deleted articles from the store and refresh (or drop) the stories they were in."""
    if isinstance(store, Path):
        with StoryStore(store) as opened:
            return forget_articles(ids, opened, params)
    with store.transaction():
        for story_id in store.delete_articles(ids):
            refresh_story(store, story_id, params)
    return None
