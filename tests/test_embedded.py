"""Embedded (tantivy) backend specifics: durability, the cross-process write lock, crashes, reindex."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import pytest

from newsdesk.index import embedded_facets
from newsdesk.index.base import BackendError, IndexBackend
from newsdesk.index.embedded import SCHEMA_VERSION, EmbeddedBackend
from newsdesk.model import Article, Entity, EntityType
from newsdesk.search import build_request
from newsdesk.stores import DamagedStore

from contract.articles import make_articles


def _python(code: str, *args: str) -> subprocess.Popen[str]:
    """Run `code` in a fresh interpreter (argv[1:] = args), stdout piped line by line."""
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _synthetic(i: int) -> Article:
    return Article(id=f"doc-{i}", title=f"Synthetic report {i}", body=f"Report number {i} about the valley.", publisher=f"P{i % 3}")


def test_is_an_index_backend(tmp_path: Path) -> None:
    assert isinstance(EmbeddedBackend(tmp_path), IndexBackend)


def test_durable_across_reopen_and_processes(tmp_path: Path) -> None:
    first = EmbeddedBackend(tmp_path / "ix")
    first.upsert(make_articles())
    first.close()
    again = EmbeddedBackend(tmp_path / "ix")
    assert again.count() == 8 and again.get("a1") == make_articles()[0]
    proc = _python(
        """
        import sys
        from pathlib import Path
        from newsdesk.index.embedded import EmbeddedBackend
        from newsdesk.search import build_request
        b = EmbeddedBackend(Path(sys.argv[1]))
        print(b.count(), b.search(build_request("panjshir")).total)
        """,
        str(tmp_path / "ix"),
    )
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert out.split() == ["8", "4"]


def test_readers_see_commits_of_another_instance(tmp_path: Path) -> None:
    reader, writer = EmbeddedBackend(tmp_path), EmbeddedBackend(tmp_path)
    assert reader.count() == 0
    writer.upsert(make_articles()[:2])
    assert reader.count() == 2 and reader.search(build_request("saleh")).total == 2


HOLD_LOCK = """
    import sys, time
    from filelock import FileLock
    with FileLock(sys.argv[1]):
        print("locked", flush=True)
        time.sleep(float(sys.argv[2]))
"""


def test_second_writer_waits_for_the_lock_and_says_so(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    backend = EmbeddedBackend(tmp_path, lock_timeout=30)
    backend.upsert(make_articles()[:1])
    holder = _python(HOLD_LOCK, str(backend.lock_path), "2.5")
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    try:
        assert backend.search(build_request("saleh")).total == 1  # readers never wait for the lock
        start = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="newsdesk.index.embedded"):
            assert backend.upsert(make_articles()[1:]).written == 7
        assert time.monotonic() - start > 1.0
        assert "index is locked by another ingest; waiting" in caplog.text
        assert backend.count() == 8
    finally:
        holder.wait(timeout=30)


def test_writer_gives_up_with_a_clear_error(tmp_path: Path) -> None:
    backend = EmbeddedBackend(tmp_path, lock_timeout=0.3)
    holder = _python(HOLD_LOCK, str(backend.lock_path), "5")
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    try:
        with pytest.raises(BackendError, match="index is locked by another ingest"):
            backend.upsert(make_articles())
        assert backend.count() == 0
    finally:
        holder.kill()
        holder.wait(timeout=30)


WRITE_BATCHES = """
    import sys
    from pathlib import Path
    from newsdesk.index.embedded import EmbeddedBackend
    from newsdesk.model import Article
    b = EmbeddedBackend(Path(sys.argv[1]))
    start, stop, batch = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    for lo in range(start, stop, batch):
        b.upsert([Article(id=f"doc-{i}", title=f"Synthetic report {i}", body=f"Report {i}.") for i in range(lo, min(lo + batch, stop))])
        print(lo, flush=True)
