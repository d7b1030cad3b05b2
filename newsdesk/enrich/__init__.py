"""Enrichment: language, publication date, publisher and cited sources, entities, quotes, mentioned dates.

`enrich_articles` takes cleaned articles with the raw input they came from and returns them enriched;
results are cached by a hash of their inputs, so an unchanged article is not re-analysed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from newsdesk.config import get_settings
from newsdesk.enrich.cache import EnrichmentCache, apply_enrichment, enrichment_key, enrichment_of
from newsdesk.enrich.dates import decide_published, resolve_mentioned_dates
from newsdesk.enrich.entities import resolve_entities
from newsdesk.enrich.language import detect_language
from newsdesk.enrich.outlets import canonical_outlet, canonical_publisher
from newsdesk.enrich.quotes import attribute
from newsdesk.enrich.registry import AliasRegistry
from newsdesk.model import Article, EntityType, Provenance, RawDocument

ENRICH_VERSION = "1"
"""Bump when enrichment output changes: cached results of other versions are ignored."""

SPACY_DISABLED = ["tagger", "attribute_ruler", "lemmatizer"]
"""NER plus the dependency parser (sentences, speakers, claims); tags and lemmas are not needed."""

NLP_BATCH_SIZE = 32

__all__ = ["ENRICH_VERSION", "enrich_articles", "load_nlp"]


@Language.component("paragraph_breaks")
def paragraph_breaks(doc: Doc) -> Doc:
    """Start a sentence after every line break, so the parser never joins paragraphs or list items."""
    for token in doc[1:]:
        previous = doc[token.i - 1]
        if "\n" in previous.text_with_ws and not token.is_space:
            token.is_sent_start = True
    return doc


def load_nlp() -> Language:
    """The spaCy pipeline enrichment runs (loaded once per process and model)."""
    return _load_pipeline(get_settings().spacy_model)


@lru_cache(maxsize=2)
def _load_pipeline(model: str) -> Language:
    nlp = spacy.load(model, disable=SPACY_DISABLED)
    nlp.add_pipe("paragraph_breaks", before="parser")
    return nlp


def _stores() -> tuple[EnrichmentCache, AliasRegistry]:
    settings = get_settings()
    return (_open_cache(str(settings.cache_dir / "enrich.sqlite")),
            _open_registry(str(settings.home / "aliases.sqlite")))


@lru_cache(maxsize=4)
def _open_cache(path: str) -> EnrichmentCache:
    return EnrichmentCache(Path(path))


@lru_cache(maxsize=4)
def _open_registry(path: str) -> AliasRegistry:
    return AliasRegistry(Path(path))


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _enrich_one(raw: RawDocument, article: Article, doc: Doc, registry: AliasRegistry) -> Article:
    provenance = dict(article.provenance)
    update: dict[str, object] = {}

    language = detect_language(f"{article.title or ''}\n{article.body}")
    update["language"] = language[0] if language else None
    if language:
        provenance["language"] = language[1]

    published = decide_published(raw, article)
    update["published"] = published[0] if published else None
    if published:
        provenance["published"] = published[1]

    entities = resolve_entities(doc, registry)
    update["entities"] = entities.entities
    provenance["entities"] = Provenance(source=f"spacy:{get_settings().spacy_model}",
                                        detail="in-document aliases + corpus registry")

    quotes, cited = attribute(doc, entities)
    update["quotes"] = quotes
    provenance["quotes"] = Provenance(source="rules:dependency-parse")
    update["cited_sources"] = cited
    provenance["cited_sources"] = Provenance(source="rules:attribution")

    outlets = frozenset(e.name for e in entities.entities if e.type is EntityType.ORGANIZATION)
    publisher = canonical_publisher(article.publisher, outlets)
    update["publisher"] = publisher
    if publisher:
        earlier = article.provenance.get("publisher")
        known = canonical_outlet(publisher) is not None
        provenance["publisher"] = Provenance(
            source=earlier.source if earlier else "input", confidence=0.95 if known else 0.7,
            detail=f"canonical of {article.publisher!r}")
    else:
        provenance.pop("publisher", None)

    base_day = _day(published[0]) if published else None
    expressions = [e.text for e in doc.ents if e.label_ in ("DATE", "TIME")]
    update["mentioned_dates"] = resolve_mentioned_dates(expressions, base_day)
    provenance["mentioned_dates"] = Provenance(source="spacy+dateparser", detail=f"relative to {base_day}")

    return article.model_copy(update={**update, "provenance": provenance})


def enrich_articles(items: Sequence[tuple[RawDocument, Article]], *, n_process: int = 1) -> list[Article]:
    """Enrich cleaned articles (with their raw inputs), in order; cached results are reused."""
    cache, registry = _stores()
    version = f"{ENRICH_VERSION}:{get_settings().spacy_model}"
    keys = [enrichment_key(raw, article, version) for raw, article in items]
    cached = cache.get_many(list(set(keys)))
    results: list[Article | None] = [
        apply_enrichment(article, cached[key]) if key in cached else None
        for key, (_, article) in zip(keys, items)]
    todo = [i for i, result in enumerate(results) if result is None]
    if todo:
        nlp = load_nlp()
        texts = [items[i][1].body for i in todo]
        docs = nlp.pipe(texts, batch_size=NLP_BATCH_SIZE, n_process=n_process if len(todo) > 1 else 1)
        fresh: dict[str, dict[str, object]] = {}
        for i, doc in zip(todo, docs):
            raw, article = items[i]
            results[i] = _enrich_one(raw, article, doc, registry)
            fresh[keys[i]] = enrichment_of(results[i])  # type: ignore[arg-type]
        cache.put_many(fresh)
    return [r for r in results if r is not None]
