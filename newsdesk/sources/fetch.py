"""Polite HTTP fetching (httpx): robots.txt, per-host concurrency and delay, conditional GET, retries, limits.

One `Fetcher` serves a run. Every request goes through the same checks: http and https only, robots.txt
(Protego: RFC 9309 longest-match rules, wildcards, Crawl-delay; the stdlib's `urllib.robotparser` applies the
first matching rule and knows no wildcards, so it disagrees with Google and the RFC on common files),
per-host slots and spacing, retries with backoff on 5xx and 429 (Retry-After honoured, for the whole host),
none on other 4xx, a deadline per response, a size limit while reading, redirects followed one by one (each
hop checked again) up to a limit, and content types checked before the body is read.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Protocol, TypeVar
from urllib.parse import urljoin, urlsplit

import httpx
from protego import Protego

from newsdesk.config import Settings
from newsdesk.sources.files import LoadError

HTML_TYPES = ("text/html", "application/xhtml+xml")
REDIRECTS = frozenset({301, 302, 303, 307, 308})
ROBOTS_MAX_BYTES = 512_000
"""RFC 9309: crawlers must read at least 500 KiB of a robots.txt."""
ROBOTS_TTL = timedelta(hours=24)
"""RFC 9309: a cached robots.txt should not be used for more than 24 hours."""
MAX_CRAWL_DELAY = 60.0

T = TypeVar("T")


class FetchError(LoadError):
    """A URL that could not be fetched, or was refused: `status` is 'failed' or 'skipped'.

    `final`: the server answered and the answer is not an article (a content type we do not read), so the
    URL is remembered as settled; otherwise (robots.txt, errors, timeouts) the next run tries again."""

    def __init__(self, reason: str, status: str = "failed", http_status: int | None = None,
                 final: bool = False) -> None:
        super().__init__(reason, status)
        self.http_status = http_status
        self.final = final


@dataclass(frozen=True)
class Response:
    """A fetched resource (status 200) or a confirmation that it did not change (304)."""

    url: str
    """The URL asked for."""
    final_url: str
    """Where it was found, after redirects."""
    status: int
    content_type: str = ""
    """The Content-Type header as sent (the media type and its parameters, such as the charset)."""
    etag: str | None = None
    last_modified: str | None = None
    body: bytes = b""

    @property
    def media_type(self) -> str:
        return self.content_type.split(";")[0].strip().lower()

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass(frozen=True)
class FetchPolicy:
    """How politely and how patiently to fetch: the `fetch_*` settings (documented there)."""

    user_agent: str
    timeout: float
    retries: int
    backoff: float
    max_retry_after: float
    concurrency: int
    host_concurrency: int
    host_delay: float
    max_redirects: int

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: object) -> FetchPolicy:
        """The policy of `settings`, with some fields replaced (`host_delay=0.0`)."""
        values = {name: getattr(settings, f"fetch_{name}") for name in cls.__dataclass_fields__}
        return cls(**{**values, **overrides})  # type: ignore[arg-type]


class RobotsStore(Protocol):
    """Where robots.txt files are kept between runs (`newsdesk.state.FetchState`)."""

    def robots(self, origin: str) -> tuple[int, str, datetime] | None: ...

    def record_robots(self, origin: str, status: int, body: str) -> None: ...


@dataclass
class _Robots:
    parser: Protego | None
    """None: nothing may be fetched (robots.txt unreachable)."""
    reason: str = ""


class _Host:
    def __init__(self, concurrency: int, delay: float) -> None:
        self.slots = threading.BoundedSemaphore(max(1, concurrency))
        self.lock = threading.Lock()
        self.next_start = 0.0
        self.delay = delay


class _Redirect(Exception):
    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


class _Retry(Exception):
    def __init__(self, problem: str, wait: float | None = None, hold_host: bool = False) -> None:
        super().__init__(problem)
        self.problem = problem
        self.wait = wait
        self.hold_host = hold_host


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def check_scheme(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise FetchError(f"not an http(s) URL: {url!r}", status="skipped")


class Fetcher:
    """Fetches URLs politely; thread-safe (`fetch_all` runs requests concurrently within the limits)."""

    def __init__(self, policy: FetchPolicy, robots_store: RobotsStore | None = None) -> None:
        self.policy = policy
        self._store = robots_store
        self._client = httpx.Client(headers={"User-Agent": self.policy.user_agent},
                                    timeout=httpx.Timeout(self.policy.timeout), follow_redirects=False)
        self._lock = threading.Lock()
        self._hosts: dict[str, _Host] = {}
        self._robots: dict[str, _Robots] = {}
        self._robots_locks: dict[str, threading.Lock] = {}
        self._pool: ThreadPoolExecutor | None = None

    @classmethod
    def from_settings(cls, settings: Settings, robots_store: RobotsStore | None = None) -> Fetcher:
        return cls(FetchPolicy.from_settings(settings), robots_store)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- public --------------------------------------------------------------------------------

    def fetch(self, url: str, *, max_bytes: int, etag: str | None = None, last_modified: str | None = None,
              accept: Sequence[str] | None = None, accept_name: str = "HTML") -> Response:
        """GET `url` (conditionally when validators are given), following redirects.

        Raises `FetchError`: skipped (robots.txt, not http(s), a content type not in `accept`) or failed
        (HTTP status, timeout, too large, redirect loop, connection)."""
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        visited = [url]
        current = url
        for _ in range(self.policy.max_redirects + 1):
            check_scheme(current)
            robots = self._robots_for(current)
            if robots.parser is None:
                raise FetchError(robots.reason)  # the host is failing: a failure to retry, not a refusal
            if not robots.parser.can_fetch(current, self.policy.user_agent):
                raise FetchError(f"disallowed by {origin_of(current)}/robots.txt", status="skipped")
            try:
                response = self._get(current, headers, max_bytes, accept, accept_name)
            except _Redirect as redirect:
                target = urljoin(current, redirect.location).split("#")[0]
                if target in visited:
                    raise FetchError("redirect loop: " + " -> ".join([*visited[visited.index(target):], target])) \
                        from None
                visited.append(target)
                current = target
                continue
            return replace(response, url=url)
        raise FetchError(f"too many redirects (more than {self.policy.max_redirects}): "
                         + " -> ".join(visited[:3] + ["…"] + visited[-1:]))

    def fetch_all(self, calls: Sequence[Callable[[], T]]) -> list[T]:
        """Run fetching callables concurrently (at most `concurrency` at once; hosts' own limits hold)."""
        if len(calls) <= 1:
            return [call() for call in calls]
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=max(1, self.policy.concurrency),
                                                thread_name_prefix="newsdesk-fetch")
        return list(self._pool.map(lambda call: call(), calls))

    def robots_reason(self, url: str) -> str | None:
        """Why robots.txt disallows `url`; None when it allows it, or could not be read (`fetch` says so)."""
        robots = self._robots_for(url)
        if robots.parser is None or robots.parser.can_fetch(url, self.policy.user_agent):
            return None
        return f"disallowed by {origin_of(url)}/robots.txt"

    # -- requests -------------------------------------------------------------------------------

    def _get(self, url: str, headers: dict[str, str], max_bytes: int, accept: Sequence[str] | None,
             accept_name: str) -> Response:
        """One URL (no redirect following), retried on 5xx, 429, timeouts and dropped connections."""
        host = urlsplit(url).netloc.lower()
        attempt = 0
        while True:
            try:
                with self._slot(host):
                    return self._request(url, headers, max_bytes, accept, accept_name)
            except _Retry as retry:
                attempts = f" (after {attempt + 1} attempts)" if attempt else ""
                if attempt >= self.policy.retries:
                    raise FetchError(retry.problem + attempts) from None
                wait = retry.wait if retry.wait is not None else self.policy.backoff * 2 ** attempt
                if wait > self.policy.max_retry_after:
                    raise FetchError(f"{retry.problem}: Retry-After {wait:g} s is longer than the "
                                     f"{self.policy.max_retry_after:g} s limit") from None
                attempt += 1
                if retry.hold_host:
                    self._hold(host, wait)  # the whole host waits, and this request with it
                else:
                    time.sleep(wait)

    def _request(self, url: str, headers: dict[str, str], max_bytes: int, accept: Sequence[str] | None,
                 accept_name: str) -> Response:
        deadline = time.monotonic() + self.policy.timeout
        try:
            with self._client.stream("GET", url, headers=headers) as r:
                status = r.status_code
                if status in REDIRECTS:
                    location = r.headers.get("location")
                    if not location:
                        raise FetchError(f"HTTP {status} redirect without a Location", http_status=status)
                    raise _Redirect(location)
                if status == 429 or status >= 500:
                    after = _retry_after(r.headers.get("retry-after"))
                    raise _Retry(f"HTTP {status} {r.reason_phrase}".strip(), after, hold_host=after is not None)
                if status >= 400:
                    raise FetchError(f"HTTP {status} {r.reason_phrase}".strip(), http_status=status)
                base = Response(url=url, final_url=str(r.url), status=status,
                                content_type=r.headers.get("content-type", ""), etag=r.headers.get("etag"),
                                last_modified=r.headers.get("last-modified"))
                if status == 304:
                    return base
                if status != 200:
                    raise FetchError(f"unexpected HTTP {status} {r.reason_phrase}".strip(), http_status=status)
                if accept is not None and base.media_type and base.media_type not in accept:
                    raise FetchError(f"not {accept_name} ({base.media_type})", status="skipped", final=True)
                length = r.headers.get("content-length", "")
                if length.isdigit() and int(length) > max_bytes:
                    raise FetchError(f"larger than the {max_bytes:,}-byte limit (Content-Length {int(length):,})")
                body = bytearray()
                for chunk in r.iter_bytes():  # decompressed: the limit holds for gzip bombs too
                    body += chunk
                    if len(body) > max_bytes:
                        raise FetchError(f"larger than the {max_bytes:,}-byte limit")
                    if time.monotonic() > deadline:
                        raise httpx.ReadTimeout("response deadline passed")
                return replace(base, body=bytes(body))
        except httpx.TimeoutException:
            raise _Retry(f"timed out after {self.policy.timeout:g} s") from None
        except httpx.TransportError as exc:
            raise _Retry(f"connection failed: {type(exc).__name__}: {exc}".rstrip(": ")) from None

    # -- politeness -----------------------------------------------------------------------------

    def _host(self, host: str) -> _Host:
        with self._lock:
            if host not in self._hosts:
                self._hosts[host] = _Host(self.policy.host_concurrency, self.policy.host_delay)
            return self._hosts[host]

    @contextmanager
    def _slot(self, host: str) -> Iterator[None]:
        """One of the host's concurrent slots, started no sooner than `delay` after the previous start."""
        h = self._host(host)
        with h.slots:
            with h.lock:
                now = time.monotonic()
                start = max(now, h.next_start)
                h.next_start = start + h.delay
            if start > now:
                time.sleep(start - now)
            yield

    def _hold(self, host: str, seconds: float) -> None:
        h = self._host(host)
        with h.lock:
            h.next_start = max(h.next_start, time.monotonic() + seconds)

    def _robots_for(self, url: str) -> _Robots:
        origin = origin_of(url)
        if urlsplit(url).path == "/robots.txt":
            return _Robots(Protego.parse(""))
        with self._lock:
            lock = self._robots_locks.setdefault(origin, threading.Lock())
        with lock:  # one fetch of a robots.txt, however many threads ask
            if origin not in self._robots:
                self._robots[origin] = self._load_robots(origin)
                delay = self._robots[origin].parser.crawl_delay(self.policy.user_agent) \
                    if self._robots[origin].parser else None
                if delay:
                    h = self._host(urlsplit(origin).netloc)
                    h.delay = max(h.delay, min(float(delay), MAX_CRAWL_DELAY))
            return self._robots[origin]

    def _load_robots(self, origin: str) -> _Robots:
        """RFC 9309: a 2xx is parsed, a 4xx allows everything, a 5xx or no answer disallows everything."""
        if self._store is not None:
            kept = self._store.robots(origin)
            if kept is not None and datetime.now(timezone.utc) - kept[2] < ROBOTS_TTL:
                return _Robots(Protego.parse(kept[1]))
        url = f"{origin}/robots.txt"
        try:
            for _ in range(5):  # RFC 9309: follow at least five redirects
                try:
                    response = self._get(url, {}, ROBOTS_MAX_BYTES, None, "")
                    break
                except _Redirect as redirect:
                    url = urljoin(url, redirect.location)
                    check_scheme(url)
            else:
                raise FetchError("too many redirects")
            text = response.body.decode("utf-8", errors="replace")
            status = 200
        except FetchError as exc:
            if exc.http_status is None or exc.http_status >= 500:
                return _Robots(None, f"{origin}/robots.txt unreachable ({exc.reason}): nothing is fetched from "
                                     "the host (RFC 9309); the next run tries again")
            text, status = "", exc.http_status  # 4xx: no rules
        if self._store is not None:
            self._store.record_robots(origin, status, text)
        return _Robots(Protego.parse(text))


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
