"""The shared store of a cluster backend (newsdesk/index/shared.py) on a real OpenSearch node: request bodies
against the Elasticsearch spec, writers in separate processes and homes taking turns, crashes before and after
the commit point, an expired lease taken over, and the ingest stores seen from another home."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

import support.es_spec as S
from newsdesk.index import es_requests as R
from test_reliability import cli_env

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


# -- request bodies (no cluster needed) ---------------------------------------------------------------


@pytest.mark.skipif(not S.SPEC_PATH.exists(), reason="Elasticsearch OpenAPI spec absent (../shared/data/elasticsearch)")
def test_shared_store_bodies_follow_the_elasticsearch_spec() -> None:
    body = R.shared_index_body()
    S.validate_body("PUT", "/{index}", body)
    assert body["mappings"]["dynamic"] == "strict"
    schema = S.mapping_schema(body["mappings"]["properties"])
    from jsonschema import Draft202012Validator

    docs = Draft202012Validator(schema)
    docs.validate(R.journal_entry("state", 7, "host:1", 1_700_000_000_000, "eJwDAAAAAAE="))
    docs.validate(R.lease_doc("stories", "host:1:ab", 1_700_000_060_000))
    assert not docs.is_valid({**R.lease_doc("stories", "h", 1), "unmapped": 1})  # strict
    S.validate_body("POST", "/{index}/_mget", R.ids_mget_body([R.entry_id("state", 1), R.entry_id("state", 2)]))
    assert R.shared_index_name("test-articles") == "test-articles.state"  # outside the template's test-articles-*


def test_which_stores_are_shared(tmp_path: Path) -> None:
    from newsdesk.config import Settings
    from newsdesk.index.shared import journal_for

    embedded = Settings(home=tmp_path)
    assert embedded.store_path("aliases") == tmp_path / "aliases.sqlite"
    cluster = Settings(home=tmp_path, backend="opensearch", index="news")
    assert cluster.store_path("aliases") == tmp_path / "state" / "opensearch-news.aliases.sqlite"
    assert journal_for(embedded.state_path) is None
    assert journal_for(tmp_path / "cache" / "enrich.sqlite") is None
    for path, store in ((cluster.state_path, "state"), (cluster.store_path("publishers"), "publishers"),
                        (tmp_path / "state" / "opensearch-news.stories.sqlite", "stories")):
        journal = journal_for(path)
        assert journal is not None and journal.store == store and journal.index == "news.state"


# -- on a real node ----------------------------------------------------------------------------------

WRITER = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    from newsdesk.config import Settings, use_settings
    use_settings(Settings(home=Path(sys.argv[1]), backend="opensearch", opensearch_url=os.environ["URL"],
                          opensearch_index_prefix=os.environ["PREFIX"]))
    from newsdesk.sqlite import connect, transaction
    db = connect(Path(sys.argv[1]) / "state" / "opensearch-articles.sqlite",
                 "CREATE TABLE IF NOT EXISTS counter (k TEXT PRIMARY KEY, n INTEGER NOT NULL);"
                 "CREATE TABLE IF NOT EXISTS seen (seq INTEGER PRIMARY KEY AUTOINCREMENT, who TEXT, sig BLOB)")
    mode, n = sys.argv[2], int(sys.argv[3])
    if mode == "crash-after-commit-point":
        from newsdesk.index.shared import ClusterJournal
        push = ClusterJournal._push
        def push_then_die(self, conn):
            push(self, conn)
            os._exit(3)
        ClusterJournal._push = push_then_die
    for i in range(n):
        with transaction(db):
            db.execute("INSERT INTO counter VALUES ('x', 1) ON CONFLICT(k) DO UPDATE SET n = n + 1")
            db.execute("INSERT INTO seen (who, sig) VALUES (?, ?)", (sys.argv[1], bytes([i % 256, 0, 255])))
            if mode == "crash-before-commit-point":
                os._exit(3)
    with transaction(db):
        pass
    print(db.execute("SELECT n FROM counter").fetchone()[0], db.execute("SELECT count(*) FROM seen").fetchone()[0])
""")


