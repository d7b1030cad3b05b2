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
from newsdesk.clean.titles import CALL_TO_ACTION, CAPTION, GENERIC_TITLE
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

NAME_CARD = re.compile(
    r"(\b(?:[A-Z][\w'’.-]*\s){1,3}?([A-Z][\w'’-]+))\s(?:[A-Z(][\w'’.()-]*\s){0,4}?\2"
    r"(?:MORE\b|(?=[A-Z0-9'‘“\"])[^\n]*?\sMORE\b)")
"""A person's card expanded into the sentence after their name: the full formal name glued to teaser headlines and a
"MORE" link (`Rep. Jan Schakowsky Janice (Jan) Danoff SchakowskyDrag queen attends … MORE (D-Ill.)`, or no headline:
`Sen. John Kennedy John Neely KennedyMORE (R-La.)`); group 1 is
the name as the sentence writes it."""

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
    r"\b(?:we|this (?:site|website)|(?:and )?our partners) uses? cookies\b|\bcookie (?:policy|settings|preferences)\b|"
    r"\baccept (?:all )?cookies\b|^we value your privacy\b|^your privacy (?:choices|options|settings)\b|"
    r"\bprivacy (?:preference|settings|center|centre)\b|^manage (?:cookies|consent|preferences)\b|"
    r"\bcookie-?(?:einstellungen|hinweis|richtlinie)\b|\bdatenschutz-?einstellungen\b|\bwir (?:verwenden|nutzen) cookies\b|"
    r"\bnous utilisons des cookies\b|\b(?:utilizamos|usamos) cookies\b|\butilizziamo (?:i )?cookie\b|"
    r"\b(?:enable|turn on) javascript\b|\bjavascript is (?:disabled|required)\b|"
    r"^follow us (?:on|at)\b|^click (?:here )?to (?:share|print|email|subscribe)\b)",
    re.I,
)
"""Specific call-to-action phrases (newsletter, cookie banner and JavaScript notices) anywhere in a short line."""

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


