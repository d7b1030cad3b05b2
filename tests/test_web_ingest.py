"""Ingesting from where news lives, end to end through the real flow, cleaner, spaCy and index: feeds,
sitemaps, URL lists, page URLs and WARC archives served or written locally (127.0.0.1 only)."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from support.news_site import EXTRACTION_DEV, NewsSite, extraction_dev_pages, page_title

pytestmark = [pytest.mark.usefixtures("prefect_harness"),
              pytest.mark.skipif(not EXTRACTION_DEV.is_dir(), reason=f"extraction-dev pages absent: {EXTRACTION_DEV}")]

TAG = re.compile(r"</?(?:p|div|span|a|br|script|style|li)\b[^>]*>", re.I)
COUNTS = ("seen", "indexed", "unchanged", "duplicates", "skipped", "failed")


@pytest.fixture
def web(settings):  # noqa: ANN001, ANN201
    """Settings for fetching from a local server: no politeness delay, quick retries."""
    from newsdesk.config import use_settings

    current = settings.model_copy(update={"fetch_host_delay": 0.0, "fetch_backoff": 0.01, "fetch_retries": 1,
                                          "fetch_timeout": 10.0})
    use_settings(current)
    return current


def _ingest(*args: str) -> tuple[int, dict]:
    from newsdesk.cli import app

    result = CliRunner().invoke(app, ["ingest", *args, "--json"])
    assert result.stdout.strip(), result.output
    return result.exit_code, json.loads(result.stdout)


def _counts(summary: dict) -> dict[str, int]:
    return {k: summary[k] for k in COUNTS}


def _articles(settings) -> dict[str, object]:  # noqa: ANN001
    from newsdesk.index import open_backend

    backend = open_backend(settings)
    try:
        return {i: backend.get(i) for i in backend.ids()}
    finally:
        backend.close()


@pytest.mark.slow
def test_feed_is_indexed_then_costs_one_304_and_a_warc_of_the_same_pages_is_the_same_documents(
        web, tmp_path: Path) -> None:  # noqa: ANN001
    """The issue's "done when": the extraction-dev pages behind an RSS feed and a sitemap on 127.0.0.1."""
    pages = extraction_dev_pages()
    private = list(pages)[0]
    with NewsSite(pages, private=[private]) as site:
        code, first = _ingest(site.url("/feed.xml"))
        assert code == 0, first["failed_documents"]
        assert _counts(first) == {"seen": 91, "indexed": 90, "unchanged": 0, "duplicates": 0, "skipped": 1,
                                  "failed": 0}
        (refused,) = first["skipped_documents"]
        assert refused["path"] == site.article_url(private, tracking=True)
        assert (refused["stage"], refused["reason"]) == ("fetch", f"disallowed by {site.base}/robots.txt")
        assert ("/private/" + private + ".html", 200) not in site.requests  # never requested

        articles = _articles(web)
        assert len(articles) == 90
        by_url = {a.url: a for a in articles.values()}
        assert set(by_url) == {site.article_url(k) for k in pages if k != private}  # tracking parameters dropped
        for key, html in pages.items():
            if key == private:
                continue
            article = by_url[site.article_url(key)]
            # the feed's title, less a site segment the title rules strip ("… - The Anti-June Cleaver")
            assert article.title and article.title in page_title(html)
            assert article.provenance["title"].source == "feed"
            assert article.body and not TAG.search(article.body) and article.language
        assert sum(1 for a in articles.values() if a.publisher) >= 80
        assert sum(1 for a in articles.values() if a.published) >= 80

        site.clear_log()
        code, second = _ingest(site.url("/feed.xml"))
        assert code == 0
        assert site.requests == [("/feed.xml", 304)]  # robots.txt kept (24 h), pages not fetched again
        assert _counts(second) == {"seen": 91, "indexed": 0, "unchanged": 90, "duplicates": 0, "skipped": 1,
                                   "failed": 0}
        assert second["skipped_documents"][0]["reason"] == f"disallowed by {site.base}/robots.txt"

        site.clear_log()
        code, listed = _ingest(site.url("/sitemap.xml"))  # the same pages under their plain URLs, with lastmod
        assert code == 0 and listed["indexed"] == 0 and listed["unchanged"] == 90
        assert {status for _, status in site.requests} == {200, 304}  # a newer lastmod: conditional GETs only
        assert _articles(web).keys() == articles.keys()

        code, archived = _ingest(str(site.write_warc(tmp_path / "crawl.warc.gz")))
    assert code == 0 and (archived["indexed"], archived["duplicates"], archived["failed"]) == (91, 0, 0)
    after = _articles(web)
    assert len(after) == 91 and set(articles) < set(after)  # the same ids, plus the page robots.txt kept away
    for article_id, article in articles.items():
        assert after[article_id].body == article.body


