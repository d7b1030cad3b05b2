"""Attribution: direct quotations and indirect claims with their speakers, and the sources credited.

How news attributes a quotation, in the order tried:
1. a tag right after it: `"…," he said`, `"…," said Smith`, `"…," Smith, a lawyer, told reporters` (not after a
   full stop inside the marks, which ends the sentence), also with its verb left out (`"…," Smith, a lawyer.`);
2. a speech verb before it in its sentence: `Smith said: "…"`, `She added, "…"`, `X said that … "partial"`,
   `according to X, "…"`, `directives from X to "…"` (the outermost verb of the main clause first: `Pompeo
   said that Washington had concluded "…"`, unless an inner verb introduces the quotation with a comma or colon:
   `Boyd said his doctor told him, "…"`);
3. a speech verb later in its sentence; a byline (`"…" — Neil Gaiman`);
4. what surrounds it: a quotation continued in the same paragraph (with nobody else named since) or the next
   one, a paragraph that follows one whose main clause introduces a speaker (`Erekat said … \\n\\n "…"`), a pull
   quote repeating words credited elsewhere in the text, words in the first person quoted inside a sentence about
   one person (`allowed Gosling to "do the dances I wish I had …"`).
A paragraph whose first mark closes a quotation before a speech tag has lost its opening mark: the quotation runs
from the paragraph's start.
Speakers are resolved by `referents.Referents` from tokens, entities and positions. Only a verb whose subject
cannot be read that way sends its sentence to the dependency parser (`nlp.parse_sentences`), as do reported
claims whose shape is not `X said (that) …`. Where the rules are unsure, `speaker_ranker` decides a direct
quotation's speaker from the names around it. A speaker is named only at confidence >= `ATTRIBUTE`; below it the
quote keeps `speaker=None` and the candidate as `speaker_hint`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.tokens import Doc, Token

from newsdesk.enrich import speaker_ranker
from newsdesk.enrich.entities import PERSON_LED, DocumentEntities, is_honorific
from newsdesk.enrich.nlp import parse_sentences
from newsdesk.enrich.referents import (
    ADVERBS,
    POSSESSIVES,
    ANONYMOUS_NOUNS,
    GROUP_ROLE_NOUNS,
    NAME_DASHES,
    NOBODY,
    PERSON_ROLE_NOUNS,
    PUBLISHING_VERBS,
    RECENT,
    ROLE_HEADS,
    TITLED,
    WEAK,
    SPEAKER_TYPES,
    SPEECH_VERBS,
    TAG_VERBS,
    Phrase,
    Referent,
    Referents,
)
from newsdesk.model import EntityType, Quote

__all__ = ["ROLE_NOUNS", "SPEECH_VERBS", "attribute", "find_quote_spans"]

ROLE_NOUNS = PERSON_ROLE_NOUNS | ANONYMOUS_NOUNS | GROUP_ROLE_NOUNS
"""Nouns naming a speaker by role ("a Taliban spokesman", "the official", "a source")."""

OBJECT_CLAIM_VERBS = frozenset("""
claims claimed denies denied dismisses dismissed rejects rejected confirms confirmed
""".split())
"""Verbs whose direct object is the claim ("denied the allegations", "claimed victory"); no base forms,
which follow "to" or a modal ("expected to announce a government") and state no claim."""

CLAIM_FORMS = frozenset(w for w in SPEECH_VERBS if w.endswith(("s", "ed")) and not w.endswith("ss")) \
    | {"said", "told", "wrote", "tweeted", "posted"} | OBJECT_CLAIM_VERBS
"""Finite forms that report a claim ("said", "denies"), not "saying" or "to say"."""
TELL_VERBS = frozenset({"told", "tells", "tell", "telling", "assured", "assures", "urged", "urges"})
CREDIT_WORDS = SPEECH_VERBS | OBJECT_CLAIM_VERBS | {"sent", "quoted", "cited", "citing", "interview", "via"}
SUBJECTS = ("nsubj", "nsubjpass")

MAX_CARD_PARAGRAPHS = 8
"""Most quotation paragraphs a round-up's heading credits."""
MAX_CARD_WORDS = 20
"""Most words of a line naming the speaker of the quotation paragraphs under it (a round-up's heading)."""
FINITE_VERBS = frozenset("is are was were has have had will would can could did does do be been".split())
"""Verbs that make a line a sentence rather than a name with its description."""
ATTRIBUTE = 0.7
"""Least confidence at which a speaker is named; below it the quote keeps the candidate as a hint."""
FIRST_PERSON = frozenset("i i'm i’m me my mine myself we we're we’re us our ours ourselves".split())
"""Words of someone speaking of themselves."""
MIN_CLAIM_TOKENS = 3
MAX_TAG_TOKENS = 16
"""Most tokens from a closing quote mark to the speech verb of its tag ('”, Morrison, Vindman's superior, said')."""
SHORT_QUOTE_WORDS = 3
"""Quoted passages this short are quotations only in a sentence that reports speech ("said he was “very
moved”"), not terms ("imports of “intermediate goods”", "Andrew’s “lack of remorse”")."""
MAX_ATTRIBUTION_WORDS = 15
"""Most words between two quotations of one speaker ('"...," Heyward said, via a reporter. "..."')."""
MAX_COLON_CLAUSE = 8
"""Most tokens from a subject to the colon that introduces its quotation ('Tomlin was blunt: “')."""

_OPENING, _CLOSING = "“«", "”»"
_MARK = re.compile("[“”«»\"’‘'`]")
_SINGLE = re.compile(r"(?<!\w)‘((?:[^‘’\n]|’(?=\w))+)’(?!\w)")
"""Curly single quotes (an apostrophe inside a word does not close them: ‘it’s ours’)."""
SMALL_WORDS = frozenset("a an the and or but nor of to in on at by for from with as is it its vs via".split())
_NAMING = re.compile(r"\b(?:dubbed|nicknamed|nickname(?:\s+of)?|known\s+as|titled|entitled|so-called|called|slogan|"
                     r"tagline|motto|hashtag|term|phrase|headline|named)\s*(?:the|a|an)?\s*[,:]?\s*$", re.I)
"""Words before a quoted name, title or term ("dubbed “feather duvet lung”", "the slogan “Meth, we’re on it.”")."""
_DETERMINER_BEFORE = re.compile(r"\b(?:the|a|an|this|its|their|his|her|our)\s*$", re.I)
_WORD_AFTER = re.compile(r"\s*([a-z][a-z-]*)")
CHARACTERISING = frozenset({"called", "calls", "branded", "labelled", "labeled", "termed"})
"""Verbs crediting a characterisation to their subject ("The Arab League called it an “extremely adverse
development”")."""
CHARACTERISED_GAP = 8
"""How many words a characterising verb may stand before its quotation (the characterised thing between them)."""
FRAME_VERBS = (SPEECH_VERBS | CHARACTERISING | {"read", "reads"}) - {"according"}
"""Verbs that attribute the quotation next to them ('”, read a statement from X')."""
PASSIVE_AUXILIARIES = frozenset({"was", "were", "been", "being", "is", "are", "be"})
"""Words before a past participle that make a speech verb passive."""
COMPLEMENT_WORDS = frozenset({"as", "a", "an", "the"})
"""Words right before a quotation that is what a passive verb calls its subject ('was praised Monday as a “…”')."""
SPEAKER_PASSIVES = frozenset({"quoted", "heard", "overheard", "recorded", "filmed"})
"""Passive speech verbs whose subject is the speaker ('he was quoted as saying “…”')."""
TELLING_VERBS = frozenset({"said", "says", "told", "tells", "tweeted", "added", "stated", "declared", "insisted"})
"""Verbs that frame a quotation inside what another speaker said ('Trump noted that Michelle Obama told Oprah
Winfrey that “…”': hers)."""
REPORTING_VERBS = frozenset({"report", "reports", "reported", "reporting", "writes", "wrote"})
"""A medium that passes on what others said: a speaker inside its report goes first."""
SUBORDINATORS = frozenset({"that", "which", "who", "because", "if", "when", "whether", "while", "although",
                           "the more", "more"})
OBJECTS = frozenset({"him", "her", "them", "us", "me", "you", "reporters", "journalists", "later", "then", "again",
                     "also", "once", "twice"})
