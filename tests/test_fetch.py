"""Polite, robust fetching against real HTTP servers on 127.0.0.1 (pytest-httpserver): robots.txt,
conditional GET, retries and Retry-After, limits, redirects, content types, per-host politeness."""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from newsdesk.config import Settings
from newsdesk.sources.fetch import HTML_TYPES, FetchError, Fetcher, FetchPolicy
from support.http_server import LoopbackHTTPServer

PAGE = b"<html><head><title>t</title></head><body><p>An article.</p></body></html>"


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    server = LoopbackHTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


def fetcher(**policy: object) -> Fetcher:
    settings = {"user_agent": "newsdesk-test/1.0 (+tests)", "timeout": 3.0, "retries": 2, "backoff": 0.01,
                "host_delay": 0.0, "max_redirects": 5, **policy}
    return Fetcher(FetchPolicy.from_settings(Settings(), **settings))


def robots(server: HTTPServer, text: str = "", status: int = 200) -> None:
    server.expect_request("/robots.txt").respond_with_data(text, status=status, content_type="text/plain")


def count(server: HTTPServer, path: str) -> int:
    return sum(1 for request, _ in server.log if request.path == path)


def sequence(*responses: Response):  # noqa: ANN201
    """A handler answering with each response in turn (the last one repeats)."""
    calls = iter(range(10**6))

    def handle(request: Request) -> Response:
        return responses[min(next(calls), len(responses) - 1)]

    return handle


def test_fetch_sends_user_agent_and_returns_body_and_validators(server: HTTPServer) -> None:
    robots(server)
    server.expect_request("/a.html", headers={"User-Agent": "newsdesk-test/1.0 (+tests)"}).respond_with_data(
        PAGE, content_type="text/html; charset=utf-8", headers={"ETag": '"v1"', "Last-Modified": "Wed, 20 Nov 2019 12:00:00 GMT"})
    with fetcher() as f:
        response = f.fetch(server.url_for("/a.html"), max_bytes=10_000, accept=HTML_TYPES)
    assert (response.status, response.body, response.media_type) == (200, PAGE, "text/html")
    assert (response.etag, response.last_modified) == ('"v1"', "Wed, 20 Nov 2019 12:00:00 GMT")


