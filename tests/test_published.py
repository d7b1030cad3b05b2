"""Publication dates of HTML pages: each known failure mode as a page, and no date where the page states none."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from newsdesk.clean.timestamps import parse_timestamp
from newsdesk.enrich.published import decide_published, html_published
from newsdesk.model import Article, RawDocument

TODAY = date(2030, 1, 1)


def page(head: str = "", body: str = "", lang: str = "en") -> str:
    return (f'<html lang="{lang}"><head><title>Council approves the new budget</title>{head}</head><body>'
            f"{body}</body></html>")


ARTICLE_TEXT = "<p>The council approved the budget after a long debate about schools, roads and the harbour.</p>"


def decide(html: str, url: str | None = None) -> tuple[object, str | None]:
    chosen = html_published(html, url, latest=TODAY)
    return (chosen[0], chosen[1].source) if chosen else (None, None)


def day_of(value: object) -> date | None:
    return value.date() if isinstance(value, datetime) else value  # type: ignore[return-value]


def test_lenient_timestamps_keep_their_offset_and_never_complete_a_date() -> None:
    assert parse_timestamp("2019-11-19T02:24:00.000+0000") == datetime(2019, 11, 19, 2, 24, tzinfo=timezone.utc)
    assert parse_timestamp("Wed, 20 Nov 2019 08:02:00 GMT") == datetime(2019, 11, 20, 8, 2, tzinfo=timezone.utc)
    assert parse_timestamp("Monday, November 18, 2019, 08:19 PM") == datetime(2019, 11, 18, 20, 19)
    assert parse_timestamp("2019-11-18T21:24:00-05:00").utcoffset() == timedelta(hours=-5)  # type: ignore[union-attr]
    assert parse_timestamp("19.11.2019") == date(2019, 11, 19)
    assert parse_timestamp("03/11/2021") == date(2021, 3, 11)
    assert parse_timestamp("03/11/2021", day_first=True) == date(2021, 11, 3)
    assert parse_timestamp("publiziert am 25. September 2018", ["de"]) is None  # words around: a search finds it
    assert parse_timestamp("25. September 2018", ["de", "en"]) == date(2018, 9, 25)
    assert parse_timestamp("Nov 15, 20195:45 AM") == datetime(2019, 11, 15, 5, 45)
    for vague in ("1 day ago", "2019", "November 2019", "Copyright 2019", "today", ""):
        assert parse_timestamp(vague) is None, vague


def test_a_relative_phrase_beside_a_stated_date_is_never_read_against_today() -> None:
    """A byline glued to "1 day ago" (as scraped pages show it) gives its stated date, never yesterday's: the
    decision and its provenance do not depend on when the run happens."""
    from newsdesk.clean.timestamps import stated_dates

    byline = "by Lewis White Nov 19, 2019 at 9:08 GMT1 day ago"
    assert parse_timestamp(byline) is None
    assert [value for value, _ in stated_dates(byline)] == [datetime(2019, 11, 19, 9, 8)]
    assert stated_dates("Posted 2 hours ago · Updated 2019") == []


def test_the_local_day_the_page_shows_beats_the_utc_day_of_its_metadata() -> None:
    html = page('<meta property="article:published_time" content="2019-11-19T02:24:00Z">',
                '<article><h1>Council approves the new budget</h1>'
                '<time datetime="2019-11-19T02:24:00Z">Monday, November 18, 2019</time>' + ARTICLE_TEXT + "</article>"
                '<aside><time datetime="2019-11-21">November 21, 2019</time></aside>')
    assert decide(html) == (date(2019, 11, 18), "byline")
    shown_with_time = html.replace("Monday, November 18, 2019", "Nov 18, 2019 9:24 pm")  # the same moment
    value, source = decide(shown_with_time)
    assert value == datetime(2019, 11, 18, 21, 24, tzinfo=timezone(timedelta(hours=-5)))
    assert source == "meta:article:published_time"


def test_a_utc_timestamp_is_moved_to_the_offset_the_page_states_elsewhere() -> None:
    html = page('<meta property="article:published_time" content="2019-11-19T03:10:00Z">'
                '<meta property="article:modified_time" content="2019-11-18T23:30:00-05:00">'
                '<meta name="article_date_original" content="Monday, November 18, 2019, 10:10 PM">',
                f"<h1>Council approves the new budget</h1>{ARTICLE_TEXT}")
    value, source = decide(html)
    assert day_of(value) == date(2019, 11, 18) and source == "meta:article:published_time"
    assert value.utcoffset() == timedelta(hours=-5)  # type: ignore[union-attr]  # a full timestamp, offset kept


def test_a_byline_in_the_pages_language_is_read() -> None:
    german = page(body='<h1>Der Rat beschließt den neuen Haushalt</h1><span class="about">publiziert am '
                       '25. September 2018</span><p>Der Rat hat den Haushalt nach langer Debatte beschlossen.</p>',
                  lang="de")
    assert decide(german) == (date(2018, 9, 25), "byline")
    portuguese = page(body='<h1>Câmara aprova o novo orçamento</h1><span class="data">sexta-feira, 22 de outubro de '
                           '2010 às 20:13</span><p>A câmara aprovou o orçamento depois de um longo debate.</p>',
                      lang="pt-BR")
    value, _ = decide(portuguese)
    assert day_of(value) == date(2010, 10, 22)
    japanese = page(body='<h1>市議会が新しい予算を承認</h1><p class="date">2018年8月16日</p><p>市議会は予算を承認した。</p>',
                    lang="ja")
    assert decide(japanese) == (date(2018, 8, 16), "byline")


def test_numeric_dates_are_read_in_the_pages_order() -> None:
    british = page(body=f'<h1>Council approves the new budget</h1><span class="date">03/11/2021</span>{ARTICLE_TEXT}',
                   lang="en-GB")
    american = british.replace('lang="en-GB"', 'lang="en-US"')
    assert decide(british)[0] == date(2021, 11, 3)
    assert decide(american)[0] == date(2021, 3, 11)


def test_dates_in_quotes_embeds_asides_captions_and_the_site_header_are_not_the_articles() -> None:
    menu = "".join(f'<a href="/{section}">{section}</a>' for section in ("news", "sport", "business", "culture", "tv"))
    html = page(body=f'<header class="site-header">{menu}<span class="date">Wednesday, 20 November 2019</span></header>'
                     '<h1>Council approves the new budget</h1>'
                     '<figure><img src="x.jpg"><figcaption>The harbour on June 3, 2017.</figcaption></figure>'
                     '<blockquote class="twitter-tweet"><p>Big day</p><a href="#">November 18, 2019</a></blockquote>'
                     f'{ARTICLE_TEXT}<aside class="related"><time>November 17, 2019</time></aside>'
                     f'<footer>{menu}<span class="date">November 16, 2019</span> © 2019 Example News</footer>')
    assert decide(html) == (None, None)
    dated = html.replace("<h1>Council approves the new budget</h1>",
                         '<h1>Council approves the new budget</h1><p class="byline">By Ann Lee, 19 November 2019</p>')
    assert decide(dated) == (date(2019, 11, 19), "byline")


def test_a_non_iso_structured_date_is_read_before_any_fallback() -> None:
    html = page('<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle", '
                '"headline": "Council approves the new budget", "datePublished": "Wed, 20 Nov 2019 08:02:00 GMT"}'
                "</script>",
                '<h1>Council approves the new budget</h1><figure><figcaption>Photo taken 12 June 2018</figcaption>'
                f"</figure>{ARTICLE_TEXT}")
    value, source = decide(html)
    assert day_of(value) == date(2019, 11, 20) and source == "json-ld:datePublished"


def test_an_embedded_videos_upload_date_is_not_the_articles() -> None:
    html = page('<script type="application/ld+json">[{"@type": "VideoObject", "uploadDate": "2018-02-23T21:32:02Z"},'
                '{"@type": "NewsArticle", "datePublished": "2020-10-13T20:48:33+00:00"}]</script>',
                f"<h1>Council approves the new budget</h1>{ARTICLE_TEXT}")
    assert day_of(decide(html)[0]) == date(2020, 10, 13)


def test_no_date_from_a_bare_year_a_copyright_line_or_a_month_in_the_url() -> None:
    html = page(body=f"<h1>Council approves the new budget</h1>{ARTICLE_TEXT}<p>Copyright 2019 Example News</p>"
                     "<p>Our plans for 2020.</p>")
    raw = RawDocument(path="x.html", content=html, content_type="html")
    article = Article(id="x", body="The council approved the budget.", url="https://example.org/2019/11/budget/")
    assert decide_published(raw, article, today=TODAY) is None


def test_the_url_path_date_wins_over_a_distant_metadata_date_and_fixes_a_utc_day() -> None:
    html = page('<meta property="article:published_time" content="2019-10-13T10:00:00Z">',
                f"<h1>Council approves the new budget</h1>{ARTICLE_TEXT}")
    assert decide(html, "https://example.org/news/2019/nov/18/budget/") == (date(2019, 11, 18), "url-path")
    late = html.replace("2019-10-13T10:00:00Z", "2019-11-19T04:58:46+00:00")
    assert decide(late, "https://example.org/2019/11/18/budget/") == (date(2019, 11, 18), "url-path")


def test_every_decision_says_where_it_came_from_and_how_sure_it_is() -> None:
    html = page('<meta property="article:published_time" content="2019-11-18T10:00:00+01:00">',
                f'<h1>Council approves the new budget</h1><span class="date">18 November 2019</span>{ARTICLE_TEXT}')
    chosen = html_published(html, None, latest=TODAY)
    assert chosen is not None
    value, provenance = chosen
    assert value == datetime(2019, 11, 18, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    assert provenance.source == "meta:article:published_time" and provenance.confidence == 0.95
    assert "byline 2019-11-18" in (provenance.detail or "")


def test_a_day_found_by_search_must_be_stated_on_the_page_short_years_included() -> None:
    from newsdesk.enrich.published import day_stated, load_html, page_layout, page_reading

    html = page(body=f"<h1>Grab-Bote fliegt nach Singapur</h1><p>Von: Ann Lee | 31.10.23</p>{ARTICLE_TEXT}"
                     "<p>Version 2.1.10.23 der App</p>", lang="de")
    tree = load_html(html)
    assert tree is not None
    layout, reading = page_layout(tree), page_reading(tree, "de")
    assert day_stated(tree, layout, date(2023, 10, 31), reading)  # "31.10.23"
    assert not day_stated(tree, layout, date(2023, 10, 1), reading)  # "2.1.10.23" is a version number
    assert not day_stated(tree, layout, date(2023, 10, 30), reading)
