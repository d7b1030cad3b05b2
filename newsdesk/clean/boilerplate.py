"""Per-publisher and per-source-folder boilerplate learned from the corpus, stored in SQLite.

A line that recurs in many distinct documents of one group (same publisher, or same source folder
when the publisher is unknown) is boilerplate for that group. Near-duplicate documents (syndicated
copies sharing most of their long lines) count once, so a repeated story does not teach its own
sentences as boilerplate. Rules are stored beside the index, listed, disabled and enabled one by one,
and applied on later runs.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePath

from newsdesk.config import get_settings
from newsdesk.sqlite import connect, transaction
from newsdesk.model import RawDocument, RemovedSpan

MIN_DOCUMENTS = 3
"""A line must recur in at least this many distinct documents of a group."""
MIN_SHARE = 0.3
"""...and in at least this share of the group's distinct documents."""
LONG_LINE_WORDS = 12
NEAR_DUPLICATE_SHARE = 0.5

SCHEMA = """
CREATE TABLE IF NOT EXISTS boilerplate_rules (
    id INTEGER PRIMARY KEY,
    scope TEXT NOT NULL CHECK (scope IN ('publisher', 'source')),
    key TEXT NOT NULL,
    line TEXT NOT NULL,
    documents INTEGER NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1,
    UNIQUE (scope, key, line)
)
"""


@dataclass(frozen=True)
class BoilerplateRule:
    """One learned line for one publisher or source folder."""

    id: int
    scope: str
    key: str
    line: str
    documents: int
    enabled: bool

    @property
    def name(self) -> str:
        return f"boilerplate:{self.id}"


def default_store_path() -> Path:
    return get_settings().store_path("boilerplate")


def source_folder(raw: RawDocument) -> str:
    """The group key of a document without a known publisher: its (resolved) parent folder."""
    return str(PurePath(raw.identity or raw.path).parent)


def normalise_line(line: str) -> str:
    return " ".join(line.split()).casefold()


class BoilerplateStore:
    """The SQLite table of learned rules."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_store_path()

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection holding one write transaction (rules are small; every call is short)."""
        conn = connect(self.path, SCHEMA)
        try:
            with transaction(conn):
                yield conn
        finally:
            conn.close()

    def add(self, scope: str, key: str, line: str, documents: int) -> None:
        """Insert a rule, or update its document count; a disabled rule stays disabled."""
        with self.connect() as conn:
            conn.execute(
                "INSERT INTO boilerplate_rules (scope, key, line, documents) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (scope, key, line) DO UPDATE SET documents = excluded.documents",
                (scope, key, line, documents),
            )

    def rules(self, key: str | None = None, enabled_only: bool = False) -> list[BoilerplateRule]:
        query = "SELECT id, scope, key, line, documents, enabled FROM boilerplate_rules WHERE 1=1"
        args: list[object] = []
        if key is not None:
            query += " AND key = ?"
            args.append(key)
        if enabled_only:
            query += " AND enabled = 1"
        with self.connect() as conn:
            rows = conn.execute(query + " ORDER BY scope, key, documents DESC, id", args).fetchall()
        return [BoilerplateRule(r[0], r[1], r[2], r[3], r[4], bool(r[5])) for r in rows]

    def set_enabled(self, rule_id: int, enabled: bool) -> bool:
        """Enable or disable one rule; False when there is no such rule."""
        with self.connect() as conn:
            cursor = conn.execute(
                "UPDATE boilerplate_rules SET enabled = ? WHERE id = ?", (int(enabled), rule_id)
            )
        return cursor.rowcount > 0