"""


def test_two_concurrent_writers_leave_no_duplicates(tmp_path: Path) -> None:
    backend = EmbeddedBackend(tmp_path)
    writers = [_python(WRITE_BATCHES, str(tmp_path), "0", "200", "25"), _python(WRITE_BATCHES, str(tmp_path), "100", "300", "25")]
    answered = 0
    while any(w.poll() is None for w in writers):
        backend.search(build_request("report"))  # searches keep answering during the ingests
        answered += 1
        time.sleep(0.05)
    for w in writers:
        assert w.returncode == 0, w.stderr.read() if w.stderr else ""
    ids = list(backend.ids())
    assert len(ids) == len(set(ids)) == 300 == backend.count()
    assert answered > 0


def test_kill_9_mid_ingest_leaves_whole_batches(tmp_path: Path) -> None:
    proc = _python(WRITE_BATCHES, str(tmp_path), "0", "100000", "50")
    assert proc.stdout is not None
    for _ in range(5):
        proc.stdout.readline()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    backend = EmbeddedBackend(tmp_path, lock_timeout=5)
    count = backend.count()
    ids = list(backend.ids())
    assert count >= 250 and count % 50 == 0 and len(ids) == len(set(ids)) == count
    assert backend.upsert([_synthetic(0), _synthetic(10**6)]).written == 2  # the dead writer's locks are gone
    assert backend.count() == count + 1


def test_reindex_swaps_versions_and_keeps_the_old_one(tmp_path: Path) -> None:
    backend = EmbeddedBackend(tmp_path)
    other = EmbeddedBackend(tmp_path)
    backend.upsert(make_articles())
    assert other.count() == 8
    report = backend.reindex()
    assert report == {"from": "v1", "to": "v2", "documents": 8, "pruned": []}
    assert (tmp_path / "v1").is_dir() and (tmp_path / "v2").is_dir()
    assert backend.health()["version"] == "v2"
    assert other.search(build_request("panjshir")).total == 4 and other.health()["version"] == "v2"
    assert backend.get("a1") == make_articles()[0]
    other.upsert([_synthetic(1)])
    assert backend.count() == 9
    report = backend.reindex(prune=True)
    assert report == {"from": "v2", "to": "v3", "documents": 9, "pruned": ["v1", "v2"]}
    assert sorted(p.name for p in tmp_path.glob("v*")) == ["v3"]
    assert EmbeddedBackend(tmp_path).count() == 9


def test_reindex_after_an_interrupted_one(tmp_path: Path) -> None:
    backend = EmbeddedBackend(tmp_path)
    backend.upsert(make_articles())
    (tmp_path / "v2").mkdir()
    (tmp_path / "v2" / "junk").write_text("left by a crash")
    assert backend.reindex()["to"] == "v3"
    assert backend.count() == 8


def test_unindexable_article_fails_alone(tmp_path: Path) -> None:
    backend = EmbeddedBackend(tmp_path)
    bad = Article(id="bad", title="broken \ud800 surrogate", body="x")
    bad_name = Article(id="bad-name", title="Broken name", body="y", publisher="Agence \udc80")
    result = backend.upsert([bad, bad_name, _synthetic(1)])
    assert result.written == 1 and [f.id for f in result.failed] == ["bad", "bad-name"]
    assert all("cannot index" in f.reason for f in result.failed)
    assert backend.count() == 1
    assert [(b.value, b.count) for b in backend.search(build_request(None)).facets["publisher"]] == [("P1", 1)]


def test_highlight_rendering_handles_multibyte_text(tmp_path: Path) -> None:
    backend = EmbeddedBackend(tmp_path)
    backend.upsert([Article(id="fr", title="Résistance à Kaboul", body="Über die Kämpfe — la résistance <à> Kaboul & ailleurs.")])
    hit = backend.search(build_request("kaboul")).hits[0]
    assert hit.highlights == ["Résistance à <mark>Kaboul</mark>", "Über die Kämpfe — la résistance &lt;à&gt; <mark>Kaboul</mark> &amp; ailleurs"]


def test_older_schema_is_rebuilt_on_open(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    EmbeddedBackend(tmp_path).upsert(make_articles())
    pointer = tmp_path / "CURRENT"
    pointer.write_text(pointer.read_text().replace(f'"schema": {SCHEMA_VERSION}', '"schema": 0'))
    with caplog.at_level(logging.WARNING, logger="newsdesk.index.embedded"):
        backend = EmbeddedBackend(tmp_path)
    assert "rebuilding it from the stored articles" in caplog.text
    assert backend.health()["version"] == "v2" and backend.schema_version == SCHEMA_VERSION
    assert backend.count() == 8 and backend.search(build_request("panjshir")).total == 4


def test_dates_tantivy_cannot_hold_are_stored_but_not_dated(tmp_path: Path) -> None:
    backend = EmbeddedBackend(tmp_path)
    old = Article(id="old", title="A chronicle of the valley", body="Chronicle.", published=date(1500, 1, 1))
    assert backend.upsert([old]).written == 1
    assert backend.get("old") == old
    response = backend.search(build_request("chronicle", facets=["published"]))
    assert response.total == 1 and response.facets["published"] == []
    assert response.hits[0].published == "1500-01-01"


def test_open_backend_defaults_to_embedded_under_the_index_dir(tmp_path: Path) -> None:
    from newsdesk.config import Settings
    from newsdesk.index import open_backend

    settings = Settings(home=tmp_path, backend="embedded", index="articles")
    backend = open_backend(settings)
    assert isinstance(backend, EmbeddedBackend) and backend.path == settings.index_dir
    assert (settings.index_dir / "CURRENT").is_file()


def test_facet_counts_are_exact_across_segments(tmp_path: Path) -> None:
    """A value a segment leaves out of its top list is still counted there: each count equals its click's hits."""
    def article(i: int, people: list[str]) -> Article:
        ents = [Entity(name=name, type=EntityType.PERSON, count=1, surface_forms=[name]) for name in people]
        return Article(id=f"doc-{i}", title=f"Report {i}", body=f"Report {i} from the valley.", entities=ents)

    backend = EmbeddedBackend(tmp_path / "ix")
    # Segment 1: 400 names in 3 articles each (more than any per-segment cut-off) and "Zora Target" in 2.
    crowd = [f"Person {n:03d}" for n in range(400)]
    first = [article(i, [crowd[(i * 40 + k) % 400] for k in range(40)] + (["Zora Target"] if i < 2 else [])) for i in range(30)]
    backend.upsert(first)
    # Segment 2: "Zora Target" in 5 more.
    backend.upsert([article(100 + i, ["Zora Target"]) for i in range(5)])
    facets = backend.search(build_request(None, facets=["person"], facet_size=5)).facets["person"]
    assert facets[0].value == "Zora Target" and facets[0].count == 7
    for bucket in facets:
        assert backend.search(build_request(None, entity=bucket.value, size=0, facets=[])).total == bucket.count


