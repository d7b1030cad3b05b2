"""Line-level cleaner for plain-text dumps of news pages.

The cleaner only ever deletes: every line of its output is a (whitespace- and Unicode-normalised)
line or line prefix of its input. What it deletes is recorded as `RemovedSpan`s with the rule name,
and what deleted lines say (title, date, dateline, byline, site name) is kept as metadata.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

import ftfy

from newsdesk.clean.lines import LIST_ITEM, LineModel, default_line_model, word_count
from newsdesk.clean.timestamps import stated_dates
from newsdesk.clean.titles import CALL_TO_ACTION, CAPTION
from newsdesk.model import RemovedSpan

CLAUSE_END = re.compile(r"[.!?…:;。！？][\"'”’»)\]」』]*$")
"""Prose ends like this (a colon or semicolon too: a line introducing a list or quote)."""

HEADER = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\s+([^\W\d][^:.!?]{0,40}?)\s*:\s*", re.I)
"""A dump header such as `date 2021-09-04 Kabul: ...`."""

TEASER_LABELS = (
    r"also read|read also|read more|more from|related(?: articles?| stories| news| content)?|"
    r"recommended(?: for you| stories| articles)?|you may also like|you might also like|"
    r"must read|don'?t miss|trending|watch(?: now| video)?|see also|suggested"
)
GLUED_TEASER = re.compile(
    rf"(?<=[.!?\"”’])(?:(?:{TEASER_LABELS})\s*(?:[-–—:|»>]|\s[A-Z])|\s+(?:{TEASER_LABELS})\s*[-–—:|»>]).*$", re.I
)
"""A teaser glued to the end of a sentence: `...fled the country.Also Read - Ahmad Massoud: ...`
(directly after the full stop, or after a space when a separator follows the label)."""

TEASER_LINE = re.compile(rf"^(?:{TEASER_LABELS})\s*(?:[-–—:|»>].*)?$", re.I)
SOCIAL = r"(?:facebook|twitter|x|linkedin|whatsapp|reddit|pinterest|telegram|flipboard|e-?mail|copy link|print)"
PROMPT_LINE = re.compile(
    r"^(?:subscribe(?: now| today| here)?|sign (?:up|in)(?: now| here| for free)?|log ?in|register|"
    r"share(?: this(?: article| story| page)?| on| via)?|tweet|comments?|advertisement|"
    r"skip to (?:main )?content|back to top|scroll to top|continue reading|"
    rf"{SOCIAL}(?:\s*[|/,·•]?\s*{SOCIAL})*)\W*$",
    re.I,
)
"""Whole short lines that are calls to action or share bars."""
PROMPT_PHRASE = re.compile(
    r"(?:^subscribe (?:to|for|now)\b|^sign up (?:for|to)\b|\b(?:sign up|subscribe) (?:to|for) (?:our|the)\b.{0,40}"
    r"\bnewsletters?\b|\bnewsletters? (?:delivered|straight) to your inbox\b|^(?:get|join) our\b.{0,40}\bnewsletter\b|"
    r"\b(?:we|this (?:site|website)) uses? cookies\b|\bcookie (?:policy|settings|preferences)\b|"
    r"\baccept (?:all )?cookies\b|\b(?:enable|turn on) javascript\b|\bjavascript is (?:disabled|required)\b|"
    r"^follow us (?:on|at)\b|^click (?:here )?to (?:share|print|email|subscribe)\b)",
    re.I,
)
"""Specific call-to-action phrases (newsletter, cookie and JavaScript notices) anywhere in a short line."""

COPYRIGHT = re.compile(r"^(?:©|\(c\)|copyright\b|all rights reserved)", re.I)
DETAILS_TO_FOLLOW = re.compile(
    r"^(?:details to follow|more to follow|developing story|this story is developing|"
    r"this is a developing story|breaking news)\W*$",
    re.I,
)
PHOTO_CREDIT = re.compile(
    r"^(?:(?:photo|image|picture|credit|source|file photo)s?\s*[:/|-]\s*.{1,80}|"
    r"[\w.&' -]{2,40}\s+/\s+[\w.&' -]{2,40}(?:\s+/\s+[\w.&' -]{2,40})?)$",
    re.I,
)
"""Credits like `Photo: Reuters` or `Sputnik / Sputnik Afghanistan`."""
BREADCRUMB_SEPARATORS = re.compile(r"\s+[–—|>»›/]\s+|\s+-\s+")
BYLINE = re.compile(
    r"^(?i:by|written by|words by|reporting by|story by|posted by|author:?)\s+"
    r"((?:[A-Z][\w.'’-]*\.?\s?){1,4}(?:(?:,|\band\b|&)\s*(?:[A-Z][\w.'’-]*\.?\s?){1,4}){0,3})"
    r"(?:\s*[,|–—-]\s*.{0,60})?$"
)
TIMESTAMP = re.compile(
    r"^(?:(?:published|updated|posted|last updated|first published|modified)(?: on| at)?:?\s*)?"
    r"(?:(?:mon|tue|wed|thu|fri|sat|sun)\w*,?\s+)?"
    r"(?:\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?\s*(?:[A-Z]{2,4})?,?\s*)?"
    r"(?:\d{1,2}\s+[A-Z][a-z]{2,8}\.?,?\s+\d{4}|[A-Z][a-z]{2,8}\.?\s+\d{1,2},?\s+\d{4}|\d{4}-\d{2}-\d{2}|"
    r"\d{1,2}/\d{1,2}/\d{2,4})"
    r"(?:,?\s*(?:at\s+)?\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?\s*(?:[A-Z]{2,4}|GMT[+-]?\d*|UTC[+-]?\d*)?)?\W*$",
    re.I,
)
"""A line that is only a publication/update timestamp."""

NAV_MAX_WORDS = 5
NAV_MIN_RUN = 4
MAX_TRAILER_LINES = 8
"""A longer run of short closing lines is a list that belongs to the article, not a trailer."""
MAX_UNMARKED_TRAILER_LINES = 3
"""Short closing lines with no copyright/credit/breadcrumb marker: at most this many are a trailer."""


@dataclass
class TextCleanResult:
    """Body text plus the metadata the cleaner read from the lines it removed."""

    body: str
    title: str | None = None
    published: date | None = None
    byline_date: date | datetime | None = None
    """The date on a dump's byline lines, between its headline and its text."""
    dateline: str | None = None
    authors: list[str] = field(default_factory=list)
    publisher_candidates: list[tuple[str, str]] = field(default_factory=list)
    """(rule, name): site-name lines (`site-name`) and copyright holders (`copyright`), in page order."""
    aggregator: str | None = None
    removed: list[RemovedSpan] = field(default_factory=list)