"""Words between a speech verb and the comma or colon that introduces its quotation ('told him, “')."""
DESCRIBED_BY = frozenset({"to", "for", "of"})
"""Words that make the person after them part of someone else's description ("an adviser to Trump")."""
PERSON_MODIFIED = PERSON_LED | frozenset("foundation ally allies aide aides supporter supporters loyalist "
                                         "loyalists".split()) | PERSON_ROLE_NOUNS
"""Nouns after a person's name that make it a modifier, not a mention of someone ("an Obama administration
adviser", "a top Clinton adviser")."""
SPEECH_NOUNS = frozenset("""
claim claims statement statements words remarks comments assertion insistence denial argument promise warning opinion
tweet tweets post posts letter message testimony view views description directive directives instruction
instructions order orders call calls demand demands pledge vow appeal plea warnings promises
""".split())
"""Nouns whose possessor, or whoever they come from, said what follows ("his claim that the pair were “not
close”", "directives from Xi to “show no mercy”")."""


@dataclass(frozen=True)
class QuoteSpan:
    """A quotation's character span (marks included), its text, and whether it runs on into the next paragraph."""

    start: int
    end: int
    text: str
    open_end: bool = False


def _words(text: str) -> list[str]:
    return re.findall(r"\w[\w’'-]*", text)


def _is_title(words: list[str]) -> bool:
    """Title case ("Takin’ It to the Streets", "Dancing with the Stars"): a work or a name, not a quotation (nor
    capitals throughout: "WE ARE NOT GOING ANYWHERE" is shouted)."""
    content = [w for w in words if w.lower() not in SMALL_WORDS]
    shouted = len(words) >= 3 and all(w.isupper() for w in words)
    return len(content) >= 2 and all(w[:1].isupper() or w[:1].isdigit() for w in content) and len(words) <= 16 \
        and not shouted


def _marks(paragraph: str) -> list[tuple[int, str]]:
    """Double quote marks of a paragraph as (offset, "open" | "close" | "either"); straight marks by their
    neighbours ("either" between two spaces: '… she wrote. " The course …'), inch marks (`34"`) left out."""
    marks = []
    for match in _MARK.finditer(paragraph):
        i, c = match.start(), match.group()
        pair = paragraph[i:i + 2]
        if pair in ("’’", "''") and (i + 2 >= len(paragraph) or not paragraph[i + 2].isalnum()) and i \
                and not paragraph[i - 1].isspace():
            marks.append((i + 1, "close"))  # a closing double mark typed as two single ones
        elif (pair in ("‘‘", "``") or pair == "''" and (not i or not paragraph[i - 1].isalnum())) \
                and i + 2 < len(paragraph) and not paragraph[i + 2].isspace():
            marks.append((i + 1, "open"))  # an opening double mark typed as two single ones (''I think,'' he said)
        elif c in ("’", "‘", "'", "`") and (paragraph[i - 1:i + 1] in ("’’", "''", "‘‘", "``")):
            continue
        elif c in _OPENING:
            marks.append((i, "open"))
        elif c in _CLOSING:
            marks.append((i, "close"))
        elif c == '"':
            before = paragraph[i - 1] if i else " "
            after = paragraph[i + 1] if i + 1 < len(paragraph) else " "
            if before.isdigit() and not after.isalnum():
                continue
            opens = before.isspace() or before in "([{—–-/" or (not after.isspace() and not before.isalnum()
                                                                  and before not in ".,;:!?’'")
            if before.isspace() and after.isspace():
                marks.append((i, "either"))
            else:
                marks.append((i, "open" if opens and not after.isspace() else "close"))
    return marks


def _lost_opening(paragraph: str, i: int) -> bool:
    """Whether the closing mark at i, the paragraph's first, ends a quotation whose opening mark was lost: a
    double mark after a comma, a speech verb in the tag after it ('It's a different brand," says Groene.')."""
    return paragraph[i] in '"”' and paragraph[:i].rstrip().endswith(",") and any(
        word.lower().strip(".,") in SPEECH_VERBS for word in paragraph[i + 1:].split()[:4])


def quoted_passages(text: str) -> list[QuoteSpan]:
    """Every passage between double quote marks (curly, straight, angle, mixed); a passage whose paragraph ends
    unclosed runs to the paragraph's end when the next paragraph opens a quote (the convention for a quotation
    over several paragraphs), one whose paragraph begins with its closing mark from the paragraph's start (its
    opening mark lost). Curly single quotes count outside double ones, from three words."""
    spans: list[QuoteSpan] = []
    paragraphs = [(m.start(), m.group()) for m in re.finditer(r"[^\n]+", text)]
    for n, (offset, paragraph) in enumerate(paragraphs):
        opened: int | None = None
        for n_mark, (i, kind) in enumerate(_marks(paragraph)):
            if kind == "either":
                kind = "open" if opened is None else "close"
            if kind == "close" and n_mark == 0 and _lost_opening(paragraph, i):
                lost = len(paragraph) - len(paragraph.lstrip())
                spans.append(QuoteSpan(offset + lost, offset + i + 1,
                                       " ".join(paragraph[lost:i].split()).rstrip(",")))
                continue
            if kind == "open" and opened is None:
                opened = i
            elif kind == "open":
                opened = i  # the earlier mark was never closed
            elif opened is not None:
                spans.append(_span(text, offset + opened, offset + i + 1))
                opened = None
        following = paragraphs[n + 1][1].lstrip() if n + 1 < len(paragraphs) else ""
        if opened is not None and following[:1] in ('"', *_OPENING):
            spans.append(_span(text, offset + opened, offset + len(paragraph), open_end=True))
    doubles = [(s.start, s.end) for s in spans]
    for match in _SINGLE.finditer(text):
        if not any(s <= match.start() < e for s, e in doubles) and len(_words(match.group(1))) >= 3:
            spans.append(_span(text, match.start(), match.end()))
    return sorted(spans, key=lambda s: s.start)


def find_quote_spans(text: str) -> list[QuoteSpan]:
    """Quoted passages that may be quotations: at least two words, not a title."""
    return [s for s in quoted_passages(text) if len(_words(s.text)) >= 2 and not _is_title(_words(s.text))]


def _span(text: str, start: int, end: int, *, open_end: bool = False) -> QuoteSpan:
    inner = text[start + 1:end if open_end else end - 1]
    if not open_end and text[end - 2:end] in ("''", "’’"):
        inner = inner[:-1]  # a closing double mark typed as two single ones
    return QuoteSpan(start, end, " ".join(inner.split()).rstrip(","), open_end)


@dataclass
class _Attribution:
    """One quotation being attributed: its span, tokens, sentence, and the referent found so far."""

    span: QuoteSpan
    first: int
    last: int
    sentence: int
    paragraph: int
    referent: Referent | None = None
    verb: int | None = None
    """A speech verb whose subject only the parser can find."""


