"""Versions of everything that shapes a stored article. When `pipeline_version()` changes, incremental
ingest re-processes every file; when `enrichment_version()` changes, cached enrichment is ignored.

Kept free of heavy imports: planning a run must not load the NLP stack.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from newsdesk.config import get_settings

MODEL_VERSION = "1"
"""Bump when the `Article` model changes what is stored."""
CLEAN_VERSION = "1"
"""Bump when the cleaner's rules change what it outputs (the line classifier's weights count by hash)."""
ENRICH_VERSION = "4"
"""Bump when enrichment output changes (the spaCy model counts by name)."""

LINE_MODEL = Path(__file__).parent / "clean" / "line_model.json"


@lru_cache(maxsize=1)
def clean_version() -> str:
    weights = hashlib.sha256(LINE_MODEL.read_bytes()).hexdigest()[:10] if LINE_MODEL.exists() else "none"
    return f"{CLEAN_VERSION}:{weights}"


def enrichment_version() -> str:
    """What cached enrichment must match besides its inputs: our version and the spaCy model."""
    return f"{ENRICH_VERSION}:{get_settings().spacy_model}"


def pipeline_version() -> str:
    return f"{MODEL_VERSION}/{clean_version()}/{enrichment_version()}"