class BoilerplateRules:
    """The enabled rules, indexed for lookup while cleaning."""

    def __init__(self, rules: Iterable[BoilerplateRule]) -> None:
        self._by_group: dict[tuple[str, str], dict[str, BoilerplateRule]] = defaultdict(dict)
        for rule in rules:
            if rule.enabled:
                self._by_group[(rule.scope, rule.key)][rule.line] = rule

    @classmethod
    def load(cls, path: Path | None = None) -> BoilerplateRules:
        """The enabled rules of the store (empty when there is no store yet)."""
        store = BoilerplateStore(path)
        if not store.path.exists():
            return cls([])
        return cls(store.rules(enabled_only=True))

    def __len__(self) -> int:
        return sum(len(lines) for lines in self._by_group.values())

    def match(self, line: str, publisher: str | None, raw: RawDocument) -> BoilerplateRule | None:
        """The rule that marks `line` as boilerplate for this publisher or source folder."""
        norm = normalise_line(line)
        groups = [("source", source_folder(raw))]
        if publisher:
            groups.insert(0, ("publisher", normalise_line(publisher)))
        for group in groups:
            rule = self._by_group.get(group, {}).get(norm)
            if rule is not None:
                return rule
        return None

    def apply(self, body: str, publisher: str | None, raw: RawDocument) -> tuple[str, list[RemovedSpan]]:
        """Remove learned boilerplate lines from a cleaned body, paragraph structure kept."""
        if not self._by_group:
            return body, []
        removed: list[RemovedSpan] = []
        kept: list[str] = []
        for line in body.split("\n"):
            rule = self.match(line, publisher, raw) if line.strip() else None
            if rule is None:
                kept.append(line)
            else:
                removed.append(RemovedSpan(rule=rule.name, text=line))
        text = "\n".join(kept)
        while "\n\n\n" in text:
            text = text.replace("\n\n\n", "\n\n")
        return text.strip("\n"), removed


def _distinct_documents(docs: list[list[str]]) -> list[int]:
    """Indices of documents that are not near-duplicates of an earlier one (by shared long lines)."""
    seen_long: dict[str, list[int]] = defaultdict(list)
    kept: list[int] = []
    for index, lines in enumerate(docs):
        long_lines = {l for l in lines if len(l.split()) >= LONG_LINE_WORDS}
        overlap: dict[int, int] = defaultdict(int)
        for line in long_lines:
            for other in seen_long.get(line, ()):
                overlap[other] += 1
        if long_lines and any(n / len(long_lines) >= NEAR_DUPLICATE_SHARE for n in overlap.values()):
            continue
        kept.append(index)
        for line in long_lines:
            seen_long[line].append(index)
    return kept


@dataclass(frozen=True)
class GroupLearned:
    """What learning found in one group (publisher or source folder) of documents."""

    scope: str
    key: str
    documents: int
    distinct: int
    """Documents that are not near-duplicates of another one in the group (the ones that count)."""
    lines: int
    """Recurring lines found (stored as rules, or already stored)."""


def learn_groups(
    docs: Iterable[RawDocument],
    store: BoilerplateStore | None = None,
    min_documents: int = MIN_DOCUMENTS,
    min_share: float = MIN_SHARE,
) -> list[GroupLearned]:
    """Learn recurring lines per publisher (or source folder) from documents, store them, and report each group."""
    from newsdesk.clean import clean_document  # the cleaner tells us each document's publisher

    store = store or BoilerplateStore()
    groups: dict[tuple[str, str], list[list[str]]] = defaultdict(list)
    for raw in docs:
        article = clean_document(raw)
        lines = [normalise_line(l) for l in article.body.split("\n") if l.strip()]
        scope_key = (
            ("publisher", normalise_line(article.publisher))
            if article.publisher
            else ("source", source_folder(raw))
        )
        groups[scope_key].append(lines)
    report: list[GroupLearned] = []
    for (scope, key), group_docs in groups.items():
        distinct = _distinct_documents(group_docs)
        learned = 0
        if len(distinct) >= min_documents:
            counts: dict[str, int] = defaultdict(int)
            for index in distinct:
                for line in set(group_docs[index]):
                    counts[line] += 1
            threshold = max(min_documents, min_share * len(distinct))
            for line, n in counts.items():
                if n >= threshold:
                    store.add(scope, key, line, n)
                    learned += 1
        report.append(GroupLearned(scope, key, len(group_docs), len(distinct), learned))
    return report


def learn_boilerplate(
    docs: Iterable[RawDocument],
    store: BoilerplateStore | None = None,
    min_documents: int = MIN_DOCUMENTS,
    min_share: float = MIN_SHARE,
) -> list[BoilerplateRule]:
    """Learn recurring lines per publisher (or source folder) from documents and store them; every stored rule."""
    store = store or BoilerplateStore()
    learn_groups(docs, store, min_documents, min_share)
    return store.rules()