def test_facet_ties_are_ordered_by_value_past_the_candidates(tmp_path: Path) -> None:
    """Values tied with the last one shown are ordered by value, however many tie (keys follow first sight)."""
    backend = EmbeddedBackend(tmp_path / "ix")
    names = [f"Name {n:02d}" for n in range(60)][::-1]  # first seen last in value order
    backend.upsert([Article(id=f"d{i}", title=f"Report {i}", body="Report.", entities=[
        Entity(name=name, type=EntityType.PERSON, count=1, surface_forms=[name])]) for i, name in enumerate(names)])
    backend.upsert([Article(id="top", title="Top", body="Report.", entities=[
        Entity(name="Name 59", type=EntityType.PERSON, count=1, surface_forms=["Name 59"])])])
    facets = backend.search(build_request(None, facets=["person"], facet_size=5)).facets["person"]
    assert [(b.value, b.count) for b in facets] == [("Name 59", 2), ("Name 00", 1), ("Name 01", 1), ("Name 02", 1), ("Name 03", 1)]
    assert [b.value for b in backend.facet("person", build_request(None).filters, size=3)] == ["Name 59", "Name 00", "Name 01"]


def test_facets_survive_reindex(tmp_path: Path) -> None:
    backend = EmbeddedBackend(tmp_path)
    backend.upsert(make_articles())
    before = backend.search(build_request(None)).facets
    backend.reindex(prune=True)
    assert backend.search(build_request(None)).facets == before
    assert before["person"] and before["publisher"]


def test_missing_facet_key_table_is_a_clear_error(tmp_path: Path) -> None:
    EmbeddedBackend(tmp_path).upsert(make_articles())
    (tmp_path / "v1" / "facet_keys.sqlite").unlink()
    backend = EmbeddedBackend(tmp_path)
    with pytest.raises(DamagedStore, match="facet_keys.sqlite .* run `newsdesk repair`"):
        backend.search(build_request(None))
    assert backend.search(build_request("panjshir", facets=[])).total == 4
    backend.reindex()
    assert backend.search(build_request(None)).facets["person"]


def _counted(articles: Iterable[Article], etype: EntityType, publisher: str | None, size: int) -> list[tuple[str, int]]:
    """A facet's top values counted directly: articles per name (of `publisher`'s, if given), ties by name."""
    counts: dict[str, int] = {}
    for a in articles:
        if publisher is None or a.publisher == publisher:
            for name in set(a.entity_names(etype)):
                counts[name] = counts.get(name, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:size]