def normalise_text(text: str) -> str:
    """Repair mojibake (ftfy, quotes kept curly), NFC, unify newlines, collapse spaces within lines."""
    text = ftfy.fix_text(text, uncurl_quotes=False)
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u00a0", " ").replace("\u200b", "").replace("\ufeff", "")
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return "\n".join(lines).strip("\n")


def is_sentence(line: str) -> bool:
    """A line that ends like prose (sentence punctuation) rather than like a label or link."""
    return bool(CLAUSE_END.search(line))


def is_list_item(line: str) -> bool:
    return bool(LIST_ITEM.match(line))


class _Lines:
    """The working state: lines (None = blank), plus what was removed and learned."""

    def __init__(self, text: str) -> None:
        self.lines: list[str | None] = [line or None for line in text.split("\n")]
        self.original = list(self.lines)
        self.result = TextCleanResult(body="")

    def remove(self, index: int, rule: str) -> str:
        line = self.lines[index]
        assert line is not None
        self.result.removed.append(RemovedSpan(rule=rule, text=line))
        self.lines[index] = None
        return line

    def indices(self) -> list[int]:
        return [i for i, line in enumerate(self.lines) if line is not None]

    def body(self) -> str:
        """Non-blank lines, paragraphs separated by blank lines, list items kept on their own lines."""
        out: list[str] = []
        previous_item = False
        for line in self.lines:
            if line is None:
                continue
            item = is_list_item(line)
            if out:
                out.append("\n" if item and previous_item else "\n\n")
            out.append(line)
            previous_item = item
        return "".join(out)