def _site(n: int = 3) -> NewsSite:
    return NewsSite(extraction_dev_pages(n))


def test_changed_page_is_refetched_and_upserted_and_an_unchanged_one_is_a_304(web) -> None:  # noqa: ANN001
    from flows.ingest import run_ingest

    with _site() as site:
        changed, touched, same = site.pages
        summary, _ = run_ingest([site.url("/atom.xml")])
        assert summary.indexed == 3
        before = {a.url: a for a in _articles(web).values()}

        url = site.article_url(changed)
        words = " ".join(before[url].body.split()[:4]).encode()
        assert words in site.pages[changed]
        site.pages[changed] = site.pages[changed].replace(words, b"Corrected: " + words, 1)
        site.updated[changed] = site.updated[touched] = "2019-11-21T08:00:00Z"
        site.clear_log()
        summary, _ = run_ingest([site.url("/atom.xml")])
        assert (summary.indexed, summary.unchanged) == (1, 2)
        assert sorted(site.requests) == sorted([("/atom.xml", 200), (f"/articles/{changed}.html", 200),
                                                (f"/articles/{touched}.html", 304)])
        after = {a.url: a for a in _articles(web).values()}
        assert len(after) == 3 and after.keys() == before.keys()
        assert after[url].id == before[url].id and after[url].body.startswith("Corrected: ")


def test_feed_sitemap_index_and_gzipped_sitemap_name_one_article_once(web) -> None:  # noqa: ANN001
    from flows.ingest import run_ingest

    with _site() as site:
        summary, _ = run_ingest([site.url("/feed.xml"), site.url("/sitemap_index.xml")])
        pages = [p for p, _ in site.requests if p.startswith("/articles/")]
        assert summary.indexed == 3 and summary.seen == 3 and len(pages) == 3  # each page fetched once
        assert ("/sitemap.xml.gz", 200) in site.requests
        assert len(_articles(web)) == 3

        site.clear_log()
        summary, _ = run_ingest([site.url("/sitemap_index.xml")])
        assert summary.unchanged == 3  # the pages came through the feed, without dates: now checked once
        assert sorted(site.requests) == sorted([("/sitemap_index.xml", 304)]
                                               + [(f"/articles/{key}.html", 304) for key in site.pages])
        site.clear_log()
        summary, _ = run_ingest([site.url("/sitemap_index.xml")])
        assert summary.unchanged == 3
        assert site.requests == [("/sitemap_index.xml", 304)]  # its sitemap's lastmod did not move: not fetched


