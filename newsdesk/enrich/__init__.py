"""Enrichment: language, publication date, publisher and cited sources, entities, quotes, mentioned dates.

`enrich_articles` takes cleaned articles with the raw input they came from and returns them enriched;
results are cached by a hash of their inputs, so an unchanged article is not re-analysed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from spacy.tokens import Doc

from newsdesk.config import get_settings
from newsdesk.enrich.cache import (
    EnrichmentCache,
    apply_enrichment,
    enrichment_key,
    enrichment_of,
)
from newsdesk.enrich.dates import resolve_mentioned_dates
from newsdesk.enrich.entities import DocumentEntities, resolve_batch
from newsdesk.enrich.language import detect_language
from newsdesk.enrich.nlp import analyse, load_nlp
from newsdesk.enrich.published import decide_published
from newsdesk.enrich.publishers import PublisherRegistry, decide_publisher
from newsdesk.enrich.quotes import attribute
from newsdesk.enrich.registry import AliasRegistry
from newsdesk.model import Article, EntityType, Provenance, RawDocument
from newsdesk.versions import ENRICH_VERSION, enrichment_version

__all__ = ["ENRICH_VERSION", "enrich_articles", "enrichment_version", "load_nlp"]


def _stores() -> tuple[EnrichmentCache, AliasRegistry]:
    settings = get_settings()
    return (_open_cache(str(settings.cache_dir / "enrich.sqlite")),
            _open_registry(str(settings.store_path("aliases"))))


@lru_cache(maxsize=4)
def _open_cache(path: str) -> EnrichmentCache:
    return EnrichmentCache(Path(path))


@lru_cache(maxsize=4)
def _open_registry(path: str) -> AliasRegistry:
    return AliasRegistry(Path(path))


@lru_cache(maxsize=4)
def _open_publishers(path: str) -> PublisherRegistry:
    return PublisherRegistry(Path(path))


def _publishers() -> PublisherRegistry:
    """The corpus-wide publisher names (one display name per outlet)."""
    return _open_publishers(str(get_settings().store_path("publishers")))


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


ANALYSED_LANGUAGES = frozenset({"en"})
"""Languages the spaCy model reads; entities, quotes and mentioned dates are left empty for others."""


def _decided_publisher(raw: RawDocument, article: Article, entities: DocumentEntities | None,
                       ) -> tuple[str, Provenance, str | None] | None:
    persons = frozenset(e.name for e in (entities.entities if entities else []) if e.type is EntityType.PERSON)
    return decide_publisher(raw, article, persons)


def _enrich_one(raw: RawDocument, article: Article, doc: Doc | None, entities: DocumentEntities | None,
                language: tuple[str, Provenance] | None, publisher: tuple[str, Provenance, str | None] | None,
                display: str | None) -> Article:
    """All enrichment of one article; `doc` is its parsed body and `entities` its resolved entities, both
    None when its language is not analysed; `publisher` as decided for it, `display` its corpus-wide name."""
    provenance = dict(article.provenance)
    update: dict[str, object] = {"language": language[0] if language else None}
    if language:
        provenance["language"] = language[1]

    published = decide_published(raw, article, language=language[0] if language else None)
    update["published"] = published[0] if published else None
    if published:
        provenance["published"] = published[1]

    model = f"spacy:{get_settings().spacy_model}"
    quotes, cited = attribute(doc, entities) if doc is not None and entities is not None else ([], [])
    base_day = _day(published[0]) if published else None
    expressions = entities.date_expressions if entities is not None else []
    entity_list = entities.entities if entities else []
    update["entities"] = entity_list
    update["quotes"] = quotes
    update["cited_sources"] = cited
    update["mentioned_dates"] = resolve_mentioned_dates(expressions, base_day)
    skipped = None if doc is not None else f"not analysed: language {update['language']}"
    provenance["entities"] = Provenance(source=model, detail=skipped or "in-document aliases + corpus registry")
    provenance["quotes"] = Provenance(source=f"{model}+attribution-rules", detail=skipped)
    provenance["cited_sources"] = Provenance(source=f"{model}+attribution-rules", detail=skipped)
    provenance["mentioned_dates"] = Provenance(source=f"{model}+dateparser",
                                               detail=skipped or f"relative to {base_day}")

    update["publisher"] = display if publisher else None
    if publisher:
        provenance["publisher"] = publisher[1]
        agency = publisher[2]
        if agency and agency not in cited and agency != update["publisher"]:
            update["cited_sources"] = [*cited, agency]  # a wire story: the agency the page credits
    else:
        provenance.pop("publisher", None)
    return article.model_copy(update={**update, "provenance": provenance})


def enrich_articles(items: Sequence[tuple[RawDocument, Article]]) -> list[Article]:
    """Enrich cleaned articles (with their raw inputs), in order; cached results are reused.

    Only articles missing from the cache are analysed; spaCy reads those in a language it knows.
    """
    cache, registry = _stores()
    version = enrichment_version()
    keys = [enrichment_key(raw, article, version) for raw, article in items]
    cached = cache.get_many(list(set(keys)))
    results: list[Article | None] = [
        apply_enrichment(article, cached[key]) if key in cached else None
        for key, (_, article) in zip(keys, items)]
    todo = [i for i, result in enumerate(results) if result is None]
    if not todo:
        return results  # type: ignore[return-value]
    languages = {i: detect_language(f"{items[i][1].title or ''}\n{items[i][1].body}") for i in todo}
    analysed = [i for i in todo if languages[i] and languages[i][0] in ANALYSED_LANGUAGES]  # type: ignore[index]
    docs: dict[int, Doc] = {}
    entities: dict[int, DocumentEntities] = {}
    if analysed:
        docs = dict(zip(analysed, analyse([items[i][1].body for i in analysed])))
        entities = dict(zip(analysed, resolve_batch([docs[i] for i in analysed], registry)))
    decided = {i: _decided_publisher(*items[i], entities.get(i)) for i in todo}
    named = [i for i in todo if decided[i]]
    displays = dict(zip(named, _publishers().settle_many(
        [(decided[i][0], items[i][1].url) for i in named])))  # type: ignore[index]
    fresh: dict[str, dict[str, object]] = {}
    for i in todo:
        raw, article = items[i]
        enriched = _enrich_one(raw, article, docs.get(i), entities.get(i), languages[i], decided[i],
                               displays.get(i))
        results[i] = enriched
        fresh[keys[i]] = enrichment_of(enriched)
    cache.put_many(fresh)
    return results  # type: ignore[return-value]
