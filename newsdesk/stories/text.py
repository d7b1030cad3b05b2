"""Text features shared by near-duplicate detection and story clustering: one tokenisation for both."""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
import zlib
from collections import Counter
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from newsdesk.model import Article, EntityType

if TYPE_CHECKING:
    from datasketch import LeanMinHash

NUM_PERM = 128
SHINGLE_WORDS = 3
"""Word 3-grams: robust to light edits (a changed word breaks 3 shingles), rare across different texts."""
MINHASH_SEED = 1
MINHASH_SCHEME = "affine32"
"""Pinned: stored signatures must stay comparable across datasketch versions."""
_HASH_DTYPE = np.uint32
MIN_TERM_CHARS = 3
MAX_TERMS = 60
"""Terms kept per article vector (the most frequent content words of title and body)."""
TITLE_WEIGHT = 3
STORY_ENTITY_TYPES = frozenset({EntityType.PERSON, EntityType.ORGANIZATION, EntityType.LOCATION,
                                EntityType.NORP, EntityType.EVENT})

_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """Lower-cased `\\w+` tokens of NFKC-normalised text (curly quotes, ligatures and widths unified)."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def shingles(tokens: list[str], size: int = SHINGLE_WORDS) -> set[str]:
    """Word n-grams of a token list (the whole list when it is shorter than `size`)."""
    if len(tokens) <= size:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i:i + size]) for i in range(len(tokens) - size + 1)}


def minhash(tokens: list[str]) -> LeanMinHash:
    """MinHash signature of a token list's word shingles (same tokens and parameters, same signature).

    Shingles are hashed with CRC-32 (a C call; datasketch mixes it with fmix32 before permuting)."""
    from datasketch import LeanMinHash, MinHash  # here: importing datasketch costs seconds (scipy)

    sketch = MinHash(num_perm=NUM_PERM, seed=MINHASH_SEED, scheme=MINHASH_SCHEME, hashfunc=zlib.crc32,
                     permutations=_permutations())
    sketch.update_batch([s.encode() for s in shingles(tokens)])
    return LeanMinHash(sketch)


@lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """The seeded permutations, drawn once per process (drawing them costs more than hashing a text)."""
    from datasketch import MinHash

    template = MinHash(num_perm=NUM_PERM, seed=MINHASH_SEED, scheme=MINHASH_SCHEME)
    return template.permutations


def minhash_bytes(sketch: LeanMinHash) -> bytes:
    return np.asarray(sketch.hashvalues, dtype=_HASH_DTYPE).tobytes()


def minhash_from_bytes(data: bytes) -> LeanMinHash:
    from datasketch import LeanMinHash

    return LeanMinHash(seed=MINHASH_SEED, hashvalues=np.frombuffer(data, dtype=_HASH_DTYPE), scheme=MINHASH_SCHEME)


def band_keys(sketch: LeanMinHash, bands: int, rows: int) -> list[int]:
    """One signed 64-bit key per LSH band (hash of the band's rows), as SQLite stores integers."""
    values = np.asarray(sketch.hashvalues, dtype=_HASH_DTYPE)
    return [int.from_bytes(hashlib.blake2b(values[b * rows:(b + 1) * rows].tobytes(), digest_size=8).digest(),
                           "big", signed=True) for b in range(bands)]


@lru_cache(maxsize=64)
def stop_words(language: str | None) -> frozenset[str]:
    """spaCy's stop words for a language (English when unknown or unsupported)."""
    import spacy.util  # here: importing spaCy is slow, and the API reads stories without it

    try:
        return frozenset(spacy.util.get_lang_class(language or "en").Defaults.stop_words)
    except Exception:  # no spaCy language data for this code
        return frozenset(spacy.util.get_lang_class("en").Defaults.stop_words)


def term_counts(article: Article, body_words: list[str] | None = None) -> dict[str, float]:
    """Content-word counts of title (weighted) and body (`body_words`: its tokens, when already split),
    sub-linear, top MAX_TERMS."""
    stops = stop_words(article.language)
    counts: Counter[str] = Counter()
    body = body_words if body_words is not None else words(article.body)
    for weight, tokens in ((TITLE_WEIGHT, words(article.title or "")), (1, body)):
        for token in tokens:
            if len(token) >= MIN_TERM_CHARS and not token.isdigit() and token not in stops:
                counts[token] += weight
    return {t: 1.0 + math.log(c) for t, c in counts.most_common(MAX_TERMS)}


def entity_counts(article: Article) -> dict[str, float]:
    """Salient entities (people, organisations, places, groups, events) by canonical name, sub-linear."""
    counts: Counter[str] = Counter()
    for entity in article.entities:
        if entity.type in STORY_ENTITY_TYPES:
            counts[entity.name] += entity.count
    return {n: 1.0 + math.log(c) for n, c in counts.items()}


def cosine(a: Mapping[str, float], b: Mapping[str, float], weight: Mapping[str, float] | None = None) -> float:
    """Cosine of two sparse vectors, each feature scaled by `weight` (e.g. IDF; 1 when missing)."""
    if not a or not b:
        return 0.0
    w = weight or {}
    dot = sum(v * b[k] * w.get(k, 1.0) ** 2 for k, v in a.items() if k in b)
    if dot == 0.0:
        return 0.0
    na = math.sqrt(sum((v * w.get(k, 1.0)) ** 2 for k, v in a.items()))
    nb = math.sqrt(sum((v * w.get(k, 1.0)) ** 2 for k, v in b.items()))
    return dot / (na * nb)


def add_into(total: dict[str, float], vector: Mapping[str, float], keep: int) -> dict[str, float]:
    """`total + vector`, truncated to the `keep` heaviest features (a bounded story centroid)."""
    merged = dict(total)
    for k, v in vector.items():
        merged[k] = merged.get(k, 0.0) + v
    if len(merged) > keep:
        merged = dict(sorted(merged.items(), key=lambda kv: -kv[1])[:keep])
    return merged


def display_title(article: Article) -> str:
    """The article's title, else the start of its lead sentence (`lead_label`)."""
    from newsdesk.clean.titles import lead_label

    if article.title and article.title.strip():
        return " ".join(article.title.split())
    return lead_label(article.body) or ""
