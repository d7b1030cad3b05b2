"""Versions of everything that shapes a stored article. When `pipeline_version()` changes, incremental
ingest re-processes every file; when `enrichment_version()` changes, cached enrichment is ignored.

Kept free of heavy imports: planning a run must not load the NLP stack.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from newsdesk.config import get_settings

MODEL_VERSION = "1"
"""Bump when the `Article` model changes what is stored."""
CLEAN_VERSION = "2"
"""Bump when the cleaner's rules change what it outputs (the line classifier's weights count by hash)."""
ENRICH_VERSION = "7"
"""Bump when enrichment output changes (the spaCy model counts by name, the speaker ranker's weights by hash)."""

LINE_MODEL = Path(__file__).parent / "clean" / "line_model.json"
SPEAKER_WEIGHTS = Path(__file__).parent / "enrich" / "speaker_weights.json"


@lru_cache(maxsize=1)
def clean_version() -> str:
    weights = hashlib.sha256(LINE_MODEL.read_bytes()).hexdigest()[:10] if LINE_MODEL.exists() else "none"
    return f"{CLEAN_VERSION}:{weights}"


def enrichment_version() -> str:
    """What cached enrichment must match besides its inputs: our version, the spaCy model and the speaker
    ranker's weights."""
    return f"{ENRICH_VERSION}:{get_settings().spacy_model}:{_speaker_weights()}"


@lru_cache(maxsize=1)
def _speaker_weights() -> str:
    """The ranker's fitted model (its features, weights and thresholds; not its `about`), hashed."""
    if not SPEAKER_WEIGHTS.exists():
        return "none"
    model = {k: v for k, v in json.loads(SPEAKER_WEIGHTS.read_text(encoding="utf-8")).items() if k != "about"}
    return hashlib.sha256(json.dumps(model, sort_keys=True).encode()).hexdigest()[:10]


def pipeline_version() -> str:
    return f"{MODEL_VERSION}/{clean_version()}/{enrichment_version()}"