def _parse_header(doc: _Lines) -> None:
    for i in doc.indices()[:1]:
        line = doc.lines[i]
        assert line is not None
        match = HEADER.match(line)
        if not match:
            return
        try:
            doc.result.published = date.fromisoformat(match.group(1))
        except ValueError:
            return
        doc.result.dateline = match.group(2).strip()
        doc.result.removed.append(RemovedSpan(rule="header", text=match.group(0).strip()))
        doc.lines[i] = line[match.end():] or None


def _cut_glued_teasers(doc: _Lines) -> None:
    for i in doc.indices():
        line = doc.lines[i]
        assert line is not None
        match = GLUED_TEASER.search(line)
        if match and match.start() > 0:
            doc.result.removed.append(RemovedSpan(rule="glued-teaser", text=match.group(0).strip()))
            doc.lines[i] = line[: match.start()].rstrip() or None


def _remove_teaser_lines(doc: _Lines) -> None:
    for i in doc.indices():
        line = doc.lines[i]
        assert line is not None
        if word_count(line) <= 25 and TEASER_LINE.match(line):
            doc.remove(i, "teaser-line")
        elif PROMPT_LINE.match(line) or (word_count(line) <= 40 and PROMPT_PHRASE.search(line)):
            doc.remove(i, "prompt-line")


_TYPOGRAPHY = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "–": "-", "—": "-"})


def _title_key(text: str) -> str:
    """A title compared as words: case, spacing, and curly or straight quotes and dashes do not count (a feed's
    title and the page's headline often differ only so)."""
    return " ".join(text.translate(_TYPOGRAPHY).split()).casefold()


def _collapse_title(doc: _Lines, known_titles: Sequence[str]) -> None:
    """A first line repeated right after itself, or equal to one of the titles the page is known by (its
    metadata title, a feed's title, its displayed headline), is the title."""
    present = doc.indices()
    if not present:
        return
    first = doc.lines[present[0]]
    assert first is not None
    if len(present) > 1 and doc.lines[present[1]] == first and not is_list_item(first):
        doc.result.title = first
        doc.remove(present[0], "title")
        doc.remove(present[1], "title")
        return
    if known_titles:
        wanted = {_title_key(t) for t in known_titles}
        for i in present[:40]:
            line = doc.lines[i]
            assert line is not None
            if _title_key(line) in wanted:
                doc.result.title = doc.result.title or line
                doc.remove(i, "title")
                return


def _trailer_kind(line: str) -> str | None:
    """Which trailer rule a short closing line matches, if any."""
    if COPYRIGHT.match(line):
        return "copyright"
    if DETAILS_TO_FOLLOW.match(line):
        return "details-to-follow"
    if word_count(line) > 12 or is_sentence(line):
        return None
    if PHOTO_CREDIT.match(line):
        return "photo-credit"
    if BREADCRUMB_SEPARATORS.search(line) and not re.search(r"[\d,@]", line):
        return "breadcrumb"
    if word_count(line) <= 6:
        return "site-name"
    return None


