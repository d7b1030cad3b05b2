"""A learned second opinion on who said a quotation: each person or organisation the text names around it is scored
by a logistic model over where and how it is named, and the best is credited where the rules were unsure.

The weights (`speaker_weights.json`) are fitted by `bench/train_speakers.py` on the labelled pages. The rules' own
choice is one of the features, so the model mostly confirms it, overrules it on evidence it learned, and leaves
alone what the rules are sure of or withheld on purpose.
"""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Callable

from newsdesk.enrich.referents import SPEECH_VERBS, Referent
from newsdesk.model import EntityType
from newsdesk.versions import SPEAKER_WEIGHTS

if TYPE_CHECKING:
    from newsdesk.enrich.quotes import Attributor, _Attribution

FEATURES = (
    "rules_named", "rules_named_confidence", "rules_hint", "rules_hint_confidence",
    "in_paragraph", "in_sentence", "paragraph_before", "paragraphs_before", "next_paragraph_only",
    "speech_verb_beside", "speech_verb_beside_in_paragraph", "previous_quote_speaker", "next_quote_speaker",
    "other_quotes_credited", "person", "mentions", "named_in_quote", "after_preposition", "distance_before",
    "named_before", "distance_after", "named_after_in_paragraph", "organisation_saying_i", "nearest_before",
    "opens_sentence", "possessive", "only_candidate", "topic_person", "previous_quote_speaker_in_paragraph",
    "speech_verb_beside_in_sentence_before", "rules_confidence", "rules_description", "candidates",
    "quote_words", "quote_opens_paragraph",
)
"""The features of one candidate, in the order of the weights."""

WINDOW_BEFORE = 3
"""How far back names are candidates, in `candidates`' paragraph numbers: with blank lines between paragraphs, the
paragraph before the quotation's own (see there)."""

PREPOSITIONS = frozenset("to of for about with against by from at on in into over under than".split())
_FIRST_PERSON = re.compile(r"\b(?:I|I'm|I’m|me|my|myself)\b")


@dataclass(frozen=True)
class Candidate:
    """A name the text gives near a quotation (canonical), its type and its features."""

    name: str
    type: EntityType
    features: tuple[float, ...]


@dataclass(frozen=True)
class Weights:
    intercept: float
    coefficients: tuple[float, ...]
    name_at: float
    """The least probability at which the best candidate is credited."""
    below: float
    """The rules' confidence under which the model decides (the rules' surer choices stand)."""


@lru_cache(maxsize=1)
def weights() -> Weights | None:
    """The fitted weights, or None where none were fitted for these features."""
    if not SPEAKER_WEIGHTS.exists():
        return None
    data = json.loads(SPEAKER_WEIGHTS.read_text(encoding="utf-8"))
    if tuple(data["features"]) != FEATURES:
        return None
    return Weights(data["intercept"], tuple(data["coefficients"]), data["name_at"], data["below"])


def probability(w: Weights, features: tuple[float, ...]) -> float:
    z = w.intercept + sum(c * f for c, f in zip(w.coefficients, features))
    return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))


def consulted(referent: Referent | None, candidates: list[Candidate], below: float) -> bool:
    """Whether the model decides: the rules named someone below `below` or found nobody, and did not withhold a
    name on purpose (two people share the surname: no name, some confidence; "his lawyer said": the speaker is
    someone the text does not name, the hint no candidate)."""
    if not candidates or referent is not None and referent.speaker and referent.confidence >= below:
        return False
    return not (referent is not None and not referent.speaker and (
        referent.confidence > 0 or bool(referent.hint) and all(c.name != referent.hint for c in candidates)))


def decide(referent: Referent | None, candidates: list[Candidate], attribute_at: float,
           model: Weights | None) -> Referent | None:
    """Who is credited. Where the model is not consulted (or `model` is None), the rules' referent, its speaker
    named only at `attribute_at` or more (else kept as the hint). Where it is, the best candidate if its probability
    is at least the model's `name_at` and `attribute_at`; else nobody, that candidate kept as the hint with its
    probability."""
    if model is None or not consulted(referent, candidates, model.below):
        if referent is not None and referent.speaker and referent.confidence < attribute_at:
            return Referent(None, referent.confidence, hint=referent.candidate)
        return referent
    best, p = max(((c, probability(model, c.features)) for c in candidates), key=lambda pair: pair[1])
    if p >= max(model.name_at, attribute_at):
        phrase = referent.phrase if referent is not None and referent.speaker == best.name else None
        return Referent(best.name, round(p, 2), phrase=phrase, type=best.type)
    return Referent(None, round(p, 2), hint=best.name)