def test_failed_pages_and_feeds_are_dead_letters_that_failed_retry_fetches_again(web) -> None:  # noqa: ANN001
    from flows.ingest import retry_failed, run_ingest, summary_of
    from newsdesk.cli import app

    def dead_letters() -> list[tuple[str, str]]:
        listed = json.loads(CliRunner().invoke(app, ["failed", "list", "--json"]).stdout)
        return [(f["path"], f["stage"]) for f in listed]

    with _site() as site:
        broken = list(site.pages)[1]
        site.failing[f"/articles/{broken}.html"] = 500
        summary, state = run_ingest([site.url("/feed.xml")])
        assert state.is_failed() and (summary.indexed, summary.failed) == (2, 1)
        (failure,) = summary.failed_documents
        assert failure.key == site.article_url(broken, tracking=True)
        assert (failure.stage, failure.reason) == ("fetch", "HTTP 500 INTERNAL SERVER ERROR (after 2 attempts)")
        assert dead_letters() == [(failure.key, "fetch")]

        del site.failing[f"/articles/{broken}.html"]
        site.clear_log()
        retried = summary_of(retry_failed(return_state=True))
        assert (retried.indexed, retried.failed) == (1, 0)
        assert site.requests == [(f"/articles/{broken}.html?utm_source=rss&utm_medium=feed", 200)]
        assert dead_letters() == []
        titles = {a.title for a in _articles(web).values()}
        assert page_title(site.pages[broken]) in titles  # the feed's hints were kept for the retry

        site.extra["/feed.xml"] = (b"<rss><channel><item><title>& broken", "application/rss+xml")
        summary, state = run_ingest([site.url("/feed.xml")])
        assert state.is_failed() and summary.failed == 1
        assert summary.failed_documents[0].reason.startswith("malformed feed: SAXParseException")
        assert dead_letters() == [(site.url("/feed.xml"), "parse")]
        del site.extra["/feed.xml"]
        retried = summary_of(retry_failed(return_state=True))
        assert (retried.failed, retried.unchanged) == (0, 3)
        assert dead_letters() == []


def test_url_list_and_a_single_page_url(web, tmp_path: Path) -> None:  # noqa: ANN001
    from newsdesk.config import use_settings
    from newsdesk.pipeline import source_key

    with _site() as site:
        first, second, third = site.pages
        listing = tmp_path / "urls.txt"
        listing.write_text(f"# watch list\n{site.article_url(first)}\n{site.article_url(second)}?utm_campaign=x\n"
                           "not a url\n")
        code, summary = _ingest("--urls", str(listing))
        assert code == 0
        assert _counts(summary) == {"seen": 3, "indexed": 2, "unchanged": 0, "duplicates": 0, "skipped": 1,
                                    "failed": 0}
        assert summary["skipped_documents"][0]["reason"] == "line 4: not an http(s) URL: 'not a url'"
        assert summary["per_source"][source_key(str(listing))]["indexed"] == 2

        site.clear_log()
        code, again = _ingest("--urls", str(listing))
        assert again["unchanged"] == 2 and site.requests == []  # listed pages already ingested: not fetched

        use_settings(web.model_copy(update={"fetch_recheck_hours": 1e-9}))  # last checked "long" ago
        code, again = _ingest("--urls", str(listing))
        assert again["unchanged"] == 2
        assert sorted(site.requests) == sorted([(f"/articles/{first}.html", 304),
                                                (f"/articles/{second}.html?utm_campaign=x", 304)])
        use_settings(web)

        code, page = _ingest(site.article_url(third))
        assert code == 0 and page["indexed"] == 1
        site.clear_log()
        code, page = _ingest(site.article_url(third))
        assert page["unchanged"] == 1 and site.requests == [(f"/articles/{third}.html", 304)]  # named: checked
        assert len(_articles(web)) == 3


def test_a_url_that_is_not_html_is_skipped_once_and_not_fetched_again(web, tmp_path: Path) -> None:  # noqa: ANN001
    with _site(1) as site:
        site.extra["/report.pdf"] = (b"%PDF-1.4 ...", "application/pdf")
        listing = tmp_path / "urls.txt"
        listing.write_text(site.url("/report.pdf") + "\n")
        code, summary = _ingest("--urls", str(listing))
        assert code == 0 and summary["skipped_documents"][0]["reason"] == "not HTML (application/pdf)"
        site.clear_log()
        code, again = _ingest("--urls", str(listing))
        assert again["unchanged"] == 1 and site.requests == []


