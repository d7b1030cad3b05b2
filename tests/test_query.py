"""The query language parser: grammar, malformed input, and robustness on arbitrary text."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdesk.search import build_request
from newsdesk.search.model import And, InvalidSearch, Not, Or, Phrase, Term
from newsdesk.search.query import MAX_QUERY_DEPTH, MAX_QUERY_LENGTH, MAX_QUERY_TERMS, clean_query_text, parse_query


def t(value: str, **kw: object) -> Term:
    return Term(value=value, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kabul", t("kabul")),
        ("panjshir kabul", And(clauses=[t("panjshir"), t("kabul")])),
        ("panjshir AND kabul", And(clauses=[t("panjshir"), t("kabul")])),
        ('"northern alliance"', Phrase(value="northern alliance")),
        ('"  northern \n alliance "', Phrase(value="northern alliance")),
        ("a OR b", Or(clauses=[t("a"), t("b")])),
        ("a OR b OR c", Or(clauses=[t("a"), t("b"), t("c")])),
        ("a b OR c", Or(clauses=[And(clauses=[t("a"), t("b")]), t("c")])),
        ("a OR b c", Or(clauses=[t("a"), And(clauses=[t("b"), t("c")])])),
        ("(a OR b) c", And(clauses=[Or(clauses=[t("a"), t("b")]), t("c")])),
        ("a AND NOT b", And(clauses=[t("a"), Not(clause=t("b"))])),
        ("a NOT b", And(clauses=[t("a"), Not(clause=t("b"))])),
        ("a -b", And(clauses=[t("a"), Not(clause=t("b"))])),
        ('a -"b c"', And(clauses=[t("a"), Not(clause=Phrase(value="b c"))])),
        ("a -(b OR c)", And(clauses=[t("a"), Not(clause=Or(clauses=[t("b"), t("c")]))])),
        ("a NOT NOT b", And(clauses=[t("a"), t("b")])),
        ("NOT b OR a", Or(clauses=[Not(clause=t("b")), t("a")])),
        ("negot*", t("negot", prefix=True)),
        ("well-known e-mail", And(clauses=[t("well-known"), t("e-mail")])),
        ("a - b", And(clauses=[t("a"), t("b")])),  # a lone dash is punctuation
        ("and or not", And(clauses=[t("and"), t("or"), t("not")])),  # operators are uppercase only
        ("publisher:Reuters", t("Reuters", field="publisher")),
        ('person:"Ahmad Massoud"', t("Ahmad Massoud", field="person")),
        ("Person:Saleh", t("Saleh", field="person")),
        ('title:"holdout province"', Phrase(value="holdout province", field="title")),
        ("body:surrender*", t("surrender", field="body", prefix=True)),
        ("person:Ahmad*", t("Ahmad", field="person", prefix=True)),
        ("story_id:s-1:2", t("s-1:2", field="story_id")),
        ("language:en entity:NATO", And(clauses=[t("en", field="language"), t("NATO", field="entity")])),
        (
            'location:(Kabul OR "Mazar i Sharif" OR title:herat)',
            Or(clauses=[t("Kabul", field="location"), t("Mazar i Sharif", field="location"), t("herat", field="title")]),
        ),
        ("-publisher:Sputnik kabul", And(clauses=[Not(clause=t("Sputnik", field="publisher")), t("kabul")])),
        ("https://example.org/a", t("https://example.org/a")),
        ("\u201cnorthern alliance\u201d", Phrase(value="northern alliance")),
        ("kab\x00ul\u200b\x1b", t("kabul")),
        ("kabul\tairport\r\n", And(clauses=[t("kabul"), t("airport")])),
        ("!!! kabul ???", t("kabul")),
        ("", None),
        ("   \n ", None),
    ],
)
def test_grammar(text: str, expected: object) -> None:
    assert parse_query(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('"northern alliance', "unbalanced quote"),
        ('a "b" "c', "unbalanced quote"),
        ("(a OR b", "unbalanced parenthesis: '(' at position 1 is never closed"),
        ("a OR b)", "unbalanced parenthesis: ')' at position 7"),
        ("((a)", "never closed"),
        ("()", "empty parentheses"),
        ("a AND", "'AND' at position 3 needs a term after it"),
        ("a OR", "'OR' at position 3 needs a term after it"),
        ("AND a", "'AND' at position 1 needs a term before it"),
        ("a OR OR b", "'OR' at position 3 needs a term after it, found 'OR'"),
        ("a NOT", "'NOT' at position 3 needs a term after it"),
        ("a -", None),
        ("(a NOT)", "'NOT' at position 4 needs a term after it, found ')'"),
        ("foo:bar", "unknown field 'foo:'"),
        ("title:", "field 'title:' at position 1 needs a value"),
        ("title: kabul", "needs a value"),
        ("title:!!!", "needs a word"),
        ("*", "empty prefix"),
        ("kabul -*", "empty prefix"),
        ("person:*", "empty prefix"),
        ("ka*bul", "only supported at the end of a word"),
        ("*kabul", "only supported at the end of a word"),
        ("-kabul", "only excludes"),
        ("NOT kabul -airport", "only excludes"),
        ("-(a OR b)", "only excludes"),
        ("!!!", "no words to search for"),
        ('title:""', "empty phrase"),
    ],
)
def test_malformed_queries_say_what_is_wrong(text: str, message: str | None) -> None:
    if message is None:  # accepted: a trailing lone dash is punctuation
        assert parse_query(text) == t("a")
        return
    with pytest.raises(InvalidSearch, match=message.replace("(", r"\(").replace(")", r"\)").replace("*", r"\*")):
        parse_query(text)


def test_term_limit() -> None:
    assert parse_query(" ".join(["w"] * MAX_QUERY_TERMS)) is not None
    with pytest.raises(InvalidSearch, match="too many terms"):
        parse_query(" ".join(["w"] * (MAX_QUERY_TERMS + 1)))


def test_ten_thousand_terms_are_refused_without_hanging() -> None:
    start = time.perf_counter()
    with pytest.raises(InvalidSearch, match="too long"):
        parse_query(" ".join("w" for _ in range(10_000)))
    with pytest.raises(InvalidSearch, match="too long"):
        parse_query(" OR ".join(f'word{i} "a phrase {i}"' for i in range(10_000)))
    assert time.perf_counter() - start < 30  # a hang guard, not a speed goal (that lives in bench/)


@pytest.mark.parametrize("unit", ["-", "(", ")", '"', "a", "a:", "title:", "NOT ", "*", "-(", "\x00", "\u200b"])
def test_pathological_input_is_answered_without_hanging(unit: str) -> None:
    """Near the length limit, any repetition parses or is refused (the parser is linear: it never hangs)."""
    text = (unit.encode().decode("unicode_escape") * MAX_QUERY_LENGTH)[: MAX_QUERY_LENGTH - 2] + " a"
    start = time.perf_counter()
    try:
        parse_query(text)
    except InvalidSearch:
        pass
    assert time.perf_counter() - start < 30  # a hang guard, not a speed goal (that lives in bench/)
    with pytest.raises(InvalidSearch, match="too long"):
        parse_query(text + unit * 2 + " a")


def test_nesting_limit() -> None:
    deep_ok = "(" * MAX_QUERY_DEPTH + "a" + ")" * MAX_QUERY_DEPTH
    assert parse_query(deep_ok) == t("a")
    with pytest.raises(InvalidSearch, match="deeper than"):
        parse_query("(" * 5000 + "a" + ")" * 5000)
    assert parse_query("NOT " * 3001 + "a b") == And(clauses=[Not(clause=t("a")), t("b")])


def test_raw_backend_syntax_is_text_or_refused() -> None:
    assert parse_query('{"query": {"match_all": {}}}') == And(clauses=[Phrase(value="query"), Phrase(value="match_all")])
    with pytest.raises(InvalidSearch):
        parse_query("title:kabul^2 _exists_:title")
    assert parse_query("kabul~2 +airport [a TO b]") == And(clauses=[t("kabul~2"), t("+airport"), t("[a"), t("TO"), t("b]")])


def test_control_characters_are_removed() -> None:
    assert clean_query_text("a\x00b\x07c\u202ed\ud800e\tf") == "abcde f"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec=None), max_size=300))
def test_arbitrary_text_parses_or_is_refused(text: str) -> None:
    try:
        parse_query(text)
    except InvalidSearch as err:
        assert str(err)


QUERYISH = st.lists(
    st.sampled_from(["a", "kabul", "AND", "OR", "NOT", "-", "(", ")", '"', "*", "title:", "person:", "foo:", ":", " ", "x*", "-y", "\x00"]),
    max_size=60,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(QUERYISH)
def test_operator_soup_parses_or_is_refused(text: str) -> None:
    try:
        node = parse_query(text)
    except InvalidSearch as err:
        assert str(err)
    else:
        assert node is None or node.model_dump()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"page": 101, "size": 100}, "deeper than the 10000"),
        ({"page": 10**12}, "deeper than"),
        ({"size": 101}, "size must be between 0 and 100"),
        ({"size": -1}, "size must be between"),
        ({"page": 0}, "page must be 1 or more"),
        ({"sort": "score"}, "sort"),
        ({"interval": "hour"}, "interval"),
        ({"facets": "publisher,colour"}, "unknown facet 'colour'"),
        ({"entity_type": "thing"}, "entity_type"),
        ({"date_from": "2021-02-30"}, "date_from"),
        ({"date_from": "2021-09-05", "date_to": "2021-09-01"}, "is after"),
        ({"q": '"open'}, "unbalanced quote"),
    ],
)
def test_build_request_refuses_bad_input(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidSearch, match=message):
        build_request(**kwargs)  # type: ignore[arg-type]


def test_build_request() -> None:
    req = build_request(
        "kabul", publisher="Reuters", entity=["Amrullah Saleh", " "], entity_type="person", language="en",
        date_from="2021-09-01", sort="date", page=3, size=20, facets="publisher, published", interval="week", collapse=True,
    )
    assert req.query == t("kabul")
    assert req.filters.publisher == ["Reuters"] and req.filters.entity == ["Amrullah Saleh"]
    assert req.filters.entity_type == "person" and req.filters.date_from is not None
    assert (req.sort, req.page, req.size, req.offset, req.interval, req.collapse) == ("date", 3, 20, 40, "week", True)
    assert req.facets == ["publisher", "published"]
    assert build_request().facets == ["publisher", "person", "organization", "location", "published"]
    assert build_request(facets=[]).facets == []
    assert build_request(q="").query is None
