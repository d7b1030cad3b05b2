"""The spaCy analysis enrichment reads (newsdesk/enrich/nlp.py), with the real model: paragraph breaks start
sentences, a doc's text is kept beside it, long texts joined from pieces, sentences parsed on demand."""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pytest

from newsdesk.clean.titles import squash
from newsdesk.enrich import nlp
from newsdesk.enrich.nlp import analyse, load_nlp, paragraph_breaks, parse_sentences, parse_stats, text_of

TEXTS = [
    "Officials met on Monday. They agreed.\nA second paragraph starts here.\n\nAnd a third one, after a blank line.",
    "\n\nLeading breaks.\n \n  Indented line after spaces\tand a tab\n",
    "A line\r\nwith Windows breaks\rand a carriage return \x0b and a vertical tab.",
    "Non-breaking\u00a0space and\u2029a paragraph separator\n\u00a0\nafter a line of one.",
    "- first item\n- second item\n- third item",
    "One line only, no break at all.",
]


def _breaks_by_regex(doc) -> set[int]:  # noqa: ANN001
    """The specification: the token that starts right after a line break and the whitespace that follows it."""
    starts = doc.to_array("IDX")
    found = set()
    for match in re.finditer(r"\n\s*", doc.text):
        i = int(np.searchsorted(starts, match.end()))
        if 0 < i < len(doc) and starts[i] == match.end():
            found.add(i)
    return found


@pytest.mark.parametrize("text", TEXTS)
def test_paragraph_breaks_start_a_sentence_after_every_line_break(text: str) -> None:
    doc = load_nlp().make_doc(text)
    paragraph_breaks(doc)
    forced = {i for i, value in enumerate(doc.to_array("SENT_START").tolist()) if value == 1 and i > 0}
    assert forced == _breaks_by_regex(doc)


def test_analysed_docs_keep_their_text_also_when_joined_from_pieces() -> None:
    long = " ".join(f"Sentence number {i} is about Paris and Berlin.\n" for i in range(nlp.PIECE_CHARS // 20))
    texts = [*TEXTS, long]
    docs = analyse(texts)
    assert [text_of(doc) for doc in docs] == texts == [doc.text for doc in docs]
    assert len(docs[-1].text) > nlp.PIECE_CHARS and docs[-1].ents
    assert text_of(load_nlp().make_doc("not analysed")) == "not analysed"  # any other doc: its own text


def test_sentence_count_is_what_doc_sents_yields() -> None:
    before = parse_stats["sentences"]
    docs = analyse([*TEXTS, ""])
    assert parse_stats["sentences"] - before == sum(len(list(doc.sents)) for doc in docs)
    assert [nlp._sentence_count(doc) for doc in docs] == [len(list(doc.sents)) for doc in docs]


def test_parsed_sentences_get_the_parse_of_the_sentence_alone() -> None:
    doc = analyse(["The minister said on Tuesday that the plan would work.\nNobody else spoke. It rained."])[0]
    first, *others = list(doc.sents)
    parse_sentences(doc, [first])
    parsed = load_nlp().make_doc(first.text)
    for name in nlp.PARSE_PASS:
        parsed = load_nlp().get_pipe(name)(parsed)
    assert [(t.head.i - first.start, t.dep_) for t in first] == [(t.head.i, t.dep_) for t in parsed]
    for sent in others:  # a flat tree under each other sentence's first token
        assert all(t.head.i == sent.start for t in sent)


def _squash_unicode(text: str) -> str:
    folded = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()
    words = re.findall(r"\w+", folded)
    return "".join(words[1:] if len(words) > 1 and words[0] == "the" else words)


@pytest.mark.parametrize("text", ["The New York Times", "THE-GUARDIAN.com", "the", "BBC News | World",
                                  "A_b 12 & c", "Le Monde diplomatique", "Café Müller", "ﬁnancial ÉCHOS"])
def test_squash_is_the_same_for_ascii_and_other_text(text: str) -> None:
    assert squash(text) == _squash_unicode(text)
