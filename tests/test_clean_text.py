"""The text-dump cleaner: each rule on small real-looking inputs, and the seeds."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import json

import pytest

from newsdesk.clean import clean_document
from newsdesk.clean.text import clean_text, normalise_text
from newsdesk.model import RawDocument, content_hash

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
EXTRACTION_DEV = ROOT.parent / "shared" / "data" / "extraction-dev"

PROSE = (
    "The city council voted on Tuesday to expand the bus network, adding four routes that will serve "
    "neighbourhoods on the northern edge of town for the first time."
)
PROSE_2 = (
    "Officials said the new routes would start in March and cost about 2 million dollars a year, "
    "paid for by a regional transport grant approved last spring."
)


def rules_of(text: str, **kwargs: object) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for span in clean_text(text, **kwargs).removed:  # type: ignore[arg-type]
        out.setdefault(span.rule, []).append(span.text)
    return out


def seed(prefix: str) -> RawDocument:
    path = next(SEEDS.glob(f"{prefix}_*.txt"))
    return RawDocument(path=str(path), content=path.read_text(), content_type="text")


def test_header_gives_date_and_dateline() -> None:
    result = clean_text(f"date 2021-09-04 Kabul: {PROSE}\n{PROSE_2}")
    assert result.published == date(2021, 9, 4)
    assert result.dateline == "Kabul"
    assert result.body.startswith("The city council voted")
    assert "date 2021" not in result.body


def test_glued_teaser_is_cut_and_sentence_kept() -> None:
    text = f"{PROSE} He denied he had fled the country.Also Read - Minister Says: We Will Rebuild But Need Help\n{PROSE_2}"
    result = clean_text(text)
    assert "fled the country." in result.body
    assert "Also Read" not in result.body and "Minister Says" not in result.body
    assert rules_of(text)["glued-teaser"] == ["Also Read - Minister Says: We Will Rebuild But Need Help"]


def test_name_cards_expanded_after_a_name_are_cut_and_the_name_kept() -> None:
    text = ("Rep. Jan Schakowsky Janice (Jan) Danoff SchakowskyDrag queen attends first public Trump impeachment "
            "hearing Progressives ramp up fight against Facebook MORE (D-Ill.), an ally of Speaker Nancy Pelosi "
            "Nancy PelosiOvernight Health Care: Trump officials making changes MORE (D-Calif.), backed it.\n\n"
            "\u201cIt is clear,\u201d said Sen. John Kennedy John Neely KennedyMORE (R-La.), who backs it.\n\n"
            "Mick Mulvaney said the agency would respond. Mr. Smith Jones, a lawyer, said MORE was needed.")
    result = clean_text(text)
    assert result.body.split("\n\n") == [
        "Rep. Jan Schakowsky (D-Ill.), an ally of Speaker Nancy Pelosi (D-Calif.), backed it.",
        "\u201cIt is clear,\u201d said Sen. John Kennedy (R-La.), who backs it.",
        "Mick Mulvaney said the agency would respond. Mr. Smith Jones, a lawyer, said MORE was needed."]
    assert [(r.rule, r.text[:21]) for r in result.removed] == [
        ("name-card", "Janice (Jan) Danoff S"), ("name-card", "Nancy PelosiOvernight"),
        ("name-card", "John Neely KennedyMOR")]


@pytest.mark.parametrize(
    "teaser",
    [
        "Also Read: Storm closes three schools",
        "READ MORE: Council budget explained",
        "Related: How the vote went",
        "Recommended for you",
        "Watch: the mayor's speech",
        "Subscribe to our newsletter",
        "Sign up for our daily newsletter to get the latest news",
        "We use cookies to improve your experience. By continuing you accept our use of cookies.",
        "Facebook Twitter WhatsApp Email",
        "Share this article",
    ],
)
def test_teaser_and_prompt_lines_are_removed(teaser: str) -> None:
    result = clean_text(f"{PROSE}\n{teaser}\n{PROSE_2}", model=None)
    assert teaser not in result.body
    assert PROSE in result.body and PROSE_2 in result.body


def test_repeated_first_line_becomes_title() -> None:
    title = "Council Expands Bus Network to Northern Suburbs"
    result = clean_text(f"{title}\n\n{title}\n\n{PROSE}")
    assert result.title == title
    assert title not in result.body


def test_known_title_line_is_removed_from_body() -> None:
    title = "Council Expands Bus Network"
    result = clean_text(f"{title}\n{PROSE}", known_titles=[title])
    assert result.body == PROSE


def test_trailer_block_becomes_metadata() -> None:
    text = f"{PROSE}\n\n{PROSE_2}\n\nDETAILS TO FOLLOW\n\n©\nReuters / Jane Doe\n\nDaily Courier\n\nMetro Digest – World News – Europe"
    result = clean_text(text)
    assert result.body == f"{PROSE}\n\n{PROSE_2}"
    assert result.publisher_candidates == [("site-name", "Daily Courier")]
    assert result.aggregator == "Metro Digest"
    rules = rules_of(text)
    assert rules["details-to-follow"] == ["DETAILS TO FOLLOW"]
    assert rules["copyright"] == ["©"] and rules["photo-credit"] == ["Reuters / Jane Doe"]


def test_copyright_line_names_publisher() -> None:
    text = f"{PROSE}\n{PROSE_2}\n© 2021 Daily Courier. All rights reserved.\nCourier Online"
    result = clean_text(text)
    assert result.publisher_candidates == [("copyright", "Daily Courier"), ("site-name", "Courier Online")]
    article = clean_document(RawDocument(path="d/x.txt", content=text, content_type="text"))
    assert article.publisher == "Daily Courier"
    assert article.provenance["publisher.text-copyright"].detail == "Daily Courier"
    assert article.provenance["publisher.text-trailer"].detail == "Courier Online"
    assert "©" not in result.body


def test_closing_list_is_not_a_trailer() -> None:
    dates = [f"June {d} – Springfield @ Arena {d}" for d in range(1, 12)]
    result = clean_text("\n".join([PROSE, *dates]), whole_page=False)
    assert all(d in result.body for d in dates)


def test_byline_and_timestamp_become_fields() -> None:
    text = f"By Jane Doe and John Smith\nUpdated 10:31 am EST, November 20, 2019\n{PROSE}"
    result = clean_text(text)
    assert result.authors == ["Jane Doe", "John Smith"]
    assert result.body == PROSE
    assert set(rules_of(text)) >= {"byline", "timestamp"}


def test_navigation_run_is_removed_rules_only() -> None:
    menu = ["Home", "World", "Politics", "Business", "Sport", "Culture"]
    result = clean_text("\n".join([*menu, PROSE, PROSE_2]), model=None)
    assert result.body == f"{PROSE}\n\n{PROSE_2}"
    assert rules_of("\n".join([*menu, PROSE]), model=None)["navigation"] == menu


def test_learned_classifier_drops_page_furniture() -> None:
    """On a real page dump the classifier removes menus and link lists, and keeps the story."""
    key = "05844573ca7e1fba714d715bb11ca08c26e25328999c74a1cb3bc8a0e4399f0f"
    path = EXTRACTION_DEV / "text" / f"{key}.txt"
    if not path.exists():
        pytest.skip(f"extraction benchmark data absent: {path}")
    page = path.read_text()
    truth = json.loads((EXTRACTION_DEV / "ground-truth.json").read_text())[key]["articleBody"]
    body = clean_text(page).body
    story = [p for p in truth.split("\n") if p.strip()]
    assert all(p in body for p in story)
    assert len(body) < 1.1 * len(truth)
    assert "Police Reports" not in body and "Obituaries" not in body


def test_list_items_stay_on_their_own_lines() -> None:
    text = f"{PROSE}\n- First, the routes open in March.\n- Second, fares stay the same."
    assert clean_text(text).body == f"{PROSE}\n\n- First, the routes open in March.\n- Second, fares stay the same."


def test_encoding_repaired_quotes_kept_curly() -> None:
    assert normalise_text("He said â€œnoâ€\x9d.  Caf\u0065\u0301\r\n") == "He said “no”. Café"


def test_seed_000() -> None:
    raw = seed("000")
    article = clean_document(raw)
    assert article.published == date(2021, 9, 4) and article.dateline == "Kabul"
    assert article.provenance["published"].source == "text-header"
    assert "Also Read" not in article.body and "Prepared To Fight" not in article.body
    assert article.body.startswith("Hours after the Taliban claimed victory")
    assert "Saleh has also dismissed reports suggesting that he had fled the country." in article.body
    assert "What Happening in Panjshir Valley?" in article.body
    bullets = [line for line in raw.content.splitlines() if line.startswith("- ")]
    assert len(bullets) == 9 and all(b in article.body.split("\n") for b in bullets)
    assert article.content_hash == content_hash(article.body)


def test_seed_003() -> None:
    raw = seed("003")
    article = clean_document(raw)
    assert article.title == "Taliban, Panjshir Resistance Make Conflicting Claims on Whether or Not Holdout Province Has Fallen"
    assert article.title not in article.body
    assert article.publisher == "Sputnik News" and article.aggregator == "South Africa Today"
    assert article.provenance["publisher"].source == "text-trailer"
    for boilerplate in ("DETAILS TO FOLLOW", "©", "Sputnik / Sputnik Afghanistan", "Sputnik News", "South Africa Today"):
        assert boilerplate not in article.body
    paragraphs = [p for p in raw.content.split("\n\n") if len(p.split()) > 12 and p != article.title]
    assert len(paragraphs) == 15 and all(normalise_text(p) in article.body for p in paragraphs)
    assert article.body.endswith("after negotiations with Ahmad Massoud failed.")


def test_json_fields_are_authoritative() -> None:
    raw = RawDocument(
        path="feeds/a.jsonl", record="7", content=f"date 2021-09-01 Kabul: {PROSE}", content_type="text",
        fields={"title": "Bus network grows", "published": "2021-09-02T10:00:00+00:00", "publisher": "Daily Courier",
                "authors": ["Jane Doe"], "url": "https://example.org/a"},
    )
    article = clean_document(raw)
    assert article.published.isoformat().startswith("2021-09-02")  # type: ignore[union-attr]
    assert article.dateline == "Kabul"
    assert (article.title, article.publisher, article.authors) == ("Bus network grows", "Daily Courier", ["Jane Doe"])
    assert article.provenance["publisher"].source == "json" and article.url == "https://example.org/a"


def test_empty_body_stays_empty() -> None:
    article = clean_document(RawDocument(path="x.txt", content="Home\nNews\nSport\nWeather\n©", content_type="text"))
    assert article.body == ""


@pytest.mark.parametrize(
    "prose",
    [
        "She baked cookies for the soldiers, and the newsletter of the veterans' club praised her.",
        "Related to this, the ministry said it would publish the figures next week.",
        "Watch makers in the region reported their best quarter since 2015.",
        "He agreed. Watch Tower officials said the talks had gone well.",
        "Subscribers to the utility's plan will pay less from April.",
    ],
)
def test_prose_that_resembles_a_teaser_is_kept(prose: str) -> None:
    assert clean_text(f"{PROSE}\n{prose}\n{PROSE_2}", model=None).body == f"{PROSE}\n\n{prose}\n\n{PROSE_2}"


def test_short_closing_lines_without_a_marker_stay() -> None:
    items = ["Flour", "Sugar", "Two eggs", "Butter"]
    result = clean_text("\n".join([PROSE, "You will need:", *items]), whole_page=False)
    assert result.body.endswith("Butter") and result.publisher_candidates == []


def test_json_date_in_words_and_unreadable_date() -> None:
    def published(value: str) -> object:
        raw = RawDocument(path="f.jsonl", record="1", content=PROSE, content_type="text", fields={"published": value})
        return clean_document(raw).published

    assert str(published("September 4, 2021")).startswith("2021-09-04")
    assert str(published("Sat, 04 Sep 2021 10:00:00 +0000")) == "2021-09-04 10:00:00+00:00"
    assert published("not a date at all") is None


def test_any_known_title_line_is_removed_whatever_its_quotes() -> None:
    """A feed's or metadata title and the displayed headline may differ in wording or typography; the headline
    line goes either way (a page read via a feed and via an archive gives the same body)."""
    result = clean_text(f"‘The Medium’: a festival\n{PROSE}", known_titles=["SEO title", "'The Medium': a festival"])
    assert result.body == PROSE
