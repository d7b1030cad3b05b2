"""Titles and publishers: site names stripped, junk rejected, one display name per outlet across the corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsdesk.clean import clean_document
from newsdesk.clean.text import clean_text
from newsdesk.clean.titles import junk_title_reason, lead_label, site_segments, strip_site_segments
from newsdesk.enrich.publishers import PublisherRegistry, decide_publisher, junk_reason
from newsdesk.model import Article, Provenance, RawDocument

LEAD = ("The council approved the budget on Monday after a long debate about schools, roads and the harbour, "
        "and the mayor said the vote would keep taxes flat for another year.")


@pytest.mark.parametrize(("title", "names", "url", "expected"), [
    ("New York State Attorney General reportedly investigating WeWork – TechCrunch", ["TechCrunch"], None,
     "New York State Attorney General reportedly investigating WeWork"),
    ("Best tech gadgets of 2019 | ZDNet", ["ZDNet"], None, "Best tech gadgets of 2019"),
    ("LinkNaija | Nigeria's popular news platform: BREAKING NEWS: Chelsea activate release clause",
     ["LinkNaija | Nigeria's popular news platform"], None, "BREAKING NEWS: Chelsea activate release clause"),
    ("What is the value of drugs that come to the U.S. border? | PolitiFact West Virginia", ["@politifact"], None,
     "What is the value of drugs that come to the U.S. border?"),
    ("Economy in stress; time to be careful? - Moneycontrol.com", ["Moneycontrol"], None,
     "Economy in stress; time to be careful?"),
    ("Dare to Play 3 / October pack – Vortex Cannon Entertainment", [], "https://vortexcannon.org/dare-to-play/",
     "Dare to Play 3 / October pack"),
    ("Take C.A.R.E. - comwrap auf der DMEXCO 2018", ["comwrap"], "https://blog.comwrap.com/dmexco",
     "Take C.A.R.E. - comwrap auf der DMEXCO 2018"),  # the site's name inside the headline stays
    ("Meal Prep for A Little More Obsessed | The Beachbody Blog", ["The Beachbody Blog"], None,
     "Meal Prep for A Little More Obsessed"),
    # a headline that names the site's brand is no site segment; a blog's possessive name is
    ("Apple Newsroom | Apple unveils iPhone", [], "https://www.apple.com/newsroom/x", "Apple unveils iPhone"),
    ("Gregory Szorc's Digital Home | Mercurial's Journey to Python 3", [], "https://gregoryszorc.com/blog/x",
     "Mercurial's Journey to Python 3"),
    ("Il Climate Clock ha iniziato a scorrere - Vegolosi.it", ["Vegolosi"], None,
     "Il Climate Clock ha iniziato a scorrere"),
])
def test_site_segments_are_stripped_from_titles(title: str, names: list[str], url: str | None, expected: str) -> None:
    assert strip_site_segments(title, names, url) == expected


def test_the_stripped_segment_names_the_site() -> None:
    assert site_segments("What is the value? | PolitiFact West Virginia", ["@politifact"])[1] == ["PolitiFact"]
    assert site_segments("Spokane ad agencies divided | The Spokesman-Review", ["SpokesmanReview"])[1] == [
        "The Spokesman-Review"]


def test_junk_titles_are_rejected() -> None:
    for junk in ("Search", "Home", "Page not found", "Log in", "404", "News"):
        assert junk_title_reason(junk) is not None, junk
    assert junk_title_reason("TechCrunch", ["TechCrunch"]) == "the site's name"
    assert junk_title_reason("South Dakota Gov.", body="South Dakota Gov. Kristi Noem defended the campaign.")
    assert junk_title_reason("Council approves the budget", body=LEAD) is None


def test_a_text_dumps_headline_line_becomes_its_title() -> None:
    dump = "\n".join(["Home", "News", "Sport", "Business", "Culture", "Weather", "Council approves new budget",
                      "By Ann Lee", "November 18, 2019", LEAD, "Opposition members said the plan cut too deep "
                      "into the harbour's maintenance fund and would have to be revisited next year."])
    result = clean_text(dump)
    assert result.title == "Council approves new budget"
    assert "Council approves new budget" not in result.body and result.body.startswith("The council approved")
    leading = clean_text("Council approves new budget\n" + LEAD + "\nMore text follows in a second paragraph "
                         "that also ends like prose with a full stop and enough words to count.")
    assert leading.title == "Council approves new budget" and leading.body.startswith("The council")
    menu = clean_text("\n".join(["Share on Twitter", "BLOG > Politics > City Hall", LEAD, LEAD]))
    assert menu.title is None


MORE = ("Opposition members said the harbour plan cut too deep into the maintenance fund and would have to be "
        "revisited next year, when the council reopens the budget.")
HEADLINE = "Council approves new budget after harbour debate"
MENU = ["Home", "News", "Sport", "Business", "Culture", "Weather"]


@pytest.mark.parametrize(("lines", "title"), [
    # a kicker (section name) and its date above the headline; the headline's byline under it
    ([*MENU, "City Hall Budget Watch", "Published 22 hours ago", HEADLINE, "By", "Ann Lee | Daily Planet", "Share",
      LEAD], HEADLINE),
    # a standfirst between the headline and its byline; an author's bio line above the text
    ([*MENU, HEADLINE, "Taxes stay flat for another year as the mayor wins the vote on the harbour plan",
      "By Ann Lee", "Professor of Harbour Studies, Council University", LEAD], HEADLINE),
    # German byline ("von"), a picture credit and a line of tags above the headline
    ([*MENU, "Allgemein, Politik, Stadt, Haushalt, Hafen", "Bildquelle: Ann Lee", HEADLINE, "von Ann Lee",
      "18.11.2019, 15:30 Uhr", LEAD], HEADLINE),
    # the lead picture's caption under the byline, repeated with the byline (a headline-shaped noun phrase)
    ([*MENU, "Harbour Council Chamber", HEADLINE, "by: Ann Lee", "Posted: Nov 8, 2023 / 04:43 PM CST",
      "Harbour Council Chamber", "by: Ann Lee", "Posted: Nov 8, 2023 / 04:43 PM CST", "SHARE", LEAD], HEADLINE),
    # a video's title directly above the text: the headline with its byline wins
    ([*MENU, HEADLINE, "By Ann Lee", "Share", "Video", "Harbour budget top headlines for the council",
      "The council's harbour budget headlines are here.", LEAD], HEADLINE),
    # teasers of other articles (a list, or under a list's label) are never the title
    ([*MENU, "Council budget: what it means for you", "Harbour budget fight ends in council",
      "Mayor says taxes stay flat after council vote", "Schools win in council budget", LEAD], None),
    ([*MENU, "Trending", "Council budget vote delayed by harbour row", "Mayor praises harbour budget", LEAD], None),
    # a repeated skip link or menu entry at the top, a cookie banner's heading, a menu entry among menu entries
    (["Zum Inhalt springen", "Zum Inhalt springen", *MENU, LEAD], None),
    (["We value your privacy", "Your privacy choices", "Manage preferences", "Harbour budget approved by council",
      "By Ann Lee", LEAD], "Harbour budget approved by council"),
    # mid-page, a line the text merely follows (no byline, not repeated) may be a caption or a video's title
    ([*MENU, "Harbour budget approved by council", LEAD], None),
    # the first line of a plain-text article, the text under it
    (["Harbour budget approved by council", LEAD], "Harbour budget approved by council"),
    (["Direkt zum Inhalt", "Kontakt", "Startseite Council Harbour", "Jobs", "Login", "de", "fr", "Suche",
      "18. November 2019", "Zurück zur Übersicht", LEAD], None),
])
def test_a_dumps_title_is_its_headline_or_nothing(lines: list[str], title: str | None) -> None:
    result = clean_text("\n".join([*lines, MORE]))
    assert result.title == title
    assert LEAD in result.body and (title is None or title not in result.body)


def test_untitled_articles_are_listed_under_their_lead_sentence() -> None:
    label = lead_label(LEAD)
    assert label and label.endswith("…") and len(label) <= 141 and LEAD.startswith(label[:-1])
    assert lead_label("Short lead. Second sentence.") == "Short lead."
    assert lead_label("  ") is None


def test_an_untitled_hit_carries_its_lead_label(tmp_path: Path) -> None:
    from newsdesk.index.embedded import EmbeddedBackend
    from newsdesk.search import build_request

    backend = EmbeddedBackend(tmp_path / "index")
    try:
        backend.upsert([Article(id="u1", body=LEAD, content_hash="u1"),
                        Article(id="t1", title="Council approves new budget", body=LEAD, content_hash="t1")])
        hits = {h.id: h for h in backend.search(build_request("council")).hits}
    finally:
        backend.close()
    assert hits["u1"].title is None and hits["u1"].lead and hits["u1"].lead.startswith("The council approved")
    assert hits["t1"].lead is None


def _page(head: str, body: str = f"<article><h1>Council approves new budget</h1><p>{LEAD}</p></article>") -> str:
    return f"<html><head><title>Council approves new budget</title>{head}</head><body>{body}</body></html>"


def _publisher(html: str, url: str | None = None) -> tuple[str | None, Article]:
    raw = RawDocument(path="p.html", content=html, content_type="html")
    article = clean_document(raw)
    article = article.model_copy(update={"url": url or article.url})
    chosen = decide_publisher(raw, article)
    return (chosen[0] if chosen else None), article


def test_the_site_name_is_the_publisher_not_a_handle_a_tagline_or_the_domain() -> None:
    handle = '<meta name="twitter:site" content="@SputnikInt">'
    assert _publisher(_page(handle + '<meta property="og:site_name" content="Metro Daily">'))[0] == "Metro Daily"
    assert _publisher(_page(handle), "https://sputniknews.com/columnists/x/")[0] == "Sputnik"  # known outlet
    tagline = '<meta property="og:site_name" content="LinkNaija | Nigeria\'s popular news platform">'
    assert _publisher(_page(tagline), "https://www.linknaija.com/2018/08/x.html")[0] == "LinkNaija"
    both = '<meta property="og:site_name" content=" The Jerusalem Post | JPost.com ">'
    assert _publisher(_page(both), "https://www.jpost.com/x")[0] == "The Jerusalem Post"
    slug = '<meta property="og:site_name" content="cleveland">'
    suffixed = _page(slug).replace("<title>Council approves new budget", "<title>Council approves new budget - cleveland.com")
    assert _publisher(suffixed, "https://www.cleveland.com/x")[0] == "cleveland.com"
    assert _publisher(_page(""), "https://www.example-gazette.org/x")[0] == "example-gazette.org"  # last resort


def test_the_name_the_page_states_most_wins() -> None:
    head = ('<meta property="og:site_name" content="CTVNews"><script type="application/ld+json">{"@type": '
            '"NewsArticle", "headline": "Council approves new budget", "publisher": {"@type": "Organization", '
            '"name": "CTV News"}}</script>')
    html = _page(head).replace("<title>Council approves new budget", "<title>Council approves new budget | CTV News")
    assert _publisher(html, "https://www.ctvnews.ca/x")[0] == "CTV News"


TITLE = "Council approves new budget"
SITE = '<meta property="og:site_name" content="Metro Daily">'
PERSON = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Council approves new budget", '
          '"author": {"@type": "Person", "name": "Ann Lee"}}</script>')


@pytest.mark.parametrize(("head", "title_tag", "publisher"), [
    # a headline where a site name belongs: application-name, JSON-LD WebSite, og:site_name with the headline
    (SITE + f'<meta name="application-name" content="{TITLE}">', TITLE, "Metro Daily"),
    (SITE + f'<script type="application/ld+json">{{"@type": "WebSite", "name": "{TITLE}"}}</script>', TITLE,
     "Metro Daily"),
    (f'<meta property="og:site_name" content="{TITLE} | Metro Daily">', TITLE, "Metro Daily"),
    # a URL: its host is the name
    ('<meta property="og:site_name" content="https://www.metrodaily.example/">', TITLE, "metrodaily.example"),
    # a sentence, a list of topics: no name (the domain is the last resort)
    ('<meta property="og:site_name" content="Your trusted source for news about the city and the region.">',
     TITLE, "metro-daily.example"),
    ('<meta property="og:site_name" content="News, Sports, Weather, Traffic">', TITLE, "metro-daily.example"),
    # a person: the author named in the page's JSON-LD, an author's handle as the site's handle
    (PERSON + '<meta property="og:site_name" content="Ann Lee">', TITLE, "metro-daily.example"),
    ('<meta name="twitter:site" content="@annlee"><meta name="twitter:creator" content="@annlee">', TITLE,
     "metro-daily.example"),
    # the site's name as the page's only title metadata, its headline on the page
    (SITE, "Metro Daily", "Metro Daily"),
])
def test_no_headline_sentence_url_person_or_tagline_is_a_site_name(head: str, title_tag: str, publisher: str,
                                                                    ) -> None:
    url = "https://www.metro-daily.example/news/council-budget"
    html = (f"<html><head><title>{title_tag}</title>{head}</head><body><article><h1>{TITLE}</h1><p>{LEAD}</p>"
            "</article></body></html>")
    raw = RawDocument(path="p.html", content=html, content_type="html", fields={"url": url}, fields_source="feed")
    article = clean_document(raw)
    chosen = decide_publisher(raw, article)
    assert (chosen[0] if chosen else None) == publisher
    assert article.title == TITLE


def test_of_a_site_name_with_a_tagline_the_part_the_page_states_alone_is_the_name() -> None:
    tagline = ('<meta property="og:site_name" content="Schnäppchen Blog mit Doktortitel • DealDoktor">'
               '<meta name="twitter:site" content="@dealdoktor">')
    assert _publisher(_page(tagline), "https://www.deals.example/x")[0] == "DealDoktor"
    shouted = ('<meta property="og:site_name" content="TACH! - Lokalnachrichten"><script type="application/ld+json">'
               '{"@type": "WebSite", "name": "TACH!"}</script>')
    assert _publisher(_page(shouted), "https://guten.example/x")[0] == "TACH!"
    for name in ("TACH!", "Deutscher Turner-Bund e.V.", "OK! Magazin"):
        assert junk_reason(name, Article(id="x")) is None, name


def test_a_feeds_title_survives_a_headline_in_the_application_name() -> None:
    html = _page(SITE + f'<meta name="application-name" content="{TITLE}">')
    raw = RawDocument(path="p.html", content=html, content_type="html", fields={"title": TITLE}, fields_source="feed")
    article = clean_document(raw)
    assert article.title == TITLE and article.provenance["title"].source == "feed"


def test_a_wire_story_belongs_to_the_site_that_published_it() -> None:
    head = ('<meta property="og:site_name" content="Connecticut Post"><script type="application/ld+json">'
            '{"@type": "NewsArticle", "publisher": {"@type": "Organization", "name": "Associated Press"}}</script>')
    raw = RawDocument(path="p.html", content=_page(head), content_type="html")
    article = clean_document(raw).model_copy(update={"url": "https://www.ctpost.com/news/article/x.php"})
    name, provenance, agency = decide_publisher(raw, article)  # type: ignore[misc]
    assert (name, agency) == ("Connecticut Post", "Associated Press") and provenance.source == "html-sitename"


@pytest.mark.parametrize("junk", [
    "CONTINUE TO BILLBOARD BIZ CONTENT", "E-Mail: stats@catchitkansas.com", "Main Switchboard: (812) 372-7811",
    "Contact us", "Terms of Service", "June 19", "About Quanta", "vortex.cannon.ent@gmail.com",
    "Nigeria's popular news platform covers everything, every day.",
])
def test_junk_is_never_a_publisher(junk: str) -> None:
    assert junk_reason(junk, Article(id="x")) is not None


def test_people_and_headlines_are_not_publishers() -> None:
    article = Article(id="x", title="Council approves new budget", authors=["Nishant Kumar"])
    assert junk_reason("Nishant Kumar", article, frozenset(article.authors)) == "a person"
    assert junk_reason("Council approves new budget", article) == "the headline"
    assert junk_reason("Moneycontrol", article) is None


def test_a_text_dumps_trailer_or_copyright_counts_only_when_the_text_names_it_elsewhere() -> None:
    text = f"Daily Planet\nCity\n{LEAD}\n{LEAD}\nDaily Planet\n© 2021 Planet Media Group"
    raw = RawDocument(path="d.txt", content=text, content_type="text")
    article = Article(id="d", body=LEAD, provenance={
        "publisher.text-trailer": Provenance(source="text-trailer", detail="Daily Planet"),
        "publisher.text-copyright": Provenance(source="text-copyright", detail="© 2021 Planet Media Group"),
        "publisher.text-trailer.2": Provenance(source="text-trailer", detail="Terms of Service")})
    name, provenance, _ = decide_publisher(raw, article)  # type: ignore[misc]
    assert name == "Daily Planet" and provenance.source == "text-trailer"
    assert "Planet Media Group" in (provenance.detail or "") and "Terms of Service" in (provenance.detail or "")


def test_one_display_name_per_outlet_across_the_corpus(tmp_path: Path) -> None:
    registry = PublisherRegistry(tmp_path / "publishers.sqlite")
    assert registry.settle("PolitiFact", "https://www.politifact.com/a/") == "PolitiFact"
    assert registry.settle("Politifact", "https://www.politifact.com/b/") == "PolitiFact"
    assert registry.settle("Politi Fact", None) == "PolitiFact"  # case- and spacing-insensitive
    assert registry.settle("Inexhibit magazine", "https://www.inexhibit.com/a/") == "Inexhibit magazine"
    assert registry.settle("Inexhibitmagazine", None) == "Inexhibit magazine"
    assert registry.settle("Some Other Name", "https://www.inexhibit.com/b/") == "Inexhibit magazine"  # same site
    assert registry.settle("Blog One", "https://one.blogspot.com/x") == "Blog One"  # a platform's blogs stay apart
    assert registry.settle("Blog Two", "https://two.blogspot.com/x") == "Blog Two"
    reopened = PublisherRegistry(tmp_path / "publishers.sqlite")
    assert reopened.settle("POLITIFACT", None) == "PolitiFact"


def test_a_page_with_no_text_left_keeps_its_metadata() -> None:
    html = ('<html><head><title>Flood barrier opens - Metro Daily</title>'
            '<meta property="og:site_name" content="Metro Daily">'
            '<meta property="article:published_time" content="2024-03-05T08:00:00+01:00">'
            '<meta property="og:description" content="The new flood barrier on the river opened on Tuesday after '
            'three years of work, the city said."></head><body><video src="barrier.mp4"></video></body></html>')
    article = clean_document(RawDocument(path="v.html", content=html, content_type="html"))
    assert article.body.startswith("The new flood barrier") and article.provenance["body"].source == "html-description"
    assert article.title == "Flood barrier opens"