def _cut_name_cards(doc: _Lines) -> None:
    for i in doc.indices():
        line = doc.lines[i]
        assert line is not None
        cards = list(NAME_CARD.finditer(line))
        doc.result.removed.extend(RemovedSpan(rule="name-card", text=card.group(0)[len(card.group(1)):].strip())
                                  for card in cards)
        for card in reversed(cards):
            line = line[:card.end(1)] + line[card.end():]
        doc.lines[i] = line


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
    metadata title, a feed's title, its displayed headline), is the title. A repeated menu entry or skip link
    ("Search", "Zum Inhalt springen") is not: the repeated line must look like a headline about the text."""
    present = doc.indices()
    if not present:
        return
    first = doc.lines[present[0]]
    assert first is not None
    lead = _lead(doc, present[2:8])
    if (len(present) > 1 and doc.lines[present[1]] == first and not is_list_item(first)
            and _headline_like(first) and _shared_words(first, lead)):
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
BYLINE_SCAN = 8
"""Lines after a headline candidate searched for its byline or date (past a share bar and a standfirst)."""
_CONTENT_WORD = re.compile(r"[^\W\d_]{4,}")
BYLINE_CUE = re.compile(
    r"^(?:(?i:by|von|par|por|door|av|af|di|written by|posted by|story by|words by|reporting by)\s*:?\s+[^\W\d_]"
    r"|(?i:by|von|par|por|door)\s*:?$|(?i:author|autor|autorin|auteur|autore|verfasst von)\s*:|@\w+$)")
"""A byline in the languages news is written in ("By Ann Lee", "by: Ann Lee", "von Ann Lee", a lone "By", the
author's handle)."""
DATE_CUE = re.compile(
    r"\b\d{1,2}[./-]\d{1,2}[./-](?:19|20)?\d\d\b|\b(?:19|20)\d\d-\d\d-\d\d\b"
    r"|\b\d{1,2}(?:st|nd|rd|th)?\.?\s+[^\W\d_]{3,}\.?,?\s+(?:19|20)\d\d\b"
    r"|\b[^\W\d_]{3,}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+(?:19|20)\d\d\b|\b\d{1,2}:\d\d\b"
    r"|\b\d+\s+(?:minutes?|mins?|hours?|hrs?|days?|weeks?)\s+ago\b"
    r"|^(?:published|updated|posted|veröffentlicht|aktualisiert|publié|publicado|pubblicato|datum|date)\b", re.I)
"""A date or time as a byline states it (a day with its year, a clock time, "3 hours ago", "Published ...")."""
HEADED_LIST = re.compile(
    r"^(?:video|videos|watch(?: now| next| video)?|audio|listen|podcasts?|gallery|photos?|slideshow|play|now playing"
    r"|trending(?: now)?|most (?:read|popular|viewed|shared)|popular(?: now)?|top stories|latest(?: news| stories)?"
    r"|more (?:stories|news|headlines|videos)|editor'?s picks|in case you missed it|what to read next|up next|next up"
    r"|meistgelesen|beliebt|mehr zum thema|weitere (?:artikel|meldungen|nachrichten)|lire aussi|à lire aussi"
    r"|les plus lus|leer más|lee también|lo más leído|relacionad[oa]s|da non perdere|più letti)\W*$", re.I)
"""A label over a video, a gallery or a list of other articles: the line under it is their title, not the
article's headline."""
TAG_LIST = re.compile(r"^[^,]+(?:,[^,]+){3,}$")
"""Four or more comma-separated items: a line of tags or categories when every item is short."""


def _headline_like(line: str) -> bool:
    """A line shaped like a headline: a few words, not a sentence ending in a full stop, not a byline, date,
    credit, call to action, breadcrumb, menu entry or list of tags."""
    words = word_count(line)
    if not HEADLINE_WORDS[0] <= words <= HEADLINE_WORDS[1] or re.search(r"[.,;:]$", line):
        return False
    if any(p.match(line) for p in (TIMESTAMP, BYLINE, BYLINE_CUE, PHOTO_CREDIT, PROMPT_LINE, TEASER_LINE, COPYRIGHT,
                                   GENERIC_TITLE)):
        return False
    if PROMPT_PHRASE.search(line) or CALL_TO_ACTION.match(line) or CAPTION.search(line):
        return False
    if re.search(r"\s[>|»›]\s", line) or re.search(r"\w{3}\.\s+[A-Z]", line):  # a breadcrumb; two sentences
        return False
    if TAG_LIST.match(line) and all(word_count(item) <= 3 for item in line.split(",")):
        return False
    if "@" in line or "#" in line or "://" in line or line.isupper() or line.startswith("["):
        return False
    if re.match(r"[^\W\d_]+\b", line) and line.split()[0].islower():  # a wrapped line of text: "of Mercurial ..."
        return False
    return len(_CONTENT_WORD.findall(line)) >= 2


def _shared_words(line: str, lead: str) -> int:
    """How many of a headline candidate's content words the article's lead uses, or 0 when too few of them to
    say the line is about the lead."""
    words = {w.casefold() for w in _CONTENT_WORD.findall(line)}
    shared = len(words & {w.casefold() for w in _CONTENT_WORD.findall(lead)})
    return shared if shared >= 2 or (shared >= 1 and shared >= 0.4 * len(words)) else 0


def _byline_like(line: str) -> bool:
    return word_count(line) <= MAX_BYLINE_WORDS and bool(
        BYLINE.match(line) or BYLINE_CUE.match(line) or TIMESTAMP.match(line) or DATE_CUE.search(line))


MAX_SHORT_UNDER_HEADLINE = 2
"""Short lines ("Editorial", an author's name) that may stand between a headline and its byline or text."""
_CRUMB = re.compile(r"\s*[>»›]\s*|\s+[|/–—-]\s+")
"""Between the parts of a breadcrumb ("Home>People>Headline", "News / Politics / Headline")."""
_LINK_TRAIL = re.compile(r"\s[>|»›/]\s|^[>»›]")


def _standfirst_of(headline: str, line: str) -> bool:
    """Whether a headline-shaped line under a headline is its standfirst (a longer summary) rather than the
    headline under its kicker (a kicker is a few words: "Dancing With the Stars")."""
    return word_count(headline) >= 5 and word_count(line) >= max(10, word_count(headline) + 3)


def _evidence(doc: _Lines, index: int, top: int) -> int:
    """How surely a headline-shaped line is the article's headline rather than a kicker, caption, teaser or menu
    entry, from what stands under it (past a caption, a share bar, a breadcrumb and a few short lines): 2 its
    byline or date; 1 a standfirst, then its byline; 0 the text (or a standfirst); -1 anything else (another
    headline, a menu). A line the page states twice has at least 1."""
    standfirst, short, evidence = False, 0, -1
    for line in doc.original[index + 1:index + 1 + BYLINE_SCAN]:
        if not line:
            continue
        if _byline_like(line):
            evidence = 1 if standfirst else 2
            break
        if CAPTION.search(line) or PHOTO_CREDIT.match(line) or PROMPT_LINE.match(line) or (
                _LINK_TRAIL.search(line) and word_count(line) <= 8):
            continue  # the lead picture's caption or credit, a share bar, a breadcrumb
        if word_count(line) <= 3 and not _headline_like(line):
            short += 1
            if short > MAX_SHORT_UNDER_HEADLINE:
                break
            continue
        if standfirst or not (word_count(line) >= 12 or (is_sentence(line) and word_count(line) >= 6)
                              or _standfirst_of(doc.original[index] or "", line)):
            break  # another headline (this one was a kicker), a menu, or more text before any byline
        standfirst, evidence = True, 0  # the text, or a standfirst above the byline
    return max(evidence, 1) if _stated_twice(doc, index, top) else evidence


def _stated_twice(doc: _Lines, index: int, top: int) -> bool:
    """Whether the page states a line twice near its headline (as a line, or as a breadcrumb's last item)."""
    key = _title_key(doc.original[index] or "")
    for i in range(top, min(index + 1 + BYLINE_SCAN, len(doc.original))):
        other = doc.original[i] if i != index else None
        if other and (_title_key(other) == key or _title_key(_CRUMB.split(other)[-1]) == key):
            return True
    return False


def _listed(at: int, order: list[int], shaped: list[bool], lines: list[str | None]) -> bool:
    """Whether the headline-shaped line at position `at` (with the ones right above it) stands under the label of
    a video, a gallery or a list of other articles ("Video", "Trending", "Related")."""
    while at and shaped[at - 1]:
        at -= 1
    label = lines[order[at - 1]] or "" if at else ""
    return bool(HEADED_LIST.match(label) or TEASER_LINE.match(label))


def _furniture(line: str) -> bool:
    """A short line kept above an article's text that is not its text: a caption or credit, a gallery counter,
    a share prompt."""
    return bool(CAPTION.search(line) or PHOTO_CREDIT.match(line) or PROMPT_LINE.match(line)) or (
        word_count(line) <= 3 and not _headline_like(line))


MAX_FURNITURE = 3
LEAD_CHARS = 1500
"""How much of the text a headline candidate is compared with."""


def _lead(doc: _Lines, indices: list[int]) -> str:
    """The first `LEAD_CHARS` of the kept lines at `indices`."""
    parts: list[str] = []
    size = 0
    for i in indices:
        if size >= LEAD_CHARS:
            break
        parts.append(doc.lines[i] or "")
        size += len(parts[-1]) + 1
    return " ".join(parts)[:LEAD_CHARS]


def _headline_line(doc: _Lines) -> None:
    """A dump's headline: among the headline-shaped lines just above the article text (and its first line, when
    prose follows it), the one its byline follows or the page states twice, then the one the lead is most
    about; a line the text merely follows only when it is the dump's first line (a plain-text article); never a
    line kept in the body below the text's first line. A dump with no such line stays untitled (listed under its
    lead sentence)."""
    present = doc.indices()
    start = 0
    while start < min(MAX_FURNITURE, len(present) - 2) and _furniture(doc.lines[present[start]] or ""):
        start += 1
    if len(present) - start < 2 or doc.result.title:
        return
    first, second = present[start], present[start + 1]
    following = doc.lines[second] or ""
    prose = word_count(following) >= 12 and (is_sentence(following) or re.search(r"[,;]$", following)
                                              or word_count(following) > HEADLINE_WORDS[1])
    top = max(0, first - HEADLINE_LOOKBACK)
    order = [i for i, line in enumerate(doc.original[:first + 4]) if line]  # the page's non-blank lines
    shaped = [_headline_like(doc.original[i] or "") for i in order]
    under_first, from_first = _lead(doc, present[start + 1:]), _lead(doc, present[start:])
    best: tuple[int, int, int] | None = None
    for at in range(order.index(first), -1, -1):
        i = order[at]
        if i < top:
            break
        line = doc.original[i] or ""
        above = doc.original[order[at - 1]] or "" if at else ""
        if not shaped[at] or (at and shaped[at - 1] and _standfirst_of(above, line)) or (
                _listed(at, order, shaped, doc.original) and not _stated_twice(doc, i, top)):
            continue
        evidence = _evidence(doc, i, top)
        if evidence < 0 or (i == first and not prose and evidence < 1) or (evidence == 0 and at > 0):
            continue  # mid-page, a line the text follows may be a caption, a video's title, another article's
        shared = _shared_words(line, under_first if i == first else from_first)
        if shared and (best is None or (evidence, shared) > best[:2]):
            best = (evidence, shared, i)
    if best is None:
        return
    index = best[2]
    doc.result.title = doc.original[index]
    if doc.lines[index] is not None:
        doc.remove(index, "title")
    _byline_date(doc, index, next(j for j in present if j > index))


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
    _cut_name_cards(doc)
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