def test_facet_counts_match_a_brute_force_count_through_rewrites_and_deletes(tmp_path: Path) -> None:
    """Top values and counts equal a direct count over the live articles, after first documents change or go.

    Names are people in some articles and places in others, so a value's first document may hold it under
    another facet.
    """
    import random

    rng = random.Random(7)
    pool = [f"Person {n:03d}" for n in range(150)]
    weights = [1 / (n + 1) for n in range(150)]  # a few names recur often, most rarely or once

    def article(i: int, version: int = 0) -> Article:
        names = set(rng.choices(pool, weights, k=rng.randint(1, 8)))
        types = (EntityType.PERSON, EntityType.PERSON, EntityType.LOCATION)
        ents = [Entity(name=n, type=rng.choice(types), count=1, surface_forms=[n]) for n in sorted(names)]
        return Article(id=f"d{i}", title=f"Report {i} v{version}", body="Report.", publisher=f"P{i % 4}", entities=ents)

    backend = EmbeddedBackend(tmp_path / "ix")
    live: dict[str, Article] = {}
    for lo in range(0, 300, 60):  # one commit (segment) per batch
        batch = [article(i) for i in range(lo, lo + 60)]
        backend.upsert(batch)
        live.update((a.id, a) for a in batch)
    rewritten = [article(i, version=1) for i in range(0, 300, 7)]  # among them the first documents of many names
    backend.upsert(rewritten)
    live.update((a.id, a) for a in rewritten)
    gone = [f"d{i}" for i in range(1, 300, 11)]
    backend.delete(gone)
    for article_id in gone:
        del live[article_id]

    for publisher in (None, "P1", "P3"):
        for size in (1, 5, 10, 40):
            request = build_request(None, publisher=[publisher] if publisher else None, facets=["person", "location"],
                                    facet_size=size)
            facets = backend.search(request).facets
            for etype in (EntityType.PERSON, EntityType.LOCATION):
                got = [(b.value, b.count) for b in facets[etype.value]]
                assert got == _counted(live.values(), etype, publisher, size), (etype, publisher, size)


def test_facet_ties_among_recurring_values_are_ordered_by_value(tmp_path: Path) -> None:
    """Forty names in two articles each, first seen in reverse order: the five shown are the first by value."""
    names = [f"Name {n:02d}" for n in range(40)][::-1]
    backend = EmbeddedBackend(tmp_path / "ix")
    for copy in range(2):
        backend.upsert([Article(id=f"d{copy}-{i}", title="Report", body="Report.", entities=[
            Entity(name=name, type=EntityType.PERSON, count=1, surface_forms=[name])]) for i, name in enumerate(names)])
    facets = backend.search(build_request(None, facets=["person"], facet_size=5)).facets["person"]
    assert [(b.value, b.count) for b in facets] == [(f"Name {n:02d}", 2) for n in range(5)]


def test_facets_with_more_values_than_one_aggregation_lists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past tantivy's bucket limit (lowered here to 50) counts are gathered by key ranges, and stay exact."""
    monkeypatch.setattr(embedded_facets, "MAX_BUCKETS", 50)

    def person(name: str) -> Entity:
        return Entity(name=name, type=EntityType.PERSON, count=1, surface_forms=[name])

    pairs = [f"Pair {n:02d}" for n in range(60)][::-1]  # 60 names in two articles each: ties past 50 values
    crowd = [person(f"Once {d}-{k:02d}") for d in range(2) for k in range(60)]  # a first document with 60 names
    articles = [Article(id=f"a{c}-{i}", title="R", body="Report.", publisher="A",
                        entities=[person(name)] + (crowd[i * 60:(i + 1) * 60] if c == 0 and i < 2 else []))
                for c in range(2) for i, name in enumerate(pairs)]
    articles += [Article(id=f"b{i}", title="R", body="Report.", publisher="B",
                         entities=[person(f"Solo {i}-{k:02d}") for k in range(10)] + [person("Twice")] * (i < 2))
                 for i in range(30)]  # 300 names once, one twice: fewer recurring values than shown
    articles += [Article(id=f"c{i}", title="R", body="Report.", publisher="C",
                         entities=[person("Star")] + [person(f"Crowd {k:02d}") for k in range(60) if i == 0])
                 for i in range(5)]  # the top value's first document holds 60 more names
    backend = EmbeddedBackend(tmp_path / "ix")
    backend.upsert(articles)
    for publisher in ("A", "B", "C", None):
        for size in (1, 5, 10, 70):
            request = build_request(None, publisher=[publisher] if publisher else None, facets=["person"], facet_size=size)
            got = [(b.value, b.count) for b in backend.search(request).facets["person"]]
            assert got == _counted(articles, EntityType.PERSON, publisher, size), (publisher, size)