@dataclass
class _Occurrence:
    start: int
    end: int
    paragraph: int
    quoted: bool


def candidates(attributor: Attributor) -> list[list[Candidate]]:
    """For each quotation of the attributor (its rules' referents set), the names around it with their features."""
    refs = attributor.refs
    text = attributor.text
    newlines = [m.start() for m in re.finditer("\n", text)]
    lines = sorted({bisect_right(newlines, s) for s in refs.starts})
    paragraph_of_line = {line: k for k, line in enumerate(lines)}

    def paragraph(i: int) -> int:
        # Every line holding a token is numbered, the blank line between two paragraphs too (its newline token):
        # consecutive paragraphs are two apart, so `paragraph_before` fires only for a name on that blank line and
        # `paragraphs_before` is the paragraph before. Kept as the weights were fitted: a true paragraph count
        # with the window three paragraphs wide measured no better (fitted up to round 53, rounds 48-56).
        return paragraph_of_line[bisect_right(newlines, refs.starts[i])]

    occurrences: dict[str, list[_Occurrence]] = {}
    types: dict[str, EntityType] = {}
    i, n = 0, len(refs.words)
    while i < n:
        mention = refs.mention[i]
        if mention is None or mention.canonical_type not in (EntityType.PERSON, EntityType.ORGANIZATION):
            i += 1
            continue
        start, end = refs.mention_bounds(i)
        occurrences.setdefault(mention.canonical, []).append(
            _Occurrence(start, end, paragraph(start), refs.quoted[start]))
        types[mention.canonical] = mention.canonical_type
        i = end
    credited: dict[str, int] = {}
    for q in attributor.quotes:
        if q.referent is not None and q.referent.speaker:
            credited[q.referent.speaker] = credited.get(q.referent.speaker, 0) + 1
    names = frozenset(types)
    result = []
    for index, q in enumerate(attributor.quotes):
        here = paragraph(q.first)
        near = {name: [o for o in found if not o.quoted and here - WINDOW_BEFORE <= o.paragraph <= here + 1]
                for name, found in occurrences.items()}
        near = {name: found for name, found in near.items() if found}
        referent = q.referent
        extra: dict[str, EntityType] = {}  # the rules' choice even where no mention is near or it is no entity
        for name in (referent.speaker, referent.hint) if referent is not None else ():
            if name and name not in near and (name in types or name == referent.speaker):
                near[name] = []
                extra[name] = types.get(name) or referent.type or EntityType.PERSON
        nearest = max(((o.end, name) for name, found in near.items() for o in found if o.end <= q.first),
                      default=(0, None))[1]
        previous = attributor.quotes[index - 1].referent if index else None
        following = attributor.quotes[index + 1].referent if index + 1 < len(attributor.quotes) else None
        topic = refs.sentences[q.sentence].topic_person
        first_person = bool(_FIRST_PERSON.search(q.span.text))
        context = _Context(here, paragraph(attributor.quotes[index - 1].first) if index else -1, referent, previous,
                           following, credited, nearest, len(near), topic, first_person, names, paragraph)
        row = []
        for name, found in near.items():
            entity_type = types.get(name) or extra[name]
            row.append(Candidate(name, entity_type, _features(attributor, q, context, name, found,
                                                              occurrences.get(name, []), entity_type)))
        result.append(row)
    return result


@dataclass(frozen=True)
class _Context:
    """What the features of one quotation's candidates share."""

    here: int
    previous_paragraph: int
    referent: Referent | None
    previous: Referent | None
    following: Referent | None
    credited: dict[str, int]
    nearest: str | None
    count: int
    topic: Referent | None
    first_person: bool
    names: frozenset[str]
    paragraph: Callable[[int], int]