def test_pruning_a_warc_keeps_the_articles_a_fetched_page_still_holds(web, tmp_path: Path) -> None:  # noqa: ANN001
    archive = tmp_path / "archive"
    archive.mkdir()
    with _site(2) as site:
        first, second = site.pages
        _ingest(site.article_url(first))
        warc = site.write_warc(archive / "crawl.warc.gz")
        code, summary = _ingest(str(archive))
        assert summary["indexed"] == 2 and len(_articles(web)) == 2
        warc.unlink()
        code, summary = _ingest(str(archive), "--prune")
        assert summary["pruned"] == 1  # the page only the archive held
        assert [a.url for a in _articles(web).values()] == [site.article_url(first)]


def test_sources_file_groups_are_deployments_whose_runs_are_named_after_them(web, tmp_path: Path) -> None:  # noqa: ANN001
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    from flows.deployments import build_deployments
    from flows.ingest import run_ingest
    from newsdesk.config import use_settings

    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "note.txt").write_text("The harbour reopened on Monday after the storm, officials said.\n" * 5)
    with _site(2) as site:
        sources = tmp_path / "sources.toml"
        sources.write_text(f'[groups.wires]\ncron = "*/20 * * * *"\nfeeds = ["{site.url("/feed.xml")}"]\n\n'
                           '[groups.inbox]\ncron = "0 6 * * *"\ntimezone = "Europe/Berlin"\npaths = ["inbox"]\n')
        use_settings(web.model_copy(update={"sources_file": sources}))
        deployments = {d.name: d for d in build_deployments()}
        assert set(deployments) == {"wires", "inbox", "manual"}
        assert deployments["wires"].parameters == {"group": "wires"}
        assert [(s.schedule.cron, s.schedule.timezone) for s in deployments["inbox"].schedules] == [
            ("0 6 * * *", "Europe/Berlin")]

        summary, state = run_ingest([], group="wires")
        assert summary.indexed == 2
        _, inbox_state = run_ingest([], group="inbox")
        code, again = _ingest("--group", "inbox")  # by hand: nothing changed, answered from the plan
        assert code == 0 and _counts(again)["unchanged"] == 1

    async def read(state):  # noqa: ANN001, ANN202
        async with get_client() as client:
            run = await client.read_flow_run(state.state_details.flow_run_id)
            artifacts = await client.read_artifacts(artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[run.id])))
            return run, {a.type: a for a in artifacts}

    run, artifacts = asyncio.run(read(state))
    assert run.name == "wires" and run.parameters["group"] == "wires"
    assert site.url("/feed.xml") in artifacts["table"].data
    run, artifacts = asyncio.run(read(inbox_state))
    assert run.name == "inbox" and str(folder) in artifacts["table"].data


def test_bad_sources_file_is_a_clear_error(web, tmp_path: Path) -> None:  # noqa: ANN001
    from newsdesk.cli import app
    from newsdesk.config import use_settings

    sources = tmp_path / "sources.toml"
    sources.write_text('[groups.wires]\ncron = "every hour"\nfeeds = ["ftp://example.com/feed"]\n')
    use_settings(web.model_copy(update={"sources_file": sources}))
    result = CliRunner().invoke(app, ["sources"])
    assert result.exit_code == 2
    assert "group 'wires': feeds: not http(s) URLs: 'ftp://example.com/feed'" in result.output
    result = CliRunner().invoke(app, ["ingest", "--group", "nope"])
    assert result.exit_code == 2


