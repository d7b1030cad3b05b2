"""The spaCy analysis enrichment reads: entities and sentences everywhere, a dependency parse on demand.

`analyse` runs NER and the sentence recogniser on every text (a long text in pieces, so a worker's memory is
bounded by the piece). The (costlier) tok2vec + parser run only on the sentences attribution cannot decide from
tokens and entities (`parse_sentences`); every other sentence gets a flat tree (every token attached to the
sentence's first), so documents behave as parsed ones do.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np
import spacy
from spacy.attrs import DEP, HEAD, SENT_START
from spacy.language import Language
from spacy.tokens import Doc, Span

from newsdesk.config import get_settings

SPACY_EXCLUDED = ["tagger", "attribute_ruler", "lemmatizer"]
"""Tags and lemmas are not needed, so not even loaded. Sentences come from the model's own small sentence
recogniser (`senter`, a few percent of NER's cost), not from the parser."""

PARSE_PASS = ["tok2vec", "parser"]
parse_stats: Counter[str] = Counter()
"""Sentences `analyse` saw and sentences `parse_sentences` parsed in this process (for benchmarks)."""
NLP_BATCH_SIZE = 8
"""Texts per spaCy call: 8 holds a worker's peak to ~300 MB (32: ~500 MB on files of many records) at the same speed."""

@Language.component("paragraph_breaks")
def paragraph_breaks(doc: Doc) -> Doc:
    """Start a sentence after every line break, so no sentence joins paragraphs or list items.

    A line break is always inside a whitespace token (the tokenizer splits where whitespace begins and ends), so
    the sentence starts at the first token after a run of whitespace tokens one of which holds a line break;
    only those tokens are looked at (`Doc.text` would build a Python object for every token)."""
    if len(doc) < 2:
        return doc
    spaces = doc.to_array("IS_SPACE").astype(bool)
    for start in np.flatnonzero(spaces):
        if start and spaces[start - 1]:
            continue  # inside a run, seen from its first token
        end = start + 1
        while end < len(doc) and spaces[end]:
            end += 1
        if end < len(doc) and "\n" in doc[start:end].text:
            doc[end].is_sent_start = True
    return doc


TEXT_KEY = "newsdesk.text"
"""Where `analyse` keeps each doc's text in `Doc.user_data` (see `text_of`)."""


def text_of(doc: Doc) -> str:
    """`doc.text`, read from where `analyse` kept it: `Doc.text` joins a Python object made for every token
    (about 1 CPU s per 1,000 articles each time it is read)."""
    text = doc.user_data.get(TEXT_KEY)
    return text if isinstance(text, str) else doc.text


def load_nlp() -> Language:
    """The spaCy pipeline enrichment runs (loaded once per process and model)."""
    return _load_pipeline(get_settings().spacy_model)


GLUED_QUOTE_MARK = r"(?<=\w)[.,!?;:](?=[”“][^\W\d_])|(?<=[\w.,!?;:])[”“](?=[^\W\d_])"
"""A curly quotation mark written with no space between words ('cards,”Kaplan says', 'said:“We'): a token of its own,
as is the punctuation before it, so that the name or word beside it is one too."""


@lru_cache(maxsize=2)
def _load_pipeline(model: str) -> Language:
    nlp = spacy.load(model, exclude=SPACY_EXCLUDED)
    infixes = nlp.tokenizer.infix_finditer.__self__.pattern  # the model's own, and one more
    nlp.tokenizer.infix_finditer = re.compile(f"{infixes}|{GLUED_QUOTE_MARK}").finditer
    nlp.enable_pipe("senter")
    nlp.add_pipe("paragraph_breaks", after="senter")
    for name in PARSE_PASS:  # run by `parse_sentences` on chosen sentences only
        nlp.disable_pipe(name)
    return nlp


def analyse(texts: Sequence[str]) -> list[Doc]:
    """Docs with entities and sentences (no parse: see `parse_sentences`)."""
    docs = _pipe_in_pieces(load_nlp(), texts)
    parse_stats["sentences"] += sum(_sentence_count(doc) for doc in docs)
    return docs


def _sentence_count(doc: Doc) -> int:
    """How many sentences `doc.sents` yields (counted without making them)."""
    return int(np.count_nonzero(doc.to_array(SENT_START)[1:] == 1)) + 1 if len(doc) else 0


def parse_sentences(doc: Doc, sentences: Sequence[Span]) -> None:
    """Give `sentences` of `doc` their dependency parse, and every other sentence a flat tree."""
    if not len(doc):
        return
    nlp = load_nlp()
    text = text_of(doc)
    parsed: Iterable[Doc] = (_sentence_doc(nlp, text, sent) for sent in sentences)
    for name in PARSE_PASS:
        parsed = nlp.get_pipe(name).pipe(parsed, batch_size=NLP_BATCH_SIZE)
    done = [(sent.start, sentence) for sent, sentence in zip(sentences, parsed, strict=True)]
    parse_stats["parsed"] += len(done)
    _set_parse(doc, done, nlp.vocab.strings.add("ROOT"), nlp.vocab.strings.add("dep"))


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
    docs = [group[0] if len(group) == 1 else Doc.from_docs(group, ensure_whitespace=False) for group in grouped]
    for doc, text in zip(docs, texts, strict=True):
        doc.user_data[TEXT_KEY] = text
    return docs


def _sentence_doc(nlp: Language, text: str, sentence: Span) -> Doc:
    """The sentence (of a doc whose text is `text`) as a doc of its own: re-tokenised (much cheaper than
    `Span.as_doc`), or copied where re-tokenising would not give the same tokens."""
    doc = nlp.make_doc(text[sentence.start_char:sentence.end_char])
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