def _remove_trailer(doc: _Lines) -> None:
    """Strip the closing block of short non-sentence lines, keeping site names as metadata."""
    present = doc.indices()
    trailer: list[tuple[int, str]] = []
    for i in reversed(present):
        line = doc.lines[i]
        assert line is not None
        kind = _trailer_kind(line)
        if kind is None:
            break
        trailer.append((i, kind))
    only_site_names = all(kind == "site-name" for _, kind in trailer)
    if (
        len(trailer) == len(present)
        or len(trailer) > MAX_TRAILER_LINES
        or (only_site_names and not 2 <= len(trailer) <= MAX_UNMARKED_TRAILER_LINES)
    ):
        # the whole text, a closing list, or short closing lines without any trailer marker: keep them
        return
    for i, kind in reversed(trailer):
        line = doc.remove(i, kind)
        if kind == "breadcrumb":
            head = BREADCRUMB_SEPARATORS.split(line)[0].strip()
            if head and doc.result.aggregator is None:
                doc.result.aggregator = head
        elif kind == "site-name" and any(ch.isalpha() for ch in line):
            doc.result.publisher_candidates.append((kind, line))
        elif kind == "copyright":
            holder = COPYRIGHT.sub("", line).strip(" .,:-–—")
            holder = re.sub(r"^\d{4}(?:\s*[-–]\s*\d{4})?\s*", "", holder)
            holder = re.sub(r"\.?\s*all rights reserved.*$", "", holder, flags=re.I).strip(" .,")
            if holder and word_count(holder) <= 6:
                doc.result.publisher_candidates.append((kind, holder))


def _bylines_and_timestamps(doc: _Lines) -> None:
    for i in doc.indices():
        line = doc.lines[i]
        assert line is not None
        if word_count(line) > 14:
            continue
        byline = BYLINE.match(line)
        if byline:
            names = re.split(r"\s*(?:,|\band\b|&)\s*", byline.group(1).strip())
            doc.result.authors.extend(n.strip() for n in names if n.strip() and n.strip() not in doc.result.authors)
            doc.remove(i, "byline")
        elif TIMESTAMP.match(line):
            doc.remove(i, "timestamp")


def _remove_navigation(doc: _Lines) -> None:
    """Runs of many short lines without sentence punctuation are menus and link lists."""
    run: list[int] = []

    def flush() -> None:
        if len(run) >= NAV_MIN_RUN:
            for j in run:
                doc.remove(j, "navigation")
        run.clear()

    for i, line in enumerate(doc.lines):
        if line is None:
            continue
        if word_count(line) <= NAV_MAX_WORDS and not is_sentence(line) and not is_list_item(line):
            run.append(i)
        else:
            flush()
    flush()


HEADLINE_WORDS = (3, 16)
MAX_BYLINE_WORDS = 14
HEADLINE_LOOKBACK = 12
"""Lines before the article text where a dump's headline may stand (above its byline, date and photo credit)."""
_CONTENT_WORD = re.compile(r"[^\W\d_]{4,}")


def _headline_like(line: str) -> bool:
    """A line shaped like a headline: a few words, not a sentence ending in a full stop, not a byline, date,
    credit, call to action or breadcrumb."""
    words = word_count(line)
    if not HEADLINE_WORDS[0] <= words <= HEADLINE_WORDS[1] or re.search(r"[.,;:]$", line):
        return False
    if any(p.match(line) for p in (TIMESTAMP, BYLINE, PHOTO_CREDIT, PROMPT_LINE, TEASER_LINE, COPYRIGHT)):
        return False
    if PROMPT_PHRASE.search(line) or CALL_TO_ACTION.match(line) or CAPTION.search(line):
        return False
    if re.search(r"\s[>|»›]\s", line) or re.search(r"\w{3}[.!?]\s+[A-Z]", line):  # a breadcrumb; two sentences
        return False
    if "@" in line or "#" in line or "://" in line or line.isupper():
        return False
    return len(_CONTENT_WORD.findall(line)) >= 2


def _about_the_lead(line: str, lead: str) -> bool:
    """Whether a headline candidate shares its content words with the article's lead."""
    words = {w.casefold() for w in _CONTENT_WORD.findall(line)}
    shared = words & {w.casefold() for w in _CONTENT_WORD.findall(lead)}
    return len(shared) >= 2 or (len(shared) >= 1 and len(shared) >= 0.4 * len(words))