def test_a_site_that_does_not_answer_fails_with_the_reason_and_is_a_dead_letter(web) -> None:  # noqa: ANN001
    import socket

    from flows.ingest import run_ingest
    from newsdesk.state import IngestState

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    feed = f"http://127.0.0.1:{port}/feed.xml"
    summary, state = run_ingest([feed])
    assert state.is_failed() and (summary.seen, summary.failed) == (1, 1)
    (failure,) = summary.failed_documents
    assert failure.key == feed and failure.stage == "fetch"
    assert failure.reason.startswith(f"http://127.0.0.1:{port}/robots.txt unreachable (connection failed: ConnectError")
    state_db = IngestState(web.state_path)
    try:
        assert [f.path for f in state_db.failures()] == [feed]
    finally:
        state_db.close()


# -- issue 16's guarantees for URLs and WARC parts ---------------------------------------------------------


def test_a_page_that_fails_or_is_refused_on_refetch_keeps_its_indexed_version(web, tmp_path: Path) -> None:  # noqa: ANN001
    """A page ingested before that now answers 404, or something that is not HTML, keeps its article; it is
    reported failed (never unchanged) until it is fetched cleanly again."""
    with _site(2) as site:
        first, second = site.pages
        url = site.article_url(first)
        code, summary = _ingest(url)
        assert code == 0 and summary["indexed"] == 1
        before = _articles(web)

        site.failing[f"/articles/{first}.html"] = 404
        code, summary = _ingest(url)
        assert code == 1 and (summary["failed"], summary["unchanged"]) == (1, 0)
        assert summary["failed_documents"][0]["reason"].startswith("HTTP 404")
        assert _articles(web).keys() == before.keys()  # kept

        del site.failing[f"/articles/{first}.html"]
        site.extra[f"/articles/{first}.html"] = (b"%PDF-1.4 ...", "application/pdf")
        code, summary = _ingest(url)
        assert summary["skipped"] == 1 and summary["skipped_documents"][0]["reason"] == "not HTML (application/pdf)"
        assert _articles(web).keys() == before.keys()  # a page refused for good keeps its last version too

        del site.extra[f"/articles/{first}.html"]
        code, summary = _ingest(url)
        assert code == 0 and summary["indexed"] + summary["unchanged"] == 1
        assert _articles(web).keys() == before.keys()
        from newsdesk.cli import app

        assert json.loads(CliRunner().invoke(app, ["failed", "list", "--json"]).stdout) == []  # settled


def test_a_page_missing_from_the_index_is_fetched_and_indexed_again(web, tmp_path: Path) -> None:  # noqa: ANN001
    from newsdesk.index import open_backend

    with _site(2) as site:
        listing = tmp_path / "urls.txt"
        listing.write_text("".join(site.article_url(key) + "\n" for key in site.pages))
        code, summary = _ingest("--urls", str(listing))
        assert code == 0 and summary["indexed"] == 2
        lost = next(iter(_articles(web)))
        backend = open_backend(web)
        try:
            backend.delete([lost])
        finally:
            backend.close()
        site.clear_log()
        code, summary = _ingest("--urls", str(listing))  # listed, not named: only a missing one is fetched
        assert code == 0 and (summary["indexed"], summary["unchanged"]) == (1, 1)
        assert [status for _, status in site.requests] == [200]  # in full: no validators for a lost page
        assert lost in _articles(web)


def test_a_warc_capture_that_no_longer_reads_keeps_its_indexed_version(web, tmp_path: Path) -> None:  # noqa: ANN001
    archive = tmp_path / "archive"
    archive.mkdir()
    with _site(2) as site:
        first, second = site.pages
        site.write_warc(archive / "crawl.warc.gz")
        code, summary = _ingest(str(archive))
        assert code == 0 and summary["indexed"] == 2
        before = _articles(web)
        site.pages[second] = b""  # the crawl is written again, this capture empty
        site.write_warc(archive / "crawl.warc.gz")
        code, summary = _ingest(str(archive))
        assert summary["skipped"] == 1 and summary["skipped_documents"][0]["reason"] == "empty page (no HTML)"
        assert _articles(web).keys() == before.keys()  # both articles stay