def test_conditional_get_answers_304_without_a_body(server: HTTPServer) -> None:
    robots(server)

    def handle(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"' or request.headers.get("If-Modified-Since"):
            return Response(status=304, headers={"ETag": '"v1"'})
        return Response(PAGE, content_type="text/html", headers={"ETag": '"v1"'})

    server.expect_request("/a.html").respond_with_handler(handle)
    with fetcher() as f:
        assert f.fetch(server.url_for("/a.html"), max_bytes=10_000).status == 200
        again = f.fetch(server.url_for("/a.html"), max_bytes=10_000, etag='"v1"')
        by_date = f.fetch(server.url_for("/a.html"), max_bytes=10_000, last_modified="Wed, 20 Nov 2019 12:00:00 GMT")
    assert again.not_modified and again.body == b"" and by_date.not_modified


def test_robots_disallowed_url_is_skipped_without_being_requested(server: HTTPServer) -> None:
    robots(server, "User-agent: *\nDisallow: /private/\n\nUser-agent: newsdesk-test\nDisallow: /mine/\n")
    server.expect_request("/private/a.html").respond_with_data(PAGE, content_type="text/html")
    server.expect_request("/mine/a.html").respond_with_data(PAGE, content_type="text/html")
    server.expect_request("/public/a.html").respond_with_data(PAGE, content_type="text/html")
    with fetcher() as f:
        assert f.fetch(server.url_for("/private/a.html"), max_bytes=10_000).status == 200  # our group applies
        with pytest.raises(FetchError) as refused:
            f.fetch(server.url_for("/mine/a.html"), max_bytes=10_000)
        assert f.fetch(server.url_for("/public/a.html"), max_bytes=10_000).status == 200
    assert refused.value.status == "skipped" and not refused.value.final
    assert refused.value.reason == f"disallowed by {server.url_for('/robots.txt').removesuffix('/robots.txt')}/robots.txt"
    assert count(server, "/mine/a.html") == 0 and count(server, "/robots.txt") == 1  # read once per host


def test_robots_404_allows_everything_and_5xx_lets_nothing_through(server: HTTPServer) -> None:
    server.expect_request("/a.html").respond_with_data(PAGE, content_type="text/html")
    robots(server, "gone", status=404)
    with fetcher() as f:
        assert f.fetch(server.url_for("/a.html"), max_bytes=10_000).status == 200
    server.clear()
    robots(server, "down", status=503)
    with fetcher(retries=1) as f, pytest.raises(FetchError) as refused:
        f.fetch(server.url_for("/a.html"), max_bytes=10_000)
    assert refused.value.status == "failed"  # the host is failing: retried by the next run
    assert "robots.txt unreachable (HTTP 503 SERVICE UNAVAILABLE (after 2 attempts))" in refused.value.reason
    assert "RFC 9309" in refused.value.reason and count(server, "/a.html") == 0


def test_server_errors_are_retried_with_backoff_until_success(server: HTTPServer) -> None:
    robots(server)
    server.expect_request("/flaky.html").respond_with_handler(sequence(
        Response("boom", status=500), Response("busy", status=503), Response(PAGE, content_type="text/html")))
    with fetcher(retries=3) as f:
        response = f.fetch(server.url_for("/flaky.html"), max_bytes=10_000)
    assert response.body == PAGE and count(server, "/flaky.html") == 3


def test_server_errors_fail_with_the_status_once_retries_run_out(server: HTTPServer) -> None:
    robots(server)
    server.expect_request("/down.html").respond_with_data("boom", status=502)
    with fetcher(retries=2) as f, pytest.raises(FetchError) as failed:
        f.fetch(server.url_for("/down.html"), max_bytes=10_000)
    assert failed.value.status == "failed" and failed.value.reason == "HTTP 502 BAD GATEWAY (after 3 attempts)"
    assert count(server, "/down.html") == 3


def test_429_waits_for_retry_after_and_holds_the_whole_host(server: HTTPServer) -> None:
    robots(server)
    seen: dict[str, list[float]] = {"/limited.html": [], "/other.html": []}
    answers = sequence(Response("slow down", status=429, headers={"Retry-After": "1"}),
                       Response(PAGE, content_type="text/html"))

    def limited(request: Request) -> Response:
        seen[request.path].append(time.monotonic())
        return answers(request)

    def other(request: Request) -> Response:
        seen[request.path].append(time.monotonic())
        return Response(PAGE, content_type="text/html")

    server.expect_request("/limited.html").respond_with_handler(limited)
    server.expect_request("/other.html").respond_with_handler(other)
    with fetcher(retries=2) as f:
        f.fetch(server.url_for("/robots.txt"), max_bytes=10_000)
        first, later = f.fetch_all([
            lambda: f.fetch(server.url_for("/limited.html"), max_bytes=10_000),
            lambda: (time.sleep(0.3), f.fetch(server.url_for("/other.html"), max_bytes=10_000))[1]])
    assert first.body == PAGE and later.body == PAGE
    (refused, retried), (other_start,) = seen["/limited.html"], seen["/other.html"]
    assert retried - refused >= 0.95 and other_start - refused >= 0.95  # the other page waited for the host too


def test_retry_after_longer_than_the_limit_fails_at_once(server: HTTPServer) -> None:
    robots(server)
    server.expect_request("/later.html").respond_with_data("later", status=429, headers={"Retry-After": "3600"})
    with fetcher(max_retry_after=60) as f, pytest.raises(FetchError) as failed:
        f.fetch(server.url_for("/later.html"), max_bytes=10_000)
    assert failed.value.reason == "HTTP 429 TOO MANY REQUESTS: Retry-After 3600 s is longer than the 60 s limit"
    assert count(server, "/later.html") == 1


def test_client_errors_are_not_retried(server: HTTPServer) -> None:
    robots(server)
    server.expect_request("/missing.html").respond_with_data("no", status=404)
    server.expect_request("/forbidden.html").respond_with_data("no", status=403)
    with fetcher(retries=3) as f:
        for path, reason in (("/missing.html", "HTTP 404 NOT FOUND"), ("/forbidden.html", "HTTP 403 FORBIDDEN")):
            with pytest.raises(FetchError) as failed:
                f.fetch(server.url_for(path), max_bytes=10_000)
            assert (failed.value.status, failed.value.reason, failed.value.http_status) == ("failed", reason,
                                                                                         int(reason.split()[1]))
            assert count(server, path) == 1


def test_redirects_are_followed_and_loops_and_long_chains_fail(server: HTTPServer) -> None:
    robots(server)
    for source, target in (("/old", "/newer"), ("/newer", "/new.html"), ("/loop-a", "/loop-b"),
                           ("/loop-b", "/loop-a")):
        server.expect_request(source).respond_with_data("", status=301, headers={"Location": target})
    server.expect_request("/new.html").respond_with_data(PAGE, content_type="text/html")
    for n in range(8):
        server.expect_request(f"/hop{n}").respond_with_data("", status=302, headers={"Location": f"/hop{n + 1}"})
    with fetcher(max_redirects=5) as f:
        response = f.fetch(server.url_for("/old"), max_bytes=10_000)
        assert response.final_url == server.url_for("/new.html") and response.url == server.url_for("/old")
        with pytest.raises(FetchError) as loop:
            f.fetch(server.url_for("/loop-a"), max_bytes=10_000)
        with pytest.raises(FetchError) as chain:
            f.fetch(server.url_for("/hop0"), max_bytes=10_000)
    assert loop.value.reason == (f"redirect loop: {server.url_for('/loop-a')} -> {server.url_for('/loop-b')} -> "
                                 f"{server.url_for('/loop-a')}")
    assert chain.value.reason.startswith("too many redirects (more than 5)")
    assert count(server, "/hop6") == 0


def test_only_http_and_https_are_requested(server: HTTPServer) -> None:
    robots(server)
    server.expect_request("/to-file").respond_with_data("", status=302, headers={"Location": "file:///etc/passwd"})
    with fetcher() as f:
        for url in ("ftp://example.org/a.html", "file:///etc/passwd", server.url_for("/to-file")):
            with pytest.raises(FetchError) as refused:
                f.fetch(url, max_bytes=10_000)
            assert refused.value.status == "skipped" and "not an http(s) URL" in refused.value.reason


def test_slow_response_times_out(server: HTTPServer) -> None:
    robots(server)
    release = threading.Event()

    def slow(request: Request) -> Response:
        release.wait(5)
        return Response(PAGE, content_type="text/html")

    server.expect_request("/slow.html").respond_with_handler(slow)
    try:
        with fetcher(timeout=1.0, retries=1) as f, pytest.raises(FetchError) as failed:
            f.fetch(server.url_for("/slow.html"), max_bytes=10_000)
    finally:
        release.set()
    assert (failed.value.status, failed.value.reason) == ("failed", "timed out after 1 s (after 2 attempts)")


def test_trickling_response_hits_the_whole_response_deadline(server: HTTPServer) -> None:
    robots(server)

    def trickle() -> Iterator[bytes]:
        for _ in range(80):
            yield b"<p>x</p>"
            time.sleep(0.05)

    server.expect_request("/trickle.html").respond_with_handler(
        lambda request: Response(trickle(), content_type="text/html"))
    with fetcher(timeout=1.0, retries=0) as f, pytest.raises(FetchError) as failed:
        f.fetch(server.url_for("/trickle.html"), max_bytes=10_000)
    assert failed.value.reason == "timed out after 1 s"


def test_oversized_bodies_fail_by_length_or_while_reading(server: HTTPServer) -> None:
    robots(server)
    big = b"<p>" + b"x" * 50_000 + b"</p>"
    server.expect_request("/big.html").respond_with_data(big, content_type="text/html")
    server.expect_request("/streamed.html").respond_with_handler(
        lambda request: Response(iter([big[:20_000], big[20_000:]]), content_type="text/html"))
    server.expect_request("/bomb.html").respond_with_data(
        gzip.compress(b"<p>" + b"0" * 5_000_000), content_type="text/html", headers={"Content-Encoding": "gzip"})
    with fetcher() as f:
        with pytest.raises(FetchError) as declared:
            f.fetch(server.url_for("/big.html"), max_bytes=10_000)
        with pytest.raises(FetchError) as streamed:
            f.fetch(server.url_for("/streamed.html"), max_bytes=10_000)
        with pytest.raises(FetchError) as bomb:
            f.fetch(server.url_for("/bomb.html"), max_bytes=100_000)
    assert declared.value.reason == "larger than the 10,000-byte limit (Content-Length 50,007)"
    assert streamed.value.reason == "larger than the 10,000-byte limit"
    assert bomb.value.reason == "larger than the 100,000-byte limit"  # counted decompressed
    assert all(e.value.status == "failed" for e in (declared, streamed, bomb))


def test_content_type_is_checked_before_the_body_is_read(server: HTTPServer) -> None:
    robots(server)
    server.expect_request("/report.pdf").respond_with_data(b"%PDF-1.4" + b"0" * 1000, content_type="application/pdf")
    with fetcher() as f, pytest.raises(FetchError) as refused:
        f.fetch(server.url_for("/report.pdf"), max_bytes=10_000, accept=HTML_TYPES)
    assert (refused.value.status, refused.value.reason, refused.value.final) == ("skipped", "not HTML (application/pdf)",
                                                                                 True)


def test_requests_to_one_host_are_spaced_and_limited(server: HTTPServer) -> None:
    robots(server)
    starts: list[float] = []
    lock = threading.Lock()
    in_flight = [0, 0]  # now, most

    def handle(request: Request) -> Response:
        with lock:
            starts.append(time.monotonic())
            in_flight[0] += 1
            in_flight[1] = max(in_flight)
        time.sleep(0.05)
        with lock:
            in_flight[0] -= 1
        return Response(PAGE, content_type="text/html")

    server.expect_request("/p").respond_with_handler(handle)
    with fetcher(host_delay=0.25, host_concurrency=1, concurrency=4) as f:
        f.fetch(server.url_for("/robots.txt"), max_bytes=10_000)
        f.fetch_all([lambda: f.fetch(server.url_for("/p"), max_bytes=10_000) for _ in range(4)])
    gaps = [b - a for a, b in zip(starts, starts[1:])]  # seen by the server: starts are spaced by the client
    assert len(starts) == 4 and in_flight[1] == 1
    assert starts[-1] - starts[0] >= 3 * 0.25 - 0.05 and min(gaps) >= 0.15


def test_robots_crawl_delay_raises_the_host_delay(server: HTTPServer) -> None:
    robots(server, "User-agent: *\nCrawl-delay: 0.4\n")
    starts: list[float] = []
    server.expect_request("/p").respond_with_handler(
        lambda request: (starts.append(time.monotonic()), Response(PAGE, content_type="text/html"))[1])
    with fetcher(host_delay=0.0) as f:
        for _ in range(3):
            f.fetch(server.url_for("/p"), max_bytes=10_000)
    assert starts[-1] - starts[0] >= 2 * 0.4 - 0.05 and min(b - a for a, b in zip(starts, starts[1:])) >= 0.3