class Attributor:
    """Finds and attributes the quotations and claims of one document."""

    def __init__(self, doc: Doc, entities: DocumentEntities) -> None:
        self.doc = doc
        self.text = doc.text
        self.entities = entities
        passages = quoted_passages(self.text)
        candidates = [s for s in passages if len(_words(s.text)) >= 2 and not _is_title(_words(s.text))]
        self.refs = Referents(doc, entities, [(q.start, q.end) for q in passages])
        self.sentence_spans = self.refs.spans
        self.quotes: list[_Attribution] = []
        for span in candidates:
            first = doc.char_span(span.start, span.start + 1, alignment_mode="expand")
            last = doc.char_span(span.end - 1, span.end, alignment_mode="expand")
            if first is None or last is None:
                continue
            attribution = _Attribution(span, first.start, last.end - 1, self.refs.sentence_of[first.start],
                                       self.text.count("\n", 0, span.start))
            if self._is_quotation(attribution):
                self.quotes.append(attribution)
        self.parsed: set[int] = set()

    # --- which quoted passages are quotations ---

    def _is_quotation(self, q: _Attribution) -> bool:
        """Not a quoted name or term; a two-word passage only where its sentence reports speech."""
        before = self.text[max(0, q.span.start - 30):q.span.start]
        if _NAMING.search(before) and not re.search(r"\b(?:called|named)\s+\w+\s+\w*\s*$", before):
            return False
        after = _WORD_AFTER.match(self.text, q.span.end)
        if _DETERMINER_BEFORE.search(before) and after and after.group(1) not in SPEECH_VERBS \
                and after.group(1) not in ("that", "and", "or", "but", "as", "for", "to", "in", "on", "of", "at",
                                           "from", "with", "by", "because", "since", "when", "if", "while"):
            return False  # "the “one country, two systems” formula"
        if len(_words(q.span.text)) > SHORT_QUOTE_WORDS:
            return True
        if self.quotes and self.quotes[-1].paragraph == q.paragraph and len(
                self.text[self.quotes[-1].span.end:q.span.start].split()) <= MAX_ATTRIBUTION_WORDS:
            return True  # '“It’s not about money,” she told the Guardian. “It’s about respect.”': it goes on
        refs, sentence = self.refs, self.refs.sentences[q.sentence]
        tag = range(q.last + 1, min(len(refs.words), q.last + 6))  # '“Will you rebuild?” Gomez asked.'
        return any(not refs.quoted[t] and (refs.words[t] in SPEECH_VERBS or refs.words[t] in CHARACTERISING)
                   for t in range(sentence.start, sentence.end)) \
            or any(not refs.quoted[t] and (refs.words[t] in SPEECH_VERBS or refs.words[t] in CHARACTERISING
                                           or refs.words[t] in TAG_VERBS) for t in tag)  # '“…,” Trump encouraged.'

    # --- frames ---

    def _paragraph_end(self, i: int) -> int:
        """First token after token i that starts another paragraph (or the end of the document)."""
        n = len(self.refs.words)
        while i < n and "\n" not in self.refs.texts[i] and "\n" not in self.text[self.refs.starts[i - 1]:
                                                                                  self.refs.starts[i]]:
            i += 1
        return i

    def _tag_after(self, q: _Attribution, hi: int) -> Referent | None:
        """A tag right after the closing mark: '”, he said', '”, said Smith', '” Smith, a lawyer, told reporters',
        '” — Neil Gaiman'."""
        refs = self.refs
        i = q.last + 1
        while i < hi and refs.texts[i] in (",", "”", '"', "’"):
            i += 1
        if i >= hi or refs.texts[i] in (".", "!", "?", ";"):
            return None
        if q.span.text.endswith(".") and refs.texts[i] not in NAME_DASHES:
            return self._bare_tag(q, i, hi)  # '“… cell.” Israel has said …': a full stop inside the marks ends the
            # sentence, unless the next one is only a tag ('“… culture.” Kmart Chairman Edward Lampert said Thursday.')
        if refs.texts[i] in NAME_DASHES:  # a byline
            phrase = refs.phrase_starting(i + 1, hi)
            return refs.resolve(phrase, q.sentence) if phrase is not None and phrase.end >= hi - 1 else None
        if refs.words[i] == "as":  # '”, as it was described by Brazilian President Lula', '”, as put by X'
            by = next((t for t in range(i + 1, min(hi, i + 5)) if refs.words[t] == "by"), None)
            between = range(i + 1, by) if by is not None else range(0)
            framing = {t for t in between if refs.words[t] in FRAME_VERBS or refs.words[t] == "put"}
            if framing and all(t in framing or refs.words[t] in PASSIVE_AUXILIARIES or refs.is_pronoun(t)
                               for t in between):
                phrase = refs.phrase_starting(by + 1, hi)
                return refs.resolve(phrase, q.sentence, self._recent(q)) if phrase is not None else None
        if refs.words[i] == "according" and i + 2 < hi and refs.words[i + 1] == "to":  # '”, according to X'
            phrase = refs.phrase_starting(i + 2, hi)
            return refs.resolve(phrase, refs.sentence_of[i], self._recent(q)) if phrase is not None else None
        if refs.words[i] in FRAME_VERBS and not refs.words[i].endswith("ing"):  # '”, said Smith'
            phrase = refs.phrase_starting(i + 1, hi)
            described = phrase is not None and (phrase.kind in ("name", "role") or phrase.kind == "mention"
                                                and phrase.mention.canonical_type is not EntityType.PERSON)
            if described and phrase.end < hi and refs.texts[phrase.end] == ",":
                phrase = refs.named_after(phrase.end, hi) or phrase  # '”, said the top Democrat, Rep. Tom Lantos'
            if phrase is not None and phrase.kind != "pronoun":
                phrase = self._quoted_source(phrase, hi) or phrase
                return refs.resolve(phrase, refs.sentence_of[i], self._recent(q), tag=True)
            if phrase is None:
                q.verb = i
            return None
        phrase = refs.phrase_starting(i, hi)
        if phrase is not None:
            verb = refs.verb_after(phrase.end, hi, tag=True)
            if verb is not None and verb + 1 < len(refs.texts) and refs.texts[verb + 1] == ":" \
                    and self._tag_before(q) is not None:
                return None  # '“Did you lie?” Bankman-Fried replied: “No.”': the colon introduces the next one
            if verb is not None:
                phrase = self._quoted_source(phrase, hi, verb + 1) or phrase
                return refs.resolve(phrase, refs.sentence_of[verb], self._recent(q), tag=True)
            if phrase.kind == "mention" and self._verbless_tag(phrase.end, hi):
                return refs.resolve(phrase, q.sentence, self._recent(q), tag=True)
        for v in range(i, min(hi, i + 5)):
            if refs.words[v] in FRAME_VERBS and not refs.words[v].endswith("ing"):
                q.verb = v  # '”, Jones of the bank said': a subject the parser reads
                break
            if refs.texts[v] in (".", ";", "!", "?") or refs.quoted[v]:
                break
        return None

    def _quoted_source(self, reporter: Phrase, hi: int, t: int | None = None) -> Phrase | None:
        """Whom a medium or organisation in a tag quotes, after token t (default: the reporter's end): '”, the Post
        reported, quoting an anonymous official' (but '”, Clinton tweeted, quoting a reporter's tweet' is hers)."""
        refs = self.refs
        if reporter.kind != "mention" or reporter.mention.canonical_type is not EntityType.ORGANIZATION:
            return None
        t = reporter.end if t is None else t
        while t < hi and refs.texts[t] == ",":
            t += 1
        return refs.phrase_starting(t + 1, hi) if t + 1 < hi and refs.words[t] == "quoting" else None

    def _reported(self, q: _Attribution, hi: int) -> bool:
        """Whether the tag after quotation `q` (before token hi) reports it ('”, the Times reported')."""
        refs = self.refs
        return any(refs.words[t] in REPORTING_VERBS and not refs.quoted[t]
                   for t in range(q.last + 1, min(hi, q.last + 8)))

    def _bare_tag(self, q: _Attribution, i: int, hi: int) -> Referent | None:
        """The speaker of a sentence at token i that is only a tag: a name, its speech verb and at most a time
        ('Kmart Chairman Edward Lampert said Thursday.'), written after a quotation closed with a full stop."""
        refs = self.refs
        phrase = refs.phrase_starting(i, hi)
        if phrase is None or phrase.kind not in ("mention", "name"):
            return None
        verb = refs.verb_after(phrase.end, hi)
        if verb is None:
            return None
        end = next((t for t in range(verb + 1, min(hi, verb + 5)) if refs.texts[t] in (".", "!")), None)
        if end is None or not all(refs.not_name[t] or refs.words[t] in ADVERBS or refs.words[t] == "on"
                                  for t in range(verb + 1, end)):
            return None
        return refs.resolve(phrase, refs.sentence_of[verb], self._recent(q), tag=True)

    def _verbless_tag(self, j: int, hi: int) -> bool:
        """Whether a name before token j is a whole tag, its speech verb left out: the sentence ends at j or after
        a short apposition with no speech verb ('“…,” Augusto Reyes, Director of the Air and Marine Branch.')."""
        refs = self.refs
        if j >= hi or refs.texts[j] not in (".", ","):
            return False
        end = next((t for t in range(j, min(hi, j + MAX_ATTRIBUTION_WORDS)) if refs.texts[t] in (".", "!", "?", ";")
                    or refs.quoted[t]), None)
        return end is not None and refs.texts[end] == "." and not any(
            refs.words[t] in FRAME_VERBS or refs.words[t] in ("who", "which", "that") for t in range(j, end))

    def _tag_before(self, q: _Attribution) -> Referent | None:
        """A speech verb before the quotation in its sentence, outermost first: 'Smith said: “', 'She added, “',
        'X said that … “partial”', 'According to X, “', 'his claim that “'."""
        refs = self.refs
        sentence = refs.sentences[q.sentence]
        lo = sentence.start
        earlier = [p for p in self.quotes if p.sentence == q.sentence and p.last < q.first]
        if earlier:
            lo = max(lo, earlier[-1].last + 1)
        colon = self._colon_subject(q)
        if colon is not None:
            return colon
        put = next((v for v in range(lo + 2, q.first - 1) if refs.words[v] in ("put", "puts")
                    and refs.words[v + 1] == "it" and refs.words[lo:v].count("as") and not refs.quoted[v]), None)
        if put is not None:  # "As Gaiman put it, “…”", "as Enslin puts it — “…”"
            phrase = refs.subject_left(put, lo)
            if phrase is not None:
                return refs.resolve(phrase, q.sentence, self._recent(q))
        main = refs.main_clause_start(q.sentence)
        if lo < main < q.first:  # 'If Trump actually read it, Schwartz would have been surprised, telling Mayer, “'
            found = self._frame_before(q, main)  # the fronted clause's only where the main one has none ('As
            return found if found is not None else self._frame_before(q, lo)  # Smith wrote on his blog, “')
        return self._frame_before(q, lo)

    def _frame_before(self, q: _Attribution, lo: int) -> Referent | None:
        """The speaker of the speech verb (or 'according to', or a speech noun) between token `lo` and `q`."""
        refs = self.refs
        sentence = refs.sentences[q.sentence]
        inner = self._introducing_verb(q, lo)
        if inner is not None:
            return inner
        passive = next((v for v in range(lo, q.first) if self._passive(v, q)), None)
        if passive is not None:  # its agent speaks ('described by aides as “'), else nobody the text names
            by = next((t for t in range(passive + 1, q.first) if refs.words[t] == "by" and not refs.quoted[t]), None)
            phrase = refs.phrase_starting(by + 1, q.first) if by is not None else None
            return refs.resolve(phrase, q.sentence, self._recent(q)) if phrase is not None else NOBODY
        for v in range(lo, q.first):
            word = refs.words[v]
            if refs.quoted[v] or (word in ("read", "reads") and refs.texts[v + 1] not in (":", ",")):
                continue  # 'read' frames only what follows it ('The sign read: “')
            if word == "according":
                if v + 1 < q.first and refs.words[v + 1] == "to":
                    phrase = refs.phrase_starting(v + 2, q.first)
                    if phrase is not None and not self._speaker_between(phrase.end, q.first):
                        return refs.resolve(phrase, q.sentence, self._recent(q))
                    if phrase is not None:  # 'According to X, Y once cautioned: “': Y's words
                        lo = phrase.end
                continue
            if word in SPEECH_NOUNS and v > lo and (refs.words[v - 1] in POSSESSIVES or refs.words[v - 1] in ("’s",
                                                                                                          "'s")):
                owner = v - 1 if refs.words[v - 1] in POSSESSIVES else v - 2
                if refs.words[owner] in POSSESSIVES:
                    phrase = Phrase("pronoun", owner, owner + 1, head=POSSESSIVES[refs.words[owner]])
                else:
                    phrase = refs.phrase_ending(owner, lo)
                if phrase is not None:
                    return refs.resolve(phrase, q.sentence, self._recent(q))
                continue
            if word in SPEECH_NOUNS and v + 2 < q.first and refs.words[v + 1] in ("from", "by"):
                phrase = refs.phrase_starting(v + 2, q.first)  # 'directives from Xi to “', 'a warning by X that “'
                if phrase is not None and phrase.kind == "mention" and phrase.mention.canonical_type in (
                        EntityType.PERSON, EntityType.ORGANIZATION) \
                        and not self._speech_verb_between(phrase.end, q.first):
                    referent = refs.resolve(phrase, q.sentence)
                    return Referent(referent.speaker, TITLED, type=referent.type)
                continue
            if word not in FRAME_VERBS:
                continue
            phrase = refs.subject_left(v, lo)
            if phrase is None and word.endswith("ing"):  # "but team CEO Donnie Walsh issued a statement saying, “"
                made = next((u for u in range(v - 1, max(lo, v - 6) - 1, -1) if refs.words[u] in PUBLISHING_VERBS),
                            None)
                phrase = refs.subject_left(made, lo) if made is not None else None
            if phrase is None and (word.endswith("ing") or (v > lo and refs.words[v - 1] in ("and", "but", "then"))):
                subject = sentence.subject  # "…, warning: “", "and added, “"
                if subject is not None and subject.end <= v and (word.endswith("ing") or not any(
                        refs.words[t] in SUBORDINATORS for t in range(subject.end, v))):
                    phrase = subject
            if phrase is not None:
                inner = self._inner_frame(q, v + 1, None if word in REPORTING_VERBS else TELLING_VERBS)
                if inner is not None and (word in REPORTING_VERBS or inner.speaker):
                    return inner  # "Wee reports that censors instructed them to “block and control”", "Trump noted
                    # that Michelle Obama told Oprah Winfrey that “…”": the speaker whose verb frames the quotation
                return refs.resolve(phrase, q.sentence, self._recent(q))
            if q.verb is None:
                q.verb = v
        return None

    def _passive(self, v: int, q: _Attribution) -> bool:
        """Whether token v is a passive verb whose complement is quotation `q`, its subject what was said or whom it
        was said of ('Powell was praised Monday as a “great statesman”', 'the plan was described by aides as “…”'),
        not a speaker ('he was quoted as saying “…”')."""
        refs, j = self.refs, v - 1
        while j > 0 and refs.words[j] in ADVERBS and refs.words[j] not in PASSIVE_AUXILIARIES:
            j -= 1
        word = refs.words[v]
        if refs.quoted[v] or refs.words[j] not in PASSIVE_AUXILIARIES or word in SPEAKER_PASSIVES or not (
                word.endswith("ed") or word in CHARACTERISING or word == "told"):
            return False
        gap = range(v + 1, q.first)  # short, with no speech verb or clause of its own, and ending in "as" or an
        # article ('praised Monday as a “', 'labelled a “'), or nothing but for a characterising verb ('called “')
        return len(gap) <= 6 and self._no_clause(v + 1, q.first) and (
            refs.words[q.first - 1] in COMPLEMENT_WORDS if gap else word in CHARACTERISING)

    def _no_clause(self, lo: int, hi: int) -> bool:
        """Whether tokens `lo` to `hi` hold no clause of their own: no comma, semicolon or colon, subordinator or
        speech verb (what a verb says of or calls something, between it and its quotation)."""
        refs = self.refs
        return not self._speech_verb_between(lo, hi) and not any(
            refs.texts[t] in (",", ";", ":") or refs.words[t] in SUBORDINATORS for t in range(lo, hi))

    def _speech_verb_between(self, lo: int, hi: int) -> bool:
        """Whether a speech verb lies between tokens `lo` and `hi`, outside quotation marks."""
        return any(self.refs.words[t] in FRAME_VERBS and not self.refs.quoted[t] for t in range(lo, hi))

    def _speaker_between(self, lo: int, hi: int) -> bool:
        """Whether a speech verb between tokens `lo` and `hi` has a subject of its own there."""
        refs = self.refs
        return any(refs.words[v] in FRAME_VERBS and not refs.quoted[v] and not refs.words[v].endswith("ing")
                   and refs.subject_left(v, lo) is not None for v in range(lo, hi))

    def _introducing_verb(self, q: _Attribution, lo: int) -> Referent | None:
        """The speaker of a quotation introduced by a reported speaker ('Boyd said his doctor told him, “', 'to
        deliver what UiPath CEO Bob Enslin calls “'): the subject of the speech verb that ends right before the
        quotation with a comma or colon, or of a verb that characterises it right before it, when an earlier verb
        frames the sentence."""
        refs = self.refs
        c = q.first - 1
        v = next((t for t in range(c, max(lo, q.first - CHARACTERISED_GAP) - 1, -1)
                  if refs.words[t] in CHARACTERISING and not refs.quoted[t]), None)
        if v is not None and v > lo and self._speech_verb_between(lo, v) and self._no_clause(v + 1, q.first):
            # "Trump said … because the British prime minister called him “"
            phrase = refs.subject_left(v, lo)
            return refs.resolve(phrase, q.sentence, self._recent(q)) if phrase is not None else None
        if c <= lo or refs.texts[c] not in (",", ":"):
            return None
        v = next((t for t in range(c - 1, max(lo, c - 4) - 1, -1) if refs.words[t] in FRAME_VERBS
                  and not refs.quoted[t]), None)
        if v is None or any(refs.mention[t] is None and not refs.is_pronoun(t) and refs.words[t] not in OBJECTS
                            for t in range(v + 1, c)):
            return None  # '… told him, “', '… told reporters: “'
        if not self._speech_verb_between(lo, v):
            return None  # the only verb: read as usual
        phrase = refs.subject_left(v, lo)
        return refs.resolve(phrase, q.sentence, self._recent(q)) if phrase is not None else None

    def _colon_subject(self, q: _Attribution) -> Referent | None:
        """The subject of a clause that ends in a colon right before the quotation ('Tomlin was blunt: “',
        'Boris Johnson: “'), when that clause has no speech verb of its own."""
        refs = self.refs
        c = q.first - 1
        while c >= 0 and refs.texts[c].isspace():
            c -= 1
        if c < 1 or refs.texts[c] != ":":
            return None
        k = refs.sentence_of[c]
        sentence = refs.sentences[k]
        if any(refs.words[t] in FRAME_VERBS or refs.words[t] == "according" for t in range(sentence.start, c)):
            return None  # 'Smith said: “' is read as a speech verb's subject
        phrase = refs.phrase_ending(c - 1, sentence.start)
        if phrase is not None and phrase.start == sentence.start:  # 'Boris Johnson: “'
            return refs.resolve(phrase, k, self._recent(q))
        byline = self._byline_before(c, sentence.start)
        if byline is not None:  # 'CORPORATE PROFITS — WSJ’s Theo Francis: “'
            return refs.resolve(byline, k, self._recent(q))
        subject = sentence.subject
        if subject is None:
            return None
        referent = refs.resolve(subject, k, self._recent(q))
        if c - subject.end > MAX_COLON_CLAUSE and "\n" not in self.text[refs.starts[c]:q.span.start]:
            # 'My Struggle became a bestseller, …, with the author’s visions: “' (but a paragraph ending in a colon
            # introduces the quotation that fills the next: 'He then listed the qualities a nominee needs:\n\n“…')
            return Referent(None, WEAK, hint=referent.candidate)
        return referent.at_most(RECENT)

    def _byline_before(self, c: int, lo: int) -> Phrase | None:
        """A name (after its outlet's, "WSJ’s Theo Francis") between a dash and the colon at token c: a
        newsletter's credit line."""
        refs = self.refs
        mention = refs.mention[c - 1]
        if mention is None or mention.canonical_type not in SPEAKER_TYPES:
            return None
        start = refs.mention_bounds(c - 1)[0]
        k = start - 1
        if k > lo and refs.words[k] in ("’s", "'s") and refs.mention[k - 1] is not None:
            k = refs.mention_bounds(k - 1)[0] - 1
        return Phrase("mention", start, c, mention=mention) if k >= lo and refs.texts[k] in NAME_DASHES else None

    def _inner_frame(self, q: _Attribution, lo: int, verbs: frozenset[str] | None = None) -> Referent | None:
        """A speech verb (of `verbs`, if given) with a subject of its own between `lo` and the quotation; nobody
        when the words before it are not a subject the rules read ('The Observer reported that a source close to
        Duncan said that he “did not leave Liberia sick”': the source's words, not the paper's)."""
        refs = self.refs
        for v in range(lo, q.first):
            if verbs is not None and refs.words[v] not in verbs:
                continue
            if refs.words[v] == "saying" and refs.words[v - 1] == "as" and v - 2 >= lo and not refs.quoted[v]:
                phrase = refs.phrase_ending(v - 2, lo)  # 'Wired News reported the board as saying'
                if phrase is not None:
                    return refs.resolve(phrase, q.sentence, self._recent(q))
            if not refs.quoted[v] and refs.words[v] in FRAME_VERBS and not refs.words[v].endswith("ing"):
                phrase = refs.subject_left(v, lo)
                if phrase is not None:
                    return refs.resolve(phrase, q.sentence, self._recent(q))
                if v > lo + 1 and not refs.is_pronoun(v - 1):  # but 'for what he said was': the writer
                    return NOBODY
        return None

    def _joined(self, q: _Attribution, after: _Attribution) -> bool:
        """Whether `after` is the next quotation of `q`'s sentence, joined to it by a conjunction alone, with a
        speaker of its own."""
        between = [w for w in self.refs.words[q.last + 1:after.first] if w not in (",", '"', "”", "“")]
        return (after.sentence == q.sentence and between in (["and"], ["but"], ["or"])
                and after.referent is not None and after.referent.speaker is not None)

    def _tag_later(self, q: _Attribution, hi: int) -> Referent | None:
        """A speech verb later in the sentence with a subject of its own ('“…” at the release, she added'), or
        closing it with its subject after it ('“…” in either sex, it should be modified, says Fontana.')."""
        refs = self.refs
        end = min(refs.sentences[q.sentence].end, hi)
        for v in range(q.last + 1, end):
            if refs.quoted[v]:
                return None
            if refs.words[v] in FRAME_VERBS and not refs.words[v].endswith("ing"):
                phrase = refs.subject_left(v, q.last + 1)
                if phrase is None and refs.texts[v - 1] == ",":
                    phrase = refs.phrase_starting(v + 1, end)
                    if phrase is None or phrase.kind == "pronoun" or not (
                            phrase.end >= end - 1 or refs.texts[phrase.end] == ","):
                        return None
                if phrase is not None:
                    return refs.resolve(phrase, q.sentence, self._recent(q), tag=True)
                # a verb of a clause inside the sentence, its subject not found ('“…” to rig an election in the way
                # Trump suggests, Professor Kerbel says'): the tag may come after it
        return None

    def _byline_below(self, q: _Attribution, hi: int) -> Referent | None:
        """A short line under a quotation paragraph naming its author ('– Man**')."""
        refs = self.refs
        n = len(refs.words)
        while hi < n and refs.texts[hi].isspace():
            hi += 1
        if hi >= n or refs.texts[hi] not in NAME_DASHES:
            return None
        end = self._paragraph_end(hi + 1)
        line = refs.doc[hi + 1:end].text.strip() if end > hi + 1 else ""
        if not line[:1].isupper() or len(line) > 40 or len(line.split()) > 5:
            return None
        phrase = refs.phrase_starting(hi + 1, end)
        referent = refs.resolve(phrase, refs.sentence_of[hi + 1]) if phrase is not None else None
        if referent is not None and referent.speaker and phrase.end >= end - 1:
            return referent
        return Referent(line, RECENT + 0.05)  # a name as written ("Ni** My**")

    def _recent(self, q: _Attribution) -> Referent | None:
        """The last speaker credited before `q`."""
        index = self.quotes.index(q)
        for p in reversed(self.quotes[:index]):
            if p.referent is not None and p.referent.speaker:
                return p.referent
        return None

    # --- context ---

    def _continued(self, q: _Attribution, index: int) -> Referent | None:
        """The speaker of the quotation `q` goes on from: earlier in its paragraph with only a short attribution
        between, or ending the paragraph before (or left open there)."""
        if index == 0:
            return None
        p = self.quotes[index - 1]
        if p.referent is None or p.referent.speaker is None:
            return None
        between = self.text[p.span.end:q.span.start]
        if p.paragraph == q.paragraph:
            if len(between.split()) <= MAX_ATTRIBUTION_WORDS or self._names_only(p.referent.speaker, p.last + 1,
                                                                                 q.first):
                return p.referent
            if not self._framed(self._lead(q)) and not self._other_person(p.referent.speaker, p.last + 1, q.first):
                # '“…,” he said. That could be part of it: there could be dangers “if you have too many …”'
                return p.referent.at_most(RECENT)
            return None
        next_paragraph = p.paragraph == q.paragraph - between.count("\n") and between.count("\n") <= 2
        if next_paragraph and (p.span.open_end or len(between.split()) <= MAX_ATTRIBUTION_WORDS):
            starts_paragraph = not self.text[self.text.rfind("\n", 0, q.span.start) + 1:q.span.start].strip()
            if starts_paragraph:
                return p.referent
        if next_paragraph and len(between.split()) <= 3 * MAX_ATTRIBUTION_WORDS \
                and not re.search(r"[.!?]\W*\S", between) and self._alone_in_paragraph(q) \
                and not self._other_person(p.referent.speaker, p.last + 1, q.first):
            # '“…,” Justice Clarence Thomas wrote in a dissent, three times as long as Roberts’.\n\n“…”'
            return p.referent.at_most(RECENT)
        middle = [line for line in between.split("\n")[1:-1] if line.strip()]
        if len(middle) == 1 and len(between.split()) <= 4 * MAX_ATTRIBUTION_WORDS and self._alone_in_paragraph(q) \
                and self._names_only(p.referent.speaker, p.last + 1, q.first, sentences=True):
            # '“…,” Mayor Lisa Grant said.\n\nThe plan has drawn criticism.\n\n“This is not over.”'
            return p.referent.at_most(RECENT)
        return None

    def _split(self, index: int) -> bool:
        """Whether quotation `index` goes on from the one before it across a single attribution, in one sentence
        ('“If I see a deck on sale,” Kaplan, a collector of games and books, says, “and it’s $100, …”')."""
        if index == 0:
            return False
        p, q = self.quotes[index - 1], self.quotes[index]
        between = self.text[p.span.end:q.span.start]
        return p.paragraph == q.paragraph and len(between.split()) <= MAX_ATTRIBUTION_WORDS \
            and not re.search(r"[.!?;:]", between) and not re.search(r"[.!?]\W*$", self.text[p.span.start:p.span.end])

    def _other_person(self, speaker: str | None, lo: int, hi: int) -> bool:
        """Whether tokens [lo, hi) name a person other than `speaker` outside quotation marks who may speak: the
        subject of a sentence, or next to a speech verb (not "a magical scene at Griffith Observatory", "an
        adviser to Trump")."""
        refs = self.refs
        for t in range(lo, hi):
            mention = refs.mention[t]
            if mention is None or refs.quoted[t] or mention.canonical == speaker \
                    or mention.canonical_type is not EntityType.PERSON or t > lo and refs.mention[t - 1] is mention:
                continue
            start, end = refs.mention_bounds(t)
            sentence = refs.sentences[refs.sentence_of[t]]
            subject = sentence.speaker or sentence.subject
            if subject is not None and subject.start <= start < subject.end or any(
                    refs.words[v] in SPEECH_VERBS and not refs.quoted[v]
                    for v in (*range(max(lo, start - 2), start), *range(end, min(hi, end + 4)))):
                return True
        return False

    def _lead(self, q: _Attribution) -> str:
        """The words before a quotation in its sentence (since the last full stop, which the model may not
        have taken as a sentence's end)."""
        start = self.refs.starts[self.refs.sentences[q.sentence].start]
        return re.split(r"[.!?][”\"’]?\s", self.text[start:q.span.start])[-1]

    @staticmethod
    def _framed(lead: str) -> bool:
        """Whether words before a quotation have a speech verb that introduces it."""
        return any(w.lower() in FRAME_VERBS for w in _words(lead))

    @classmethod
    def _introduces(cls, lead: str) -> bool:
        """Whether words before a quotation introduce it: a speech verb, or a clause ending in a colon."""
        return lead.rstrip().endswith(":") or cls._framed(lead)

    def _names_only(self, speaker: str | None, lo: int, hi: int, *, sentences: bool = False) -> bool:
        """Whether tokens [lo, hi) name nobody but `speaker`: one short tag about them, where the places and
        organisations of their affiliation, nor a person their description belongs to ('”, said Sean Spicer, an
        adviser to Trump. “'), count ('”, said Van Den Hoek, a satellite imagery expert at the University of
        Oregon. “'), or, with `sentences`, any text."""
        refs = self.refs
        if not sentences and (hi - lo > 3 * MAX_ATTRIBUTION_WORDS
                              or any(refs.texts[t] in (".", "!", "?", ";") for t in range(lo, hi - 2))):
            return False
        return all(refs.mention[t] is None or refs.mention[t].canonical == speaker
                   or (not sentences and (refs.mention[t].canonical_type is not EntityType.PERSON
                                          or refs.words[min(refs.mention_bounds(t)[1], hi)] in PERSON_MODIFIED
                                          or refs.words[refs.mention_bounds(t)[0] - 1] in DESCRIBED_BY))
                   for t in range(lo, hi))

    def _introduced(self, q: _Attribution) -> Referent | None:
        """The speaker the sentence before introduces, when it has no quotation of its own: the subject of its
        speech verb ('Erekat said it was … \n\n “They wanted us …”', '…, Howitt says. “that doesn’t mean …”'),
        or, for a paragraph that is only a quotation, the person it is about ('Jones has coached the team for a
        decade.\n\n“It is the best job in the world.”')."""
        refs = self.refs
        k = q.sentence - 1
        if k < 0 or self.text.count("\n", refs.starts[refs.sentences[k].start], q.span.start) > 2:
            return None
        if self._introduces(self._lead(q)):
            return None  # 'a question came from a member of the audience: “…”': its own sentence introduces it
        sentence = refs.sentences[k]
        if any(p.first < sentence.end and p.last >= sentence.start for p in self.quotes):
            return None  # (a word in quotation marks is none: '“Sure,” Matie says. “Make some chicken …”')
        for v in range(refs.main_clause_start(k), sentence.end):  # not "When Wallace asked …, Trump said"
            if refs.words[v] in FRAME_VERBS and not refs.words[v].endswith("ing"):
                phrase = refs.subject_left(v, sentence.start)
                if phrase is not None:
                    referent = refs.resolve(phrase, k, self._recent(q))
                    if referent.speaker:
                        return referent.at_most(RECENT)
        subject = sentence.subject
        if subject is None or subject.kind != "mention" or not self._alone_in_paragraph(q):
            return None
        referent = refs.resolve(subject, k, self._recent(q))
        if referent.type is not EntityType.PERSON:
            return None
        return Referent(referent.speaker, ATTRIBUTE, type=referent.type)

    def _name_card(self, q: _Attribution) -> Referent | None:
        """The person a short line without a verb names above the run of quotation-only paragraphs `q` is in: a
        round-up's heading ('Former Sen. Judd Gregg (R-N.H.), former chairman of the Senate Budget Committee. CEO, …')."""
        if not self._alone_in_paragraph(q):
            return None
        end = self.text.rfind("\n", 0, q.span.start)
        for _ in range(MAX_CARD_PARAGRAPHS):
            line_end = len(self.text[:max(end, 0)].rstrip())
            start = self.text.rfind("\n", 0, line_end) + 1
            line = self.text[start:line_end]
            words = [w.strip(".,;:()“”\"").lower() for w in line.split()]
            if not line.startswith(('"', "“")) or any(w in SPEECH_VERBS for w in words):
                break
            end = start - 1  # a quotation paragraph of the same run: its heading is further up
        else:
            return None
        mention = next((m for m in self.entities.mentions if start <= m.start < line_end), None)
        if (mention is None or mention.canonical_type is not EntityType.PERSON
                or not all(is_honorific(w) for w in self.text[start:mention.start].split())
                or len(words) > MAX_CARD_WORDS or any(c in line for c in '"“”')
                or self.text[mention.end:line_end].lstrip()[:1] not in (",", "(", "")
                or any(w in SPEECH_VERBS or w in FINITE_VERBS for w in words)):
            return None
        return Referent(mention.canonical, ATTRIBUTE, type=EntityType.PERSON)

    def _alone_in_paragraph(self, q: _Attribution) -> bool:
        """Whether the quotation fills its paragraph."""
        start = self.text.rfind("\n", 0, q.span.start) + 1
        end = self.text.find("\n", q.span.end)
        return not self.text[start:q.span.start].strip() and not self.text[q.span.end:len(self.text) if end < 0
                                                                            else end].strip(" .,”\"")

    def _repeated(self, q: _Attribution) -> Referent | None:
        """A pull quote or a heading: its words are part of a quotation credited elsewhere in the text (more than a
        short phrase, which another speaker may take up: 'Munir highlighted the issue of “negative propaganda”')."""
        words = " ".join(_words(q.span.text.lower()))
        for p in self.quotes:
            if p is not q and p.referent is not None and p.referent.speaker and p.referent.confidence >= ATTRIBUTE \
                    and len(words.split()) > SHORT_QUOTE_WORDS and words in " ".join(_words(p.span.text.lower())):
                return Referent(p.referent.speaker, RECENT + 0.05, p.referent.phrase, type=p.referent.type)
        return None

    def _in_narrative(self, q: _Attribution) -> Referent | None:
        """Words in the first person quoted inside a sentence about one person, with no speech verb: that
        person's ('Working on La La Land allowed Gosling to “do some of the styles of dance I wish I had …”')."""
        if not FIRST_PERSON & {w.lower() for w in _words(q.span.text)} or self._introduces(self._lead(q)):
            return None
        refs, sentence = self.refs, self.refs.sentences[q.sentence]
        if any(not refs.quoted[t] and refs.words[t] in FRAME_VERBS for t in range(q.last + 1, sentence.end)):
            return None
        named = {refs.mention[t].canonical for t in range(sentence.start, sentence.end) if not refs.quoted[t]
                 and refs.mention[t] is not None and refs.mention[t].canonical_type is EntityType.PERSON}
        named |= {person for t in range(sentence.start + 1, sentence.end) if not refs.quoted[t]
                  and refs.mention[t] is None and refs.texts[t][:1].isupper()
                  and (person := self.entities.person_named(refs.texts[t]))}  # a surname the model left untagged
        if not named and sentence.subject is not None and sentence.subject.kind == "pronoun":
            referent = refs.resolve(sentence.subject, q.sentence, self._recent(q))
            named = {referent.speaker} if referent.speaker and referent.type is EntityType.PERSON else set()
        return Referent(named.pop(), RECENT, type=EntityType.PERSON) if len(named) == 1 else None

    # --- the parser, where tokens do not tell ---

    def _parse(self, sentences: set[int]) -> None:
        todo = sorted(sentences - self.parsed)
        if todo:
            self.parsed |= set(todo)
            parse_sentences(self.doc, [self.sentence_spans[k] for k in sorted(self.parsed)])

    def _parsed_subject(self, verb: int) -> Phrase | None:
        """The subject the dependency parse gives a speech verb, as a phrase `Referents` resolves."""
        subject = subject_of(self.doc[verb])
        if subject is None or self.refs.quoted[subject.i]:
            return None
        refs, i = self.refs, subject.i
        if refs.mention[i] is not None and refs.mention[i].canonical_type is not EntityType.PERSON:
            end = refs.mention_bounds(i)[1]
            named = refs.named_after(end, refs.sentences[refs.sentence_of[i]].end) \
                if end < len(refs.texts) and refs.texts[end] == "," else None
            if named is not None:  # "the panel's top Democrat, Rep. Tom Lantos of California"
                return named
        if any(child.dep_ == "conj" for child in subject.children) or (  # "the UN and the EU stressed"
                subject.lower_ in ("one", "some", "several", "many") and any(  # "one of the witnesses recalled"
                    child.dep_ == "prep" and child.lower_ == "of" for child in subject.children)):
            return Phrase("plural", subject.left_edge.i, subject.right_edge.i + 1, mention=refs.mention[i])
        if refs.mention[i] is not None:
            start, end = refs.mention_bounds(i)
            return Phrase("mention", start, end, mention=refs.mention[i])
        phrase = refs.phrase_ending(i, subject.left_edge.i)
        if phrase is not None and phrase.kind == "role":
            for child in subject.children:  # "a spokesperson for X", "the commander of X"
                if child.dep_ == "prep":
                    objects = [t for t in child.children if t.dep_ == "pobj" and refs.mention[t.i] is not None]
                    named = objects or [t for t in child.subtree if refs.mention[t.i] is not None]
                    if named:  # its object, not a place after it ("for Speaker Paul D. Ryan of Wisconsin")
                        m = refs.mention[named[-1].i]
                        phrase = Phrase("role", phrase.start, named[-1].i + 1, head=phrase.head,
                                        determiner=phrase.determiner, modifiers=(*phrase.modifiers, m),
                                        possessor=phrase.possessor)
        return phrase

    def _unresolved_tag(self, q: _Attribution) -> Referent | None:
        """The tag after `q` whose subject no rule resolved: the person its words name ('”Kaplan says', the mark
        glued to the name), else nobody, its words kept as the hint ('”, Elton John’s publicist retorted': not the
        speaker before); None when the parse shows no tag there (the noun in 'with phone calls')."""
        verb = self.doc[q.verb]
        subject = subject_of(verb)
        if subject is None or subject.i <= q.last or self.refs.quoted[subject.i]:
            return None
        words = " ".join(self.doc[subject.left_edge.i:subject.right_edge.i + 1].text.strip(" ,”\"’—–-").split())
        person = self.entities.person_named(words) if words else None
        head = self.refs.mention[subject.i]
        if not person and head is not None and head.canonical_type is EntityType.PERSON:
            person = head.canonical  # "India's Minister of State for Science … Kapil Sibal told": the name heads it
        if person:
            return Referent(person, TITLED, type=EntityType.PERSON)
        return Referent(None, 0.0, hint=words or None)

    # --- direct quotes ---

    def direct_quotes(self) -> list[Quote]:
        """Direct quotations in text order, each with a speaker (or a hint) and a confidence: the rules' referent,
        or the speaker ranker's where the rules were unsure."""
        self.attribute_by_rules()
        for q, found in zip(self.quotes, speaker_ranker.candidates(self)):
            q.referent = speaker_ranker.decide(q.referent, found, ATTRIBUTE, speaker_ranker.weights())
        return [self._quote(q) for q in self.quotes]

    def attribute_by_rules(self) -> None:
        """Set each quotation's referent by the attribution rules."""
        for q in self.quotes:
            hi = self._paragraph_end(q.last + 1)
            following = [p.first for p in self.quotes if p.first > q.last and p.paragraph == q.paragraph]
            tag_end = min([hi, *following])
            q.referent = (self._tag_after(q, tag_end) or self._tag_before(q) or self._tag_later(q, tag_end)
                          or self._byline_below(q, hi))
            if q.referent is not None and q.referent.type is EntityType.ORGANIZATION and self._reported(q, tag_end):
                before = self._tag_before(q)  # 'Trump said: “…,” the Times reported': the Times passes it on
                if before is not None and before.speaker and before.type is EntityType.PERSON:
                    q.referent = before
        undecided = [q for q in self.quotes if q.referent is None and q.verb is not None]
        if undecided:
            self._parse({self.refs.sentence_of[q.verb] for q in undecided})
            for q in undecided:
                phrase = self._parsed_subject(q.verb)
                if phrase is not None:
                    referent = self.refs.resolve(phrase, self.refs.sentence_of[q.verb], self._recent(q),
                                                 tag=q.verb > q.last)
                    if referent.speaker or q.referent is None:
                        q.referent = referent
                if q.referent is None and q.verb > q.last:
                    q.referent = self._unresolved_tag(q)
        for q, after in zip(self.quotes, self.quotes[1:]):
            if q.referent is None and self._joined(q, after):
                q.referent = after.referent  # '“…” and “…,” BBA Chief Executive Anthony Browne said'
        for index, q in enumerate(self.quotes):
            if q.referent is None or q.referent.speaker is None:
                q.referent = self._name_card(q) or q.referent
            if q.referent is None or q.referent.speaker is None and (not q.referent.hint or self._split(index)):
                q.referent = self._continued(q, index) or self._introduced(q) or q.referent
        for q in self.quotes:
            if q.referent is None or q.referent.speaker is None:
                q.referent = self._repeated(q) or self._in_narrative(q) or q.referent

    def _quote(self, q: _Attribution) -> Quote:
        referent = q.referent
        if referent is None:
            topic = self.refs.sentences[q.sentence].topic_person
            return Quote(text=q.span.text, kind="direct", confidence=0.0,
                         speaker_hint=topic.speaker if topic is not None else None)
        if referent.speaker:
            return Quote(speaker=referent.speaker, text=q.span.text, kind="direct",
                         confidence=round(referent.confidence, 2), speaker_phrase=referent.phrase)
        return Quote(text=q.span.text, kind="direct", confidence=round(referent.confidence, 2),
                     speaker_hint=referent.candidate)

    # --- reported claims ---

    def indirect_claims(self) -> list[Quote]:
        """Reported claims ("X said (that) …", "X denied …") whose speaker resolves clearly: read from tokens
        where the sentence is `subject verb [that] content`, else from the dependency parse."""
        refs, claims, to_parse = self.refs, [], []
        quoted_sentences = {q.sentence for q in self.quotes}
        for k, sentence in enumerate(refs.sentences):
            if k in quoted_sentences:
                continue
            verbs = [v for v in range(sentence.start, sentence.end)
                     if refs.words[v] in CLAIM_FORMS and not refs.quoted[v]]
            if not verbs:
                continue
            claim = next((c for c in (self._cheap_claim(k, v) for v in verbs) if c is not None), None)
            if claim is not None:
                claims.append((k, claim))
            elif self._worth_parsing(k, verbs[-1]):
                to_parse.append(k)
        if to_parse:
            self._parse(set(to_parse))
            for k in to_parse:
                claims += [(k, c) for c in self._parsed_claims(k)]
        return [c for _, c in sorted(claims, key=lambda kc: kc[0])]

    def _cheap_claim(self, k: int, verb: int) -> Quote | None:
        """`subject verb [that] content.` with a subject read from tokens."""
        refs = self.refs
        sentence = refs.sentences[k]
        subject = refs.subject_left(verb, sentence.start)
        if subject is None or subject != sentence.subject:
            return None
        start = verb + 1
        word = refs.words[verb]
        if word in TELL_VERBS:
            that = next((t for t in range(start, min(sentence.end, start + 8)) if refs.words[t] == "that"), None)
            if that is None:
                return None
            start = that + 1
        else:
            that = next((t for t in range(start, min(sentence.end, start + 6)) if refs.words[t] == "that"), None)
            if that is not None and all(refs.words[t] not in SPEECH_VERBS for t in range(start, that)):
                start = that + 1
        end = sentence.end
        for t in range(start, sentence.end - 1):
            if refs.texts[t] in (";",) or (refs.texts[t] == "," and refs.words[t + 1] in
                                            ("adding", "saying", "according", "noting", "citing", "he", "she")):
                end = t
                break
        if end - start < MIN_CLAIM_TOKENS:
            return None
        referent = refs.resolve(subject, k)
        if not referent.speaker or referent.confidence < ATTRIBUTE:
            return None
        text = self.doc[start:end].text
        if word in OBJECT_CLAIM_VERBS and start == verb + 1:
            text = f"{refs.texts[verb]} {text}"
        return self._claim(text, referent)

    def _worth_parsing(self, k: int, verb: int) -> bool:
        """A claim the parser may read: someone the text names (or a pronoun) comes before its verb."""
        refs = self.refs
        sentence = refs.sentences[k]
        return any(refs.mention[t] is not None or refs.words[t] in ("he", "she", "they")
                   for t in range(sentence.start, verb) if not refs.quoted[t])

    def _parsed_claims(self, k: int) -> list[Quote]:
        refs, claims = self.refs, []
        sentence = self.sentence_spans[k]
        for verb in sentence:
            if verb.lower_ not in CLAIM_FORMS or refs.quoted[verb.i]:
                continue
            content = None
            if verb.lower_ in SPEECH_VERBS:
                content = next((c for c in verb.rights if c.dep_ == "ccomp"), None)
            if content is None and verb.lower_ in OBJECT_CLAIM_VERBS:
                content = next((c for c in verb.rights if c.dep_ == "dobj"), None)
            if content is None:
                continue
            span = self.doc[content.left_edge.i:content.right_edge.i + 1]
            if len(span) < MIN_CLAIM_TOKENS or "\n" in span.text.strip():
                continue
            phrase = self._parsed_subject(verb.i)
            if phrase is None:
                continue
            referent = refs.resolve(phrase, k)
            if not referent.speaker or referent.confidence < ATTRIBUTE:
                continue
            text = span.text if content.dep_ == "ccomp" else f"{verb.text} {span.text}"
            claims.append(self._claim(text, referent))
        return claims

    @staticmethod
    def _claim(text: str, referent: Referent) -> Quote:
        text = re.sub(r"^that\s+", "", text.strip()).rstrip(" ,;:-–—.")
        return Quote(speaker=referent.speaker, text=text, kind="indirect", confidence=round(referent.confidence, 2),
                     speaker_phrase=referent.phrase)

    # --- credited sources ---

    def credited_sources(self, speakers: list[str]) -> list[str]:
        """Canonical names of people and organisations the text credits as sources, in order: speakers, and
        names next to a speech word ("according to Reuters", "told BBC World News", "a Taliban spokesman
        tweeted", "via USA Today")."""
        refs, names = self.refs, []
        for mention in self.entities.mentions:
            if mention.canonical_type not in (EntityType.PERSON, EntityType.ORGANIZATION):
                continue
            span = self.doc.char_span(mention.start, mention.end, alignment_mode="expand")
            if span is None or refs.quoted[span.start]:
                continue
            if self._credited(span.start, span.end) and mention.canonical not in names:
                names.append(mention.canonical)
        named = {m.canonical for m in self.entities.mentions
                 if m.canonical_type in (EntityType.PERSON, EntityType.ORGANIZATION)}
        return list(dict.fromkeys(names + [s for s in speakers if s in named]))

    def _credited(self, start: int, end: int) -> bool:
        refs, n = self.refs, len(self.refs.words)
        before = [refs.words[t] for t in range(max(0, start - 3), start)]
        if before[-1:] == ["the"]:
            before = before[:-1]
        if before[-2:] in (["according", "to"], ["sent", "to"], ["interview", "with"], ["quoted", "by"],
                           ["cited", "by"], ["said", "to"], ["told", "to"]) or before[-1:] in (["told"], ["via"],
                                                                                             ["tells"]):
            return True
        t = end
        if t < n and refs.texts[t] == ",":  # "Ali Nazari, a spokesperson for the NRF, told …"
            close = next((c for c in range(t + 1, min(n, t + 20)) if refs.texts[c] in (",", ".", ";", ":")), None)
            if close is not None and refs.texts[close] == ",":
                t = close + 1
        while t < n and (refs.words[t] in ADVERBS or refs.words[t] in ROLE_HEADS or refs.words[t] in ("’s", "'s")):
            t += 1
        return t < n and refs.words[t] in CREDIT_WORDS and refs.words[t] not in ("according", "via")


