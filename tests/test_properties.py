"""Property tests for the loaders: on arbitrary bytes they never raise (every problem is an outcome with a
reason) and never invent text that was not in the input."""

from __future__ import annotations

import gzip
import json
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from newsdesk.model import DocumentOutcome, RawDocument
from newsdesk.sources import LoadError, decode, discover, load

PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SCRATCH = Path(tempfile.mkdtemp(prefix="newsdesk-props-"))

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["id", "url", "title", "text", "body", "html", "published", "author", "publisher",
                         "language", "x"]) | st.text(max_size=8), children, max_size=6),
    max_leaves=20)


def _load_bytes(name: str, data: bytes, max_bytes: int = 100_000) -> list[RawDocument | DocumentOutcome]:
    path = SCRATCH / name
    path.write_bytes(data)
    out: list[RawDocument | DocumentOutcome] = []
    for item in discover([str(path)]):
        out += [item] if isinstance(item, DocumentOutcome) else list(load(item, max_bytes))
    return out


def _strings(value: object) -> list[str]:
    """Every string inside a JSON value (keys excluded)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    return []


def _check_outcomes(items: list[RawDocument | DocumentOutcome]) -> None:
    assert items, "an input vanished without an outcome"
    for item in items:
        if isinstance(item, DocumentOutcome):
            assert item.status in ("skipped", "failed") and item.reason and item.stage


@PROPS
@given(st.binary(max_size=4000))
@example(b"\xff\xfe\x00")
@example(b"\xef\xbb\xbf\xff")
@example(b"\x00" * 10)
def test_decode_returns_text_or_refuses_with_a_reason(data: bytes) -> None:
    try:
        text = decode(data)
    except LoadError as exc:
        assert exc.reason and exc.status in ("skipped", "failed")
        return
    assert isinstance(text, str)


@PROPS
@given(st.text(max_size=2000))
def test_decode_of_utf8_text_is_that_text(text: str) -> None:
    assume("\x00" not in text and not text.startswith("\ufeff"))
    try:
        decoded = decode(text.encode())
    except LoadError as exc:
        assert exc.status == "skipped" and "binary" in exc.reason  # e.g. text made of control characters
        return
    assert decoded == text


@PROPS
@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255, exclude_characters="\x7f"), min_size=1,
               max_size=500))
def test_decode_of_legacy_bytes_never_invents_ascii(text: str) -> None:
    """Whatever single-byte code page is guessed, the ASCII of the input comes back unchanged, in place."""
    data = text.encode("latin-1")
    assume(not any(data.startswith(m) for m in (b"%PDF", b"BZh", b"GIF8")))
    try:
        decoded = decode(data)
    except LoadError:
        return
    for ch in {c for c in decoded if c.isascii()}:  # no ASCII character appears that was not in the input
        assert decoded.count(ch) <= text.count(ch), ch
    if len(decoded) == len(text):  # a single-byte code page: the ASCII stays in place
        assert [d for d, c in zip(decoded, text) if c.isascii()] == [c for c in text if c.isascii()]


@PROPS
@given(st.sampled_from(["a.txt", "a.html", "a.json", "a.jsonl", "a.txt.gz", "a.jsonl.gz"]), st.binary(max_size=3000))
def test_load_of_arbitrary_bytes_never_raises(name: str, data: bytes) -> None:
    _check_outcomes(_load_bytes(name, data))


@PROPS
@given(json_values, st.sampled_from(["a.json", "a.jsonl", "a.json.gz"]), st.booleans())
@example({"text": "0", "publisher": {}}, "a.json", False)  # a publisher object without a name is no publisher
def test_json_records_carry_only_text_from_the_input(value: object, name: str, damage: bool) -> None:
    raw = json.dumps(value, ensure_ascii=False)
    if name.startswith("a.jsonl"):
        raw = "\n".join(json.dumps(v, ensure_ascii=False) for v in (value if isinstance(value, list) else [value]))
    data = raw.encode()
    if damage and data:
        data = data[: len(data) // 2]
    if name.endswith(".gz"):
        data = gzip.compress(data)
    items = _load_bytes(name, data)
    _check_outcomes(items)
    strings = _strings(value)
    scalars = {str(x).strip() for x in _scalars(value) if x is not None and not isinstance(x, bool)}
    for item in items:
        if isinstance(item, RawDocument):
            # the text is one string of the input, or several of its strings joined as paragraphs
            assert item.content in strings or all(p in strings for p in item.content.split("\n\n")), item.content
            for field, v in item.fields.items():
                for one in v if isinstance(v, list) else [v]:
                    assert str(one) in scalars, (field, one)


def _scalars(value: object) -> list[object]:
    if isinstance(value, list):
        return [s for v in value for s in _scalars(v)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _scalars(v)]
    return [value]


@PROPS
@given(st.text(min_size=1, max_size=1000).filter(lambda t: t.strip() and "\x00" not in t))
def test_text_files_load_as_exactly_their_text(text: str) -> None:
    assume(not text.startswith("\ufeff"))
    items = _load_bytes("a.txt", text.encode())
    _check_outcomes(items)
    (item,) = items
    if isinstance(item, RawDocument):
        assert item.content == text


def teardown_module() -> None:
    for p in SCRATCH.iterdir():
        os.unlink(p)
    SCRATCH.rmdir()
