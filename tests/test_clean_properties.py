"""Property tests: the cleaner never raises and never returns text that was not in its input."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from newsdesk.clean import clean_document
from newsdesk.clean.text import clean_text, normalise_text
from newsdesk.model import RawDocument

FRAGMENTS = [
    "date 2021-09-04 Kabul: ", "Also Read - ", "Read More", "©", "DETAILS TO FOLLOW", "Sputnik / Sputnik Afghanistan",
    "News – World – Asia", "By Jane Doe", "Updated 10:31 am EST, November 20, 2019", "Subscribe", "- ", ".", "\n",
    "\n\n", "The minister said on Monday that talks would resume.", "Home", "“quoted”", "â€œ", "\u00a0", "\r\n",
]
texts = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=40)), max_size=30).map("".join)


def assert_only_input_text(output: str, source: str) -> None:
    normalised = normalise_text(source)
    for line in output.split("\n"):
        assert line in normalised


@settings(max_examples=150, deadline=None)
@given(texts)
def test_clean_text_only_removes(text: str) -> None:
    result = clean_text(text)
    assert_only_input_text(result.body, text)
    for value in (result.title, result.dateline, result.aggregator, *result.authors, *(name for _, name in result.publisher_candidates)):
        if value:
            assert value in normalise_text(text)


@settings(max_examples=60, deadline=None)
@given(texts)
def test_clean_document_never_raises_on_html_or_text(text: str) -> None:
    for content_type in ("text", "html"):
        article = clean_document(RawDocument(path="p/x", content=text, content_type=content_type))  # type: ignore[arg-type]
        if content_type == "text":
            assert_only_input_text(article.body, text)
