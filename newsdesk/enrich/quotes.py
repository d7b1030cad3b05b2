"""Attribution: direct quotations and indirect claims with their speakers, and the sources credited."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from spacy.attrs import LOWER
from spacy.strings import get_string_id
from spacy.tokens import Doc, Span, Token

from newsdesk.enrich.entities import DocumentEntities
from newsdesk.model import EntityType, Quote

SPEECH_VERBS = frozenset("""
say says said saying add adds added adding tell tells told telling write writes wrote writing
tweet tweets tweeted tweeting state states stated insist insists insisted argue argues argued
warn warns warned announce announces announced explain explains explained note notes noted
claim claims claimed deny denies denied reply replies replied ask asks asked declare declares declared
continue continued continues indicate indicates indicated indicating acknowledge acknowledged admit admits admitted
confirm confirms confirmed allege alleges alleged maintain maintains maintained suggest suggests suggested
report reports reported posted according
shout shouts shouted yell yells yelled scream screamed exclaim exclaimed whisper whispered recall recalls recalled
testify testified testifies quip quipped joke joked respond responds responded comment comments commented
observe observed predict predicted promise promised urge urges urged concede conceded caution cautioned
stress stressed emphasize emphasized emphasise emphasised lament lamented boast boasted conclude concluded
agree agreed wonder wondered insisting adding noting warning arguing explaining claiming denying
""".split())
"""Word forms that attribute speech (no lemmatizer runs, so forms are listed)."""

OBJECT_CLAIM_VERBS = frozenset("""
claims claimed denies denied dismisses dismissed rejects rejected confirms confirmed announces announced
""".split())
"""Verbs whose direct object is the claim ("denied the allegations", "claimed victory"); no base forms,
which follow "to" or a modal ("expected to announce a government") and state no claim."""

CREDIT_WORDS = SPEECH_VERBS | {"according", "sent", "quoted", "cited", "interview", "statement", "citing"}

CLAIM_VERBS = SPEECH_VERBS | OBJECT_CLAIM_VERBS
PARSE_TRIGGERS = CREDIT_WORDS | CLAIM_VERBS
"""Attribution reads the dependency parse only around these words: sentences without one need none."""

ROLE_NOUNS = frozenset("""
official officials spokesman spokeswoman spokesperson source sources minister president leader commander
chief officer representative envoy ambassador adviser advisor aide diplomat analyst expert witness
""".split())
"""Nouns naming a speaker by role ("a Taliban spokesman", "the official")."""

PERSON_ROLE_NOUNS = ROLE_NOUNS - {"source", "sources", "officials", "witness", "expert", "analyst"}
"""Roles that, definite and unexplained ("the official added"), refer back to the last named person."""

PERSON_PRONOUNS = frozenset({"he", "she"})
SUBJECTS = ("nsubj", "nsubjpass")
MIN_QUOTE_WORDS = 3
MIN_CLAIM_TOKENS = 3
MAX_TAG_DISTANCE = 6
"""Most tokens from a closing quote mark to its speech verb ('”, the prime minister said')."""
MAX_ATTRIBUTION_WORDS = 15
"""Most words between two quotations of one speaker ('"...," Heyward said, via a reporter. "..."')."""

QUOTE_PATTERN = re.compile(r"“([^“”]+)”|\"([^\"\n]+)\"|«([^«»]+)»|(?<!\w)‘((?:[^‘’\n]|’(?=\w))+)’(?!\w)")
"""Curly, straight and angle double quotes, and curly single quotes (an apostrophe inside a word does
not close them: ‘it’s ours’)."""


@lru_cache(maxsize=8)
def _word_ids(words: frozenset[str]) -> np.ndarray:
    return np.array([get_string_id(word) for word in words], dtype=np.uint64)


def positions_of(doc: Doc, words: frozenset[str]) -> np.ndarray:
    """Indices of the tokens whose lowercase form is one of `words` (without a Python loop over tokens)."""
    return np.flatnonzero(np.isin(doc.to_array(LOWER), _word_ids(words)))


@dataclass(frozen=True)
class QuoteSpan:
    """A quotation's character span (marks included) and its text."""

    start: int
    end: int
    text: str


_TERM_BEFORE = re.compile(r"\b(?:the|a|an|this|its|their|his|our)\s*$", re.I)


def _is_title(words: list[str]) -> bool:
    """Title case ("Takin’ It To The Streets"): a song, book or headline, not a quotation."""
    return sum(w[:1].isupper() for w in words) >= 0.8 * len(words)


def find_quote_spans(text: str) -> list[QuoteSpan]:
    """Quoted passages that are quotations: at least MIN_QUOTE_WORDS words (shorter ones are scare quotes),
    not a title, not a term used as a noun ("the “one country, two systems” formula")."""
    spans = []
    for match in QUOTE_PATTERN.finditer(text):
        inner = " ".join(next(g for g in match.groups() if g is not None).split())
        words = inner.split()
        if (len(words) < MIN_QUOTE_WORDS or _is_title(words)
                or _TERM_BEFORE.search(text, max(0, match.start() - 8), match.start())):
            continue
        spans.append(QuoteSpan(match.start(), match.end(), inner))
    return spans


