"""The spaCy analysis enrichment reads: entities everywhere, a dependency parse where attribution needs one.

NER runs on every sentence; the (costlier) tok2vec + parser run only on sentences that contain a word
attribution looks at (speech verbs, "according", "denied", ...). Other sentences get a flat tree (every
token attached to the sentence's first), so the documents behave as fully parsed ones do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np
import spacy
from spacy.attrs import DEP, HEAD
from spacy.language import Language
from spacy.tokens import Doc, Span

from newsdesk.config import get_settings
from newsdesk.enrich.quotes import PARSE_TRIGGERS, positions_of

SPACY_EXCLUDED = ["tagger", "attribute_ruler", "lemmatizer"]
"""Tags and lemmas are not needed, so not even loaded. Sentences come from the model's own small sentence
recogniser (`senter`, a few percent of NER's cost), not from the parser."""

PARSE_PASS = ["tok2vec", "parser"]
NLP_BATCH_SIZE = 8
"""Texts per spaCy call: 8 holds a worker's peak to ~300 MB (32: ~500 MB on files of many records) at the same speed."""

_PARAGRAPH = re.compile(r"\n\s*")


@Language.component("paragraph_breaks")
def paragraph_breaks(doc: Doc) -> Doc:
    """Start a sentence after every line break, so no sentence joins paragraphs or list items."""
    if len(doc) < 2:
        return doc
    starts = doc.to_array("IDX")
    for match in _PARAGRAPH.finditer(doc.text):
        i = int(np.searchsorted(starts, match.end()))
        if 0 < i < len(doc) and starts[i] == match.end():
            doc[i].is_sent_start = True
    return doc


def load_nlp() -> Language:
    """The spaCy pipeline enrichment runs (loaded once per process and model)."""
    return _load_pipeline(get_settings().spacy_model)


@lru_cache(maxsize=2)
def _load_pipeline(model: str) -> Language:
    nlp = spacy.load(model, exclude=SPACY_EXCLUDED)
    nlp.enable_pipe("senter")
    nlp.add_pipe("paragraph_breaks", after="senter")
    for name in PARSE_PASS:  # run by `analyse` on chosen sentences only
        nlp.disable_pipe(name)
    return nlp


def analyse(texts: Sequence[str]) -> list[Doc]:
    """Docs with entities, sentences, and a dependency parse of the sentences attribution reads."""
    nlp = load_nlp()
    docs = _pipe_in_pieces(nlp, texts)
    chosen = [(doc, sent) for doc in docs if len(doc) for sent in _sentences_with_triggers(doc)]
    parsed: Iterable[Doc] = (_sentence_doc(nlp, sent) for _, sent in chosen)
    for name in PARSE_PASS:
        parsed = nlp.get_pipe(name).pipe(parsed, batch_size=NLP_BATCH_SIZE)
    by_doc: dict[int, list[tuple[int, Doc]]] = {}
    for (doc, sent), sentence in zip(chosen, parsed, strict=True):
        by_doc.setdefault(id(doc), []).append((sent.start, sentence))
    root, flat = nlp.vocab.strings.add("ROOT"), nlp.vocab.strings.add("dep")
    for doc in docs:
        if len(doc):
            _set_parse(doc, by_doc.get(id(doc), []), root, flat)
    return docs


PIECE_CHARS = 20_000
"""Texts longer than this are analysed in pieces of about this size (cut after a line break, a sentence end or a
space) and joined back into one Doc: a worker's memory is bounded by the piece, not by the document (a 1 MB
single line took 3 GB whole), and no text meets spaCy's `max_length`."""


def _pipe_in_pieces(nlp: Language, texts: Sequence[str]) -> list[Doc]:
    """`nlp.pipe` over the texts, long ones cut into pieces and joined again (same text, offsets and entities)."""
    pieces: list[str] = []
    owners: list[int] = []
    for i, text in enumerate(texts):
        start = 0
        while len(text) - start > PIECE_CHARS:
            window = text[start:start + PIECE_CHARS]
            cut = max(window.rfind("\n"), window.rfind(". "), window.rfind(" "))
            end = start + (cut + 1 if cut > PIECE_CHARS // 2 else PIECE_CHARS)
            pieces.append(text[start:end])
            owners.append(i)
            start = end
        pieces.append(text[start:])
        owners.append(i)
    grouped: list[list[Doc]] = [[] for _ in texts]
    for owner, doc in zip(owners, nlp.pipe(pieces, batch_size=NLP_BATCH_SIZE), strict=True):
        grouped[owner].append(doc)
    return [group[0] if len(group) == 1 else Doc.from_docs(group, ensure_whitespace=False) for group in grouped]


def _sentences_with_triggers(doc: Doc) -> list[Span]:
    hits = positions_of(doc, PARSE_TRIGGERS)
    return [sent for sent in doc.sents if np.any((hits >= sent.start) & (hits < sent.end))] if len(hits) else []


def _sentence_doc(nlp: Language, sentence: Span) -> Doc:
    """The sentence as a doc of its own: re-tokenised (much cheaper than `Span.as_doc`), or copied where
    re-tokenising would not give the same tokens."""
    doc = nlp.make_doc(sentence.text)
    return doc if len(doc) == len(sentence) else sentence.as_doc()


def _set_parse(doc: Doc, parsed: list[tuple[int, Doc]], root: int, flat: int) -> None:
    """Heads and labels from the parsed sentences; a flat tree under its first token for every other."""
    n = len(doc)
    heads = np.zeros(n, dtype=np.int64)
    labels = np.full(n, flat, dtype=np.uint64)
    for sent in doc.sents:
        heads[sent.start:sent.end] = sent.start - np.arange(sent.start, sent.end)
        labels[sent.start] = root
    for start, sentence in parsed:
        values = sentence.to_array([HEAD, DEP])
        heads[start:start + len(sentence)] = values[:, 0].view(np.int64)
        labels[start:start + len(sentence)] = values[:, 1]
    doc.from_array([HEAD, DEP], np.stack([heads.view(np.uint64), labels], axis=1))