def _writer(home: Path, mode: str, n: int, url: str, prefix: str, lease: float = 60.0) -> subprocess.Popen[str]:
    env = {**os.environ, "URL": url, "PREFIX": prefix, "NEWSDESK_SHARED_LEASE_SECONDS": str(lease)}
    return subprocess.Popen([sys.executable, "-c", WRITER, str(home), mode, str(n)], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _done(proc: subprocess.Popen[str]) -> tuple[int, str]:
    out, err = proc.communicate(timeout=300)
    assert proc.returncode in (0, 3), err
    return proc.returncode, out


def _entries(url: str, prefix: str, store: str = "state") -> list[int]:
    from support.opensearch_runner import backend

    b = backend(url)
    try:
        index = f"{prefix}articles.state"
        b.client.indices.refresh(index=index)
        found = b.client.search(index=index, body={"query": {"term": {"store": store}}, "size": 1000,
                                                    "_source": ["seq", "kind"]})
        return sorted(h["_source"]["seq"] for h in found["hits"]["hits"] if h["_source"]["kind"] == "entry")
    finally:
        b.close()


@pytest.mark.opensearch
def test_two_processes_with_their_own_homes_take_turns(opensearch_url: str, tmp_path: Path) -> None:
    prefix = f"turns-{uuid.uuid4().hex[:6]}-"
    writers = [_writer(tmp_path / f"home{i}", "write", 40, opensearch_url, prefix) for i in (1, 2)]
    results = [_done(w) for w in writers]
    # each read-modify-write saw the other's: no increment lost, every row kept, one entry per turn in order
    last = max(int(out.split()[0]) for _, out in results)
    assert last == 80
    assert _entries(opensearch_url, prefix) == list(range(1, 81))
    code, out = _done(_writer(tmp_path / "home3", "write", 0, opensearch_url, prefix))  # a third home catches up
    assert out.split() == ["80", "80"]


@pytest.mark.opensearch
def test_a_crash_before_the_commit_point_leaves_nothing_and_its_lease_expires(opensearch_url: str,
                                                                             tmp_path: Path) -> None:
    prefix = f"crash1-{uuid.uuid4().hex[:6]}-"
    assert _done(_writer(tmp_path / "a", "write", 2, opensearch_url, prefix))[1].split() == ["2", "2"]
    code, _ = _done(_writer(tmp_path / "a", "crash-before-commit-point", 1, opensearch_url, prefix, lease=3))
    assert code == 3
    assert _entries(opensearch_url, prefix) == [1, 2]
    # the crashed writer's lease (3 s) is taken over; its own home and another one go on from entry 2
    assert _done(_writer(tmp_path / "a", "write", 1, opensearch_url, prefix))[1].split() == ["3", "3"]
    assert _done(_writer(tmp_path / "b", "write", 0, opensearch_url, prefix))[1].split() == ["3", "3"]


@pytest.mark.opensearch
def test_a_crash_after_the_commit_point_is_applied_everywhere_once(opensearch_url: str, tmp_path: Path) -> None:
    prefix = f"crash2-{uuid.uuid4().hex[:6]}-"
    code, _ = _done(_writer(tmp_path / "a", "crash-after-commit-point", 1, opensearch_url, prefix, lease=3))
    assert code == 3  # died after the entry was created, before its file committed
    assert _entries(opensearch_url, prefix) == [1]
    assert _done(_writer(tmp_path / "a", "write", 0, opensearch_url, prefix))[1].split() == ["1", "1"]
    assert _done(_writer(tmp_path / "b", "write", 1, opensearch_url, prefix))[1].split() == ["2", "2"]


@pytest.mark.opensearch
def test_writes_while_the_cluster_does_not_answer_are_sent_at_the_next_turn(opensearch_url: str,
                                                                            tmp_path: Path) -> None:
    prefix = f"offline-{uuid.uuid4().hex[:6]}-"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    # home a writes 2 rows with the cluster unreachable (kept in its replica), home b 1 row meanwhile
    assert _done(_writer(tmp_path / "a", "write", 2, closed, prefix))[1].split() == ["2", "2"]
    assert _done(_writer(tmp_path / "b", "write", 1, opensearch_url, prefix))[1].split() == ["1", "1"]
    assert _entries(opensearch_url, prefix) == [1]
    # a's next turn sends its rows on top of b's: every home ends with all three rows
    _, out = _done(_writer(tmp_path / "a", "write", 0, opensearch_url, prefix))
    assert out.split()[1] == "3"
    assert _done(_writer(tmp_path / "b", "write", 0, opensearch_url, prefix))[1].split()[1] == "3"


@pytest.mark.opensearch
@pytest.mark.usefixtures("prefect_harness")  # flows report to the session's Prefect server (cli_env)
def test_ingest_stores_are_shared_between_homes(opensearch_url: str, tmp_path: Path) -> None:
    """What one home ingested, another home knows: inputs (unchanged), exact duplicates, stories, dead letters,
    canonical names and publishers, boilerplate rules and saved searches live in the cluster."""
    prefix = f"homes-{uuid.uuid4().hex[:6]}-"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for seed in sorted(SEEDS.glob("*.txt")):
        (corpus / seed.name).write_bytes(seed.read_bytes())
    (corpus / "copy.txt").write_bytes(sorted(SEEDS.glob("*.txt"))[0].read_bytes())
    (corpus / "broken.json").write_text("{not json")

    def cli(home: str, *args: str) -> subprocess.CompletedProcess[str]:
        env = cli_env(tmp_path / home, NEWSDESK_BACKEND="opensearch", NEWSDESK_OPENSEARCH_URL=opensearch_url,
                      NEWSDESK_OPENSEARCH_INDEX_PREFIX=prefix)
        return subprocess.run([sys.executable, "-m", "newsdesk.cli", *args], env=env, cwd=ROOT, text=True,
                              capture_output=True, timeout=600)

    first = cli("one", "ingest", str(corpus), "--json")
    assert first.returncode in (0, 1), first.stderr
    summary = json.loads(first.stdout)
    assert summary["indexed"] == 2 and summary["duplicates"] == 1 and summary["failed"] == 1
    again = cli("two", "ingest", str(corpus), "--json")
    summary = json.loads(again.stdout)
    assert summary["unchanged"] == 3 and summary["indexed"] == 0 and summary["failed"] == 1, again.stdout
    failed = cli("two", "failed", "list", "--json")
    assert "broken.json" in failed.stdout, failed.stdout + failed.stderr
    stories_one, stories_two = cli("one", "stories", "list", "--json"), cli("two", "stories", "list", "--json")
    assert stories_one.stdout == stories_two.stdout and json.loads(stories_two.stdout)["stories"]
    from newsdesk.config import Settings, use_settings

    for kind in ("aliases", "publishers"):
        rows = []
        for home in ("one", "two"):
            use_settings(Settings(home=tmp_path / home, backend="opensearch", opensearch_url=opensearch_url,
                                  opensearch_index_prefix=prefix))
            try:
                from newsdesk.enrich.publishers import PublisherRegistry
                from newsdesk.enrich.registry import AliasRegistry
                from newsdesk.sqlite import connect

                schema = (AliasRegistry if kind == "aliases" else PublisherRegistry).SCHEMA
                db = connect(Settings(home=tmp_path / home, backend="opensearch").store_path(kind), schema)
                table = "canonical_name" if kind == "aliases" else "publisher_name"
                rows.append(db.execute(f"SELECT * FROM {table} ORDER BY key").fetchall())  # noqa: S608
                db.close()
            finally:
                use_settings(None)
        assert rows[0] == rows[1] and rows[0], kind


# -- two homes, one index ------------------------------------------------------------------------------

EXTRACTION = ROOT.parent / "shared" / "data" / "extraction-dev" / "html"
COMPARED_OUT = {"ingested_at"}
"""What may differ between two ingests of the same corpus: when they ran."""


def _corpus(tmp_path: Path, pages: int) -> tuple[Path, Path]:
    """Seeds, a copy of one, and `pages` extraction-dev pages, split in two halves (folders a and b)."""
    halves = (tmp_path / "corpus" / "a", tmp_path / "corpus" / "b")
    for half in halves:
        half.mkdir(parents=True)
    files = [*sorted(SEEDS.glob("*.txt")), *sorted(EXTRACTION.glob("*.html.gz"))[:pages]]
    for i, path in enumerate(files):
        (halves[i % 2] / path.name).write_bytes(path.read_bytes())
    (halves[1] / "copy-of-seed.txt").write_bytes(files[0].read_bytes())  # an exact copy in the other half
    # a person named in full in one half and by surname only in the other
    (halves[0] / "whitcombe-full.txt").write_text(
        "Flood barrier plan unveiled\n\nEnvironment minister Jane Whitcombe unveiled a plan for a river barrier on "
        "Monday. \"The barrier will protect ten thousand homes,\" Jane Whitcombe told reporters in Leeds. The plan "
        "will cost 40 million pounds, the ministry said.\n")
    (halves[1] / "whitcombe-bare.txt").write_text(
        "Farmers criticise flood plan\n\nFarmers in Yorkshire criticised the river barrier plan on Tuesday. "
        "\"Whitcombe never asked us,\" said Tom Ellery, a farmer near Selby. Whitcombe said on Wednesday that she "
        "would meet the farmers next week.\n")
    return halves


def _index(url: str, prefix: str) -> dict[str, dict[str, object]]:
    from newsdesk.config import Settings
    from newsdesk.index.opensearch import OpenSearchBackend

    b = OpenSearchBackend.from_settings(Settings(opensearch_url=url, opensearch_index_prefix=prefix))
    try:
        return {i: b.get(i).model_dump(mode="json", exclude=COMPARED_OUT) for i in sorted(b.ids())}  # type: ignore[union-attr]
    finally:
        b.close()


@pytest.mark.opensearch
@pytest.mark.usefixtures("prefect_harness")  # flows report to the session's Prefect server (cli_env)
def test_two_homes_over_two_halves_give_the_index_one_ingest_gives(opensearch_url: str, tmp_path: Path) -> None:
    """Two ingest processes with their own homes over disjoint halves (concurrently; then one half after the
    other in the other order) write exactly the index one ingest of the whole writes: same ids, story_ids,
    duplicate_ofs, canonical entity names, publishers, every other field."""
    if not EXTRACTION.exists():
        pytest.skip(f"no {EXTRACTION}")
    a, b = _corpus(tmp_path, 24)
    run = uuid.uuid4().hex[:6]

    def cli(home: str, prefix: str, *args: str) -> subprocess.Popen[str]:
        env = cli_env(tmp_path / home, NEWSDESK_BACKEND="opensearch", NEWSDESK_OPENSEARCH_URL=opensearch_url,
                      NEWSDESK_OPENSEARCH_INDEX_PREFIX=prefix, NEWSDESK_BATCH_SIZE="8")
        return subprocess.Popen([str(Path(sys.executable).parent / "newsdesk"), *args], env=env, cwd=ROOT,
                                text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def finish(*procs: subprocess.Popen[str]) -> None:
        for proc in procs:
            out, err = proc.communicate(timeout=900)
            assert proc.returncode == 0, (out, err[-3000:])

    one = f"one-{run}-"
    finish(cli("whole", one, "ingest", str(a), str(b)))
    finish(cli("whole", one, "stories", "settle"))
    expected = _index(opensearch_url, one)
    assert len(expected) >= 20
    assert any(d["duplicate_of"] for d in expected.values())
    assert len({d["story_id"] for d in expected.values()}) < len(expected)  # some story has several articles
    bare = next(d for d in expected.values() if "Farmers criticise" in str(d["title"]))
    assert "Jane Whitcombe" in [e["name"] for e in bare["entities"]]  # the surname merged with the full name

    both = f"two-{run}-"
    finish(cli("home-a", both, "ingest", str(a)), cli("home-b", both, "ingest", str(b)))  # at the same time
    finish(cli("home-b", both, "stories", "settle"))
    other = f"oth-{run}-"
    finish(cli("home-c", other, "ingest", str(b)))
    finish(cli("home-d", other, "ingest", str(a)))
    finish(cli("home-c", other, "stories", "settle"))
    for prefix in (both, other):
        got = _index(opensearch_url, prefix)
        assert sorted(got) == sorted(expected)
        for article_id, document in expected.items():
            differing = {k: (v, got[article_id].get(k)) for k, v in document.items() if got[article_id].get(k) != v}
            assert not differing, (prefix, article_id, differing)


@pytest.mark.opensearch
def test_saved_searches_and_boilerplate_rules_are_shared(opensearch_url: str, tmp_path: Path) -> None:
    from newsdesk.clean.boilerplate import BoilerplateStore
    from newsdesk.config import Settings, use_settings
    from newsdesk.search.saved import SavedSearches

    prefix = f"misc-{uuid.uuid4().hex[:6]}-"

    def home(name: str) -> Settings:
        settings = Settings(home=tmp_path / name, backend="opensearch", opensearch_url=opensearch_url,
                            opensearch_index_prefix=prefix)
        use_settings(settings)
        return settings

    try:
        settings = home("a")
        with SavedSearches.for_settings(settings) as saved:
            saved.save("Panjshir", "q=Panjshir")
        BoilerplateStore().add("publisher", "Sputnik", "subscribe to our newsletter", 12)
        settings = home("b")
        with SavedSearches.for_settings(settings) as saved:
            assert [s.name for s in saved.list()] == ["Panjshir"]
        assert [r.line for r in BoilerplateStore().rules(key="Sputnik")] == ["subscribe to our newsletter"]
        assert BoilerplateStore().path == tmp_path / "b" / "state" / "opensearch-articles.boilerplate.sqlite"
    finally:
        use_settings(None)