def _inside(offset: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(start <= offset < end for start, end in spans)


def subject_of(verb: Token) -> Token | None:
    """The grammatical subject of a speech verb, climbing through conjunctions and clauses."""
    token = verb
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


@lru_cache(maxsize=256)
def _introduction_pattern(noun: str) -> re.Pattern[str]:
    """ "a source in the ministry told ..." for the role noun "source"."""
    return re.compile(rf"\b(?:a|an|one)\s+([^.,;:“”\"]{{0,40}}?\b{re.escape(noun)}\b[^.,;:“”\"]{{0,60}}?)"
                      rf"\s+(?:{'|'.join(SPEECH_VERBS)})\b", re.I)


class Attributor:
    """Resolves speakers in one document against its entities."""

    def __init__(self, doc: Doc, entities: DocumentEntities) -> None:
        self.doc = doc
        self.text = doc.text
        self.entities = entities
        self.quotes = find_quote_spans(self.text)
        self.quote_bounds = [(q.start, q.end) for q in self.quotes]
        self._introductions: dict[str, list[tuple[int, str]]] = {}

    def _tokens_between(self, start: int, end: int) -> Span | None:
        return self.doc.char_span(start, end, alignment_mode="expand")

    def _speaker_phrase(self, subject: Token) -> str:
        tokens = list(subject.subtree)
        if len(tokens) > 12:
            tokens = [t for t in tokens if t.i <= subject.i]
        text = self.doc[tokens[0].i:tokens[-1].i + 1].text
        return re.sub(r"^(?:the|a|an)\s+", "", text, flags=re.I)

    def _antecedent(self, noun: str, before: int) -> str | None:
        """The indefinite mention a definite role refers to ("a source in X told ..." for "the source")."""
        if noun not in self._introductions:  # one scan of the text per role noun, not per attribution
            self._introductions[noun] = [
                (m.end(), m.group(1)) for m in _introduction_pattern(noun).finditer(self.text)
                if not _inside(m.start(), self.quote_bounds)]
        found = [phrase for end, phrase in self._introductions[noun] if end <= before]
        return found[-1] if found else None

    def speaker(self, subject: Token, before: int) -> str | None:
        """Canonical speaker for a subject token of an attribution that precedes offset `before`."""
        mention = self.entities.at(subject.idx, subject.idx + len(subject))
        if mention and mention.canonical_type in (EntityType.PERSON, EntityType.ORGANIZATION,
                                                  EntityType.NORP, EntityType.LOCATION):
            return mention.canonical
        for token in subject.subtree:  # "China's ambassador, Liu Xiaming, said"
            named = self.entities.at(token.idx, token.idx + len(token))
            if named and named.canonical_type is EntityType.PERSON and token.dep_ in ("appos", "compound"):
                return named.canonical
        word = subject.lower_
        if word in PERSON_PRONOUNS:
            person = self.entities.nearest_before(before, EntityType.PERSON, self.quote_bounds)
            return person.canonical if person else None
        if word in ("i", "we", "it", "they", "who", "that", "which"):
            return None
        determiner = next((c.lower_ for c in subject.children if c.dep_ == "det"), None)
        has_modifier = any(c.dep_ in ("poss", "nmod", "prep") or (c.dep_ == "compound" and c.text[:1].isupper())
                           for c in subject.children)  # "the Taliban spokesman", not "the prime minister"
        if determiner == "the" and word in ROLE_NOUNS and not has_modifier:
            antecedent = self._antecedent(word, before)
            if antecedent:
                return antecedent
            if word in PERSON_ROLE_NOUNS:
                person = self.entities.nearest_before(before, EntityType.PERSON, self.quote_bounds)
                if person:
                    return person.canonical
        if subject.text[:1].isupper():  # a name the model did not tag here ("Heyward" of "Cam Heyward")
            person = self.entities.person_named(subject.text)
            if person:
                return person
        return self._speaker_phrase(subject)

    def _clear_speaker(self, subject: Token) -> bool:
        """A named speaker, a personal pronoun, a role noun, or a phrase containing a name."""
        if subject.lower_ in PERSON_PRONOUNS or subject.lower_ in ROLE_NOUNS:
            return True
        first, last = subject.left_edge, subject.right_edge
        return self.entities.at(first.idx, last.idx + len(last)) is not None

    def _attribution_verbs(self, quote: QuoteSpan) -> list[Token]:
        """Speech verbs in the quote's sentences and paragraph, outside any quotation: a speech tag right
        after the quote first, then verbs before it, then later ones ("..., adding that X asked ...")."""
        first = self._tokens_between(quote.start, quote.start + 1)
        last = self._tokens_between(quote.end - 1, quote.end)
        if first is None or last is None:
            return []
        text = self.text
        paragraph_start = text.rfind("\n", 0, quote.start) + 1
        paragraph_end = text.find("\n", quote.end)
        paragraph_end = len(text) if paragraph_end < 0 else paragraph_end
        region = self.doc[first[0].sent.start:last[-1].sent.end]
        verbs = [t for t in region if t.lower_ in SPEECH_VERBS and paragraph_start <= t.idx < paragraph_end
                 and not _inside(t.idx, self.quote_bounds)]
        after = sorted((t for t in verbs if t.idx >= quote.end), key=lambda t: t.idx)
        before = sorted((t for t in verbs if t.idx < quote.start), key=lambda t: -t.idx)
        close = [t for t in after if t.i - last[-1].i <= MAX_TAG_DISTANCE]  # '...,” Esper said'
        return close + before + [t for t in after if t not in close]

    def direct_quotes(self) -> tuple[list[Quote], set[int]]:
        """Direct quotations with speakers, and the token ids of the verbs used to attribute them."""
        quotes, used = [], set()
        previous: tuple[QuoteSpan, str | None] | None = None
        for quote in self.quotes:
            speaker = None
            for verb in self._attribution_verbs(quote):
                subject = subject_of(verb)
                if subject is not None and not _inside(subject.idx, self.quote_bounds):
                    speaker = self.speaker(subject, quote.start)
                    if speaker is not None:
                        used.add(verb.i)
                        break
            if speaker is None and previous is not None and self._continues(previous[0], quote):
                speaker = previous[1]  # '"First," Lopez said. "Second."'
            quotes.append(Quote(speaker=speaker, text=quote.text.rstrip(","), kind="direct"))
            previous = (quote, speaker)
        return quotes, used

    def _continues(self, earlier: QuoteSpan, later: QuoteSpan) -> bool:
        """Whether `later` goes on from `earlier`: same paragraph, nothing but a short attribution between."""
        between = self.text[earlier.end:later.start]
        return "\n" not in between and len(between.split()) <= MAX_ATTRIBUTION_WORDS

    def indirect_claims(self, skip_verbs: set[int]) -> list[Quote]:
        """Reported claims ("X said that ...", "X denied ...") whose speaker resolves clearly."""
        claims = []
        for i in positions_of(self.doc, CLAIM_VERBS):
            verb = self.doc[int(i)]
            if verb.i in skip_verbs or _inside(verb.idx, self.quote_bounds):
                continue
            content = None
            if verb.lower_ in SPEECH_VERBS:
                content = next((c for c in verb.rights if c.dep_ == "ccomp"), None)
            if content is None and verb.lower_ in OBJECT_CLAIM_VERBS:
                content = next((c for c in verb.rights if c.dep_ == "dobj"), None)
            if content is None:
                continue
            span = self.doc[content.left_edge.i:content.right_edge.i + 1]
            covered = self.text[min(verb.idx, span.start_char):max(verb.idx, span.end_char)]
            if len(span) < MIN_CLAIM_TOKENS or "\n" in covered.strip() or any(
                    s < span.end_char and span.start_char < e for s, e in self.quote_bounds):
                continue
            subject = subject_of(verb)
            if subject is None:
                continue
            if not self._clear_speaker(subject):
                continue
            speaker = self.speaker(subject, verb.idx)
            if speaker is None:
                continue
            text = span.text if content.dep_ == "ccomp" else f"{verb.text} {span.text}"
            text = re.sub(r"^that\s+", "", text.strip()).rstrip(" ,;:-–—")
            claims.append(Quote(speaker=speaker, text=text, kind="indirect"))
        return claims

    def credited_sources(self) -> list[str]:
        """Canonical names of people and organisations the text credits as sources, in order."""
        names: list[str] = []
        for mention in self.entities.mentions:
            if mention.canonical_type not in (EntityType.PERSON, EntityType.ORGANIZATION):
                continue
            span = self._tokens_between(mention.start, mention.end)
            if span is not None and _credited(span.root) and mention.canonical not in names:
                names.append(mention.canonical)
        return names


def _credited(token: Token) -> bool:
    """Whether a name is syntactically the source of a report: subject or addressee of a speech verb,
    after "according to"/"sent to", or modifying a role noun that is ("a Taliban spokesman tweeted")."""
    for _ in range(5):
        head = token.head
        if head is token:
            return False
        if token.dep_ in ("compound", "poss", "amod", "nmod") and head.lower_ in ROLE_NOUNS:
            token = head
        elif token.dep_ == "appos" or (token.dep_ == "pobj" and head.lower_ in ("to", "by", "with")):
            token = head
        elif token.dep_ in ("prep", *SUBJECTS, "dobj", "dative", "agent") and head.lower_ in CREDIT_WORDS:
            return True
        else:
            return False
    return False


def attribute(doc: Doc, entities: DocumentEntities) -> tuple[list[Quote], list[str]]:
    """Quotes (direct, then indirect) and the canonical names of credited sources of one document."""
    attributor = Attributor(doc, entities)
    direct, used = attributor.direct_quotes()
    indirect = attributor.indirect_claims(used)
    speakers = [q.speaker for q in direct + indirect if q.speaker]
    named = {m.canonical for m in entities.mentions
             if m.canonical_type in (EntityType.PERSON, EntityType.ORGANIZATION)}
    cited = attributor.credited_sources() + [s for s in speakers if s in named]
    return direct + indirect, list(dict.fromkeys(cited))