def _features(attributor: Attributor, q: _Attribution, c: _Context, name: str, found: list[_Occurrence],
              everywhere: list[_Occurrence], entity_type: EntityType) -> tuple[float, ...]:
    """The candidate's features, in the order of `FEATURES`."""
    refs = attributor.refs
    referent, here = c.referent, c.here
    named = referent is not None and referent.speaker == name
    hinted = referent is not None and not referent.speaker and referent.hint == name
    in_paragraph = [o for o in found if o.paragraph == here]
    before = [o for o in found if o.end <= q.first]
    after_here = [o for o in in_paragraph if o.start > q.last]
    last_before = max(before, key=lambda o: o.end) if before else None
    back = here - last_before.paragraph if last_before is not None else None

    def beside_speech(o: _Occurrence) -> bool:
        words = refs.words
        return (o.end < len(words) and words[o.end] in SPEECH_VERBS
                or o.end + 1 < len(words) and words[o.end] == "," and words[o.end + 1] in SPEECH_VERBS
                or o.start > 0 and words[o.start - 1] in SPEECH_VERBS)

    values = {
        "rules_named": float(named),
        "rules_named_confidence": referent.confidence if named else 0.0,
        "rules_hint": float(hinted),
        "rules_hint_confidence": referent.confidence if hinted else 0.0,
        "in_paragraph": float(bool(in_paragraph)),
        "in_sentence": float(any(refs.sentence_of[o.start] == q.sentence for o in found)),
        "paragraph_before": float(back == 1 and not in_paragraph),
        "paragraphs_before": float(back is not None and back >= 2 and not in_paragraph),
        "next_paragraph_only": float(bool(found) and all(o.paragraph > here for o in found)),
        "speech_verb_beside": float(any(beside_speech(o) for o in found)),
        "speech_verb_beside_in_paragraph": float(any(beside_speech(o) for o in in_paragraph)),
        "previous_quote_speaker": float(c.previous is not None and c.previous.speaker == name),
        "next_quote_speaker": float(c.following is not None and c.following.speaker == name),
        "other_quotes_credited": math.log1p(c.credited.get(name, 0) - named),
        "person": float(entity_type is EntityType.PERSON),
        "mentions": math.log1p(len(everywhere)),
        "named_in_quote": float(any(o.quoted and q.first <= o.start <= q.last for o in everywhere)),
        "after_preposition": float(last_before is not None and last_before.start > 0
                                   and refs.words[last_before.start - 1] in PREPOSITIONS),
        "distance_before": math.log1p(q.first - last_before.end) / 5 if last_before is not None else 0.0,
        "named_before": float(last_before is not None),
        "distance_after": math.log1p(min(o.start for o in after_here) - q.last) / 5 if after_here else 0.0,
        "named_after_in_paragraph": float(bool(after_here)),
        "organisation_saying_i": float(c.first_person and entity_type is EntityType.ORGANIZATION),
        "nearest_before": float(c.nearest == name),
        "opens_sentence": float(last_before is not None and (
            last_before.start == refs.sentences[refs.sentence_of[last_before.start]].start
            or refs.words[last_before.start - 1] in ("the", "\n", "\n\n"))),
        "possessive": float(last_before is not None and last_before.end < len(refs.words)
                            and refs.words[last_before.end] in ("’s", "'s")),
        "only_candidate": float(c.count == 1),
        "topic_person": float(c.topic is not None and c.topic.speaker == name),
        "previous_quote_speaker_in_paragraph": float(c.previous is not None and c.previous_paragraph == here
                                                     and c.previous.speaker == name),
        "speech_verb_beside_in_sentence_before": float(any(beside_speech(o) and refs.sentence_of[o.start]
                                                           == q.sentence - 1 for o in found)),
        "rules_confidence": referent.confidence if referent is not None else 0.0,
        "rules_description": float(referent is not None and not referent.speaker and bool(referent.hint)
                                   and referent.hint not in c.names),
        "candidates": math.log(c.count),
        "quote_words": math.log1p(len(q.span.text.split())) / 3,
        "quote_opens_paragraph": float(q.first == 0 or c.paragraph(q.first - 1) < here),
    }
    return tuple(values[feature] for feature in FEATURES)