def _headline_line(doc: _Lines) -> None:
    """A dump's headline: its first kept line when that line is a headline above prose, else the nearest
    headline-shaped line just above the article text that is about its lead (never a line kept in the body
    other than the first)."""
    present = doc.indices()
    if len(present) < 2 or doc.result.title:
        return
    first, second = present[0], present[1]
    lead = " ".join(doc.lines[i] or "" for i in present[1:6])[:1500]
    line = doc.lines[first]
    assert line is not None
    following = doc.lines[second] or ""
    prose = word_count(following) >= 12 and (is_sentence(following) or re.search(r"[,;]$", following)
                                              or word_count(following) > HEADLINE_WORDS[1])
    if _headline_like(line) and prose and _about_the_lead(line, lead):
        doc.result.title = line
        doc.remove(first, "title")
        _byline_date(doc, first, second)
        return
    lead = " ".join(doc.lines[i] or "" for i in present[:5])[:1500]
    for i in range(first - 1, max(-1, first - 1 - HEADLINE_LOOKBACK), -1):
        candidate = doc.original[i]
        if candidate and _headline_like(candidate) and _about_the_lead(candidate, lead):
            doc.result.title = candidate
            _byline_date(doc, i, first)
            return


def _byline_date(doc: _Lines, headline: int, text: int) -> None:
    """The publication date a dump states on the short lines between its headline and its text (its byline);
    the first date not marked as an update."""
    for line in doc.original[headline + 1:text]:
        if not line or word_count(line) > MAX_BYLINE_WORDS:
            continue
        dates = stated_dates(line)
        original = [value for value, updated in dates if not updated]
        if original:
            doc.result.byline_date = original[0]
            return


RESCUE_MARGIN = 0.15
"""When the classifier rejects every line of a text that has prose, keep the lines this close to its best."""


def _classify_lines(doc: _Lines, model: LineModel) -> list[int]:
    """Indices of the lines the learned classifier takes for non-article text (computed up front)."""
    present = doc.indices()
    lines = [doc.lines[i] or "" for i in present]
    probabilities = model.probabilities(lines)
    threshold = model.threshold
    if len(present) and probabilities.max() < threshold:
        best = int(probabilities.argmax())
        if word_count(lines[best]) >= 12 and is_sentence(lines[best]):
            threshold = probabilities[best] - RESCUE_MARGIN
    return [i for i, p in zip(present, probabilities) if p < threshold]


def _remove_classified(doc: _Lines, rejected: list[int]) -> None:
    for i in rejected:
        if doc.lines[i] is not None:
            doc.remove(i, "line-classifier")


def clean_text(
    text: str,
    known_titles: Sequence[str] = (),
    whole_page: bool = True,
    model: LineModel | Literal["default"] | None = "default",
) -> TextCleanResult:
    """Clean a plain-text dump: header, teasers, title, trailer, bylines; never adds text.

    `whole_page`: the text is a whole page (a dump, or an HTML page's visible text), so menus and
    other page furniture are removed too, by the navigation rule and the learned line classifier
    (`model`; default: the shipped one; None: rules only). False for an extractor's main text.
    """
    doc = _Lines(normalise_text(text))
    line_model = default_line_model() if model == "default" else model
    rejected = _classify_lines(doc, line_model) if whole_page and line_model is not None else []
    _parse_header(doc)
    _cut_glued_teasers(doc)
    _remove_teaser_lines(doc)
    _collapse_title(doc, known_titles)
    _remove_trailer(doc)
    _bylines_and_timestamps(doc)
    if whole_page:
        _remove_navigation(doc)
        _remove_classified(doc, rejected)
        if not known_titles:
            _headline_line(doc)
    doc.result.body = doc.body()
    return doc.result