def subject_of(verb: Token) -> Token | None:
    """The grammatical subject of a speech verb in the dependency parse, climbing through conjunctions and
    clauses."""
    token = verb
    if verb.lower_.endswith("ing") and verb.dep_ == "advcl":  # '…, saying': the main clause's subject, not that of
        for _ in range(6):  # the clause it hangs from ('X disputed that Mike was estranged, saying “…”')
            if token.head is token or token.dep_ == "ROOT":
                break
            token = token.head
    for _ in range(4):
        if token.lower_ == "according":
            for prep in token.children:
                if prep.lower_ == "to":
                    return next((c for c in prep.children if c.dep_ == "pobj"), None)
        for child in token.children:
            if child.dep_ in SUBJECTS:
                return child
        if token.dep_ == "acl":  # "one commander telling an outlet"
            return token.head
        if token.dep_ not in ("conj", "xcomp", "advcl", "ccomp") or token.head is token:
            return None
        token = token.head
    return None


def attribute(doc: Doc, entities: DocumentEntities) -> tuple[list[Quote], list[str]]:
    """Quotes (direct, then indirect), each speaker named as the text writes them beside the canonical entity, and
    the canonical names of credited sources of one document."""
    attributor = Attributor(doc, entities)
    direct = attributor.direct_quotes()
    indirect = attributor.indirect_claims()
    quotes = direct + indirect
    cited = attributor.credited_sources([q.speaker for q in quotes if q.speaker])
    names = {name for q in quotes for name in (q.speaker, q.speaker_hint) if name}
    written = {name: entities.written_name(name) for name in names}  # each name's written form looked up once
    for quote in quotes:
        quote.speaker = written.get(quote.speaker, quote.speaker)
        quote.speaker_hint = written.get(quote.speaker_hint, quote.speaker_hint)
    return quotes, cited

