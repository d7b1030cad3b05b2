"""Who a phrase refers to: names, pronouns and role descriptions resolved to one document's canonical entities.

Reads tokens, resolved entity mentions and sentence positions only (no dependency parse):
- noun phrases around a speech verb (`subject_left`, `subject_right`, `sentence_subject`): a name, a pronoun,
  a role description ("a spokesperson for X", "the governor", "Taliban officials"), an untagged capitalised name;
- the topic of each sentence (the person or organisation its subject refers to), carried forward, and since
  which sentence (a person in focus long ago yields to one named since);
- genders the text fixes (titles and gendered role words next to a name, he/she agreeing with a name);
- role words each person is introduced with ("Gov. Kristi Noem", "Jack Buser, director for games at Google").

`resolve` turns a phrase into a `Referent`: a canonical speaker with a confidence, or none with a hint.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from functools import cached_property

from spacy.attrs import ENT_TYPE, IDX, LOWER, ORTH
from spacy.tokens import Doc

from newsdesk.enrich.entities import OFFICE_ADJECTIVES, PERSON_LED, DocumentEntities, Mention, main_bearer
from newsdesk.enrich.gazetteer import gazetteer, gazetteer_key, given_name_genders
from newsdesk.model import EntityType

SPEECH_VERBS = frozenset("""
according acknowledge acknowledged acknowledging add added adding adds admit admits admitted admitting agree agreed
allege alleged alleges alleging announce announced announces announcing answered argue argued argues arguing ask
asked asking asks assure assured assures beg begged begs bemoan bemoaned bemoaning bemoans blast blasted blasts
boast boasted bragged brags caution cautioned cautioning cautions chime chimed claim claimed claiming claims
clarified comment commented commenting comments complained complaining complains concede conceded conceding conclude
concluded confided confides confirm confirmed confirming confirms continue continued continues countered declare
declared declares declaring demanded denied denies deny denying describe described describes describing dismiss
dismissed dismisses elaborated emphasise emphasised emphasize emphasized exclaim exclaimed explain explained
explaining explains implored indicate indicated indicates indicating insist insisted insisting insists instruct
instructed instructs interjected joke joked lament lamented laments maintain maintained maintaining maintains muse
mused note noted notes noting observe observed order ordered orders pleaded pleads pledge pledged pledges pledging
posted posting predict predicted predicting promise promised promising protested quip quipped reasoned recall
recalled recalling recalls recount recounted recounts reiterate reiterated reiterates reiterating remarked replied
replies reply replying report reported reporting reports respond responded responding responds retorted said say
saying says scream screamed shout shouted shouts sigh sighed speculated state stated states stating stress stressed
stressing suggest suggested suggesting suggests tell telling tells testified testifies testify testifying told tweet
tweeted tweeting tweets urge urged urges urging vow vowed vowing vows warn warned warning warns whisper whispered
wonder wondered write writes writing written wrote yell yelled yells
acknowledges agrees boasts chimes concedes concludes elaborates emphasises emphasizes exclaims interjects jokes joking
muses observes predicts quips retorts screams sighs stresses summarised summarized summed sums whispers wonders
advised advises affirmed affirms assert asserted asserting asserts confess confessed confesses confessing contend
contended contending contends enquired enquires gushed gushes griped grumbled inquire inquired inquires marveled
marvelled marvels mentioned opined opines posited posits queried reckoned reckons scoffed scoffs surmised texted
remember remembered remembering remembers emailed emails e-mailed messaged snapped fumed chided thundered vented
""".split())
"""Word forms that attribute speech (no lemmatizer runs, so forms are listed)."""

TAG_VERBS = frozenset("allows allowed offers offered shares shared encourages encouraged reminds reminded".split())
"""Verbs that report speech only in a tag right after the quotation ('“…,” he allows', '“…,” Kelce shared')."""

REPORTED_CLAUSE_VERBS = frozenset("said says added adds wrote writes recalled recalls noted notes claimed claims"
                                  .split())
"""Verbs a reported clause follows without "that" ("Boyd said his doctor told him")."""

SPEAKER_TYPES = frozenset({EntityType.PERSON, EntityType.ORGANIZATION, EntityType.NORP, EntityType.LOCATION})
GROUP_TYPES = frozenset({EntityType.ORGANIZATION, EntityType.NORP, EntityType.LOCATION})
"""Types that speak as an institution ("the Taliban said", "the UK has urged")."""

PERSON_PRONOUNS = {"he": "m", "she": "f"}
GROUP_PRONOUNS = frozenset({"they", "it"})
OTHER_PRONOUNS = frozenset({"i", "we", "you", "who", "this", "these", "those", "someone", "somebody", "everyone",
                            "nobody", "one", "both", "many", "some", "others", "all"})
PRONOUNS = frozenset(PERSON_PRONOUNS) | GROUP_PRONOUNS | OTHER_PRONOUNS
POSSESSIVES = {"his": "he", "her": "she", "their": "they", "its": "it"}

REPRESENTATIVE_NOUNS = frozenset("""
spokesman spokeswoman spokesperson spokesmen spokeswomen spokespeople representative representatives official
officials statement statements release commander commanders
""".split())
"""Who speaks for an organisation: an unnamed one is credited to the organisation it names."""
SPOKESPERSONS = frozenset({"spokesman", "spokeswoman", "spokesperson", "representative", "official"})
"""Role nouns of one person speaking for an institution."""

PERSON_ROLE_NOUNS = frozenset("""
minister president leader chief officer envoy ambassador adviser advisor aide diplomat governor senator mayor
secretary chairman chairwoman chair ceo founder director executive manager head coach captain player star
actor actress singer guitarist musician drummer rapper host judge lawyer attorney prosecutor doctor physician
surgeon professor researcher scientist author writer editor economist strategist prince princess king queen
duke duchess royal general colonel sergeant lieutenant congressman congresswoman lawmaker legislator
councillor councilman councilwoman premier chancellor pope bishop cleric imam rabbi priest negotiator counsel
superintendent sheriff commissioner inspector detective pilot administrator deputy vice-president investor
""".split()) | REPRESENTATIVE_NOUNS
"""Role nouns that describe one person ("the governor", "the actor", "China's ambassador to Britain")."""

GENERIC_ROLE_NOUNS = REPRESENTATIVE_NOUNS | frozenset("leader head chief star player politician lawmaker".split())
"""Role nouns that any office holder may be called ("the official added" of an acting president)."""
PAST_WORDS = frozenset("former ex- ex onetime one-time then-".split())
"""Words that make a role a past one ("the former general": not the office a person holds now)."""

ANONYMOUS_NOUNS = frozenset("""
source sources witness witnesses user users resident residents man woman men women boy girl people person
expert experts analyst analysts insider insiders observer observers critic critics fan fans neighbour neighbor
neighbours neighbors friend friends relative relatives mother father son daughter brother sister wife husband
aunt uncle cousin nephew niece grandmother grandfather grandson granddaughter stepfather stepmother partner
officer officers agent agents member members employee employees worker workers student students parent parents
victim victims protester protesters activist activists voter voters viewer viewers reader readers customer
customers patient patients doctors scientists researchers lawyers individuals someone commenter commenters
poster posters blogger bloggers netizen netizens censor censors
""".split())
"""Role nouns that, without a name, name nobody ("a source", "one legal expert", "officers")."""

GROUP_ROLE_NOUNS = frozenset("""
company firm group agency ministry department office government administration military army navy police court
committee commission council board bank band team club union party organisation organization coalition network
label studio publisher website campaign authority authorities institute university school hospital foundation
charity regulator airline carrier maker retailer brokerage outlet newspaper broadcaster channel network
carmaker automaker insurer lender manufacturer supplier operator developer chain conglomerate startup start-up
""".split())
DOCUMENT_NOUNS = frozenset("""
statement release post tweet letter report study paper survey memo email message filing complaint lawsuit
plan document ruling order decision bill law notice guidance poll analysis article book website page note text
policy rule rules agreement contract deal proposal draft indictment affidavit transcript summary review forecast
""".split())
"""What "says" for its author ("the statement said", "the affidavit stated")."""
PUBLISHING_VERBS = frozenset("""published publishes released releases issued issues produced filed wrote delivered
delivers prepared unveiled provided provides sent sends posted posts emailed gave gives put""".split())
"""Verbs whose subject made the document they take ("Kotak published a report")."""
MAX_AUTHOR_GAP = 7
"""Most words from a document's noun to the "by" or "from" that names its maker ("a report released on Monday by")."""
STATEMENT_NOUNS = frozenset("statement release post tweet letter memo email message note text".split())
"""Documents in which their author speaks ("the statement said"): the last speaker credited, else the text's
subject. Other documents (an affidavit, a report, a study) speak for whoever the text says made them, and
for nobody when it does not say."""

ROLE_HEADS = PERSON_ROLE_NOUNS | ANONYMOUS_NOUNS | GROUP_ROLE_NOUNS | DOCUMENT_NOUNS

FEMALE_WORDS = frozenset("""
mrs ms miss madam madame dame lady queen princess duchess spokeswoman chairwoman congresswoman councilwoman
actress businesswoman sister mother daughter wife aunt grandmother niece widow girlfriend woman girl she her hers
herself
""".split())
MALE_WORDS = frozenset("""
mr sir lord king prince duke spokesman chairman congressman councilman businessman brother father son husband
uncle grandfather nephew widower boyfriend man boy he him his himself
""".split())


ADDRESSING_VERBS = frozenset({"told", "tells", "tell", "telling", "asked", "asks", "ask", "asking"})
"""Speech verbs whose object is the one spoken to ("…, told reporters"): never a speaker after them."""


def _word_gender(word: str) -> str | None:
    """"f" or "m" where a word fixes its person's gender ("spokeswoman", "the mother"), else None."""
    return "f" if word in FEMALE_WORDS else "m" if word in MALE_WORDS else None

ABBREVIATIONS = {"gov": "governor", "sen": "senator", "rep": "representative", "gen": "general",
                 "lt": "lieutenant", "col": "colonel", "sgt": "sergeant", "capt": "captain", "dr": "doctor",
                 "prof": "professor", "pres": "president", "atty": "attorney", "supt": "superintendent",
                 "vice-president": "president", "vp": "president"}

DETERMINERS = frozenset({"the", "a", "an", "one", "another", "this", "that", "these", "those", "his", "her",
                         "their", "its", "our", "some", "two", "three", "several", "many", "other", "each"})
DEFINITE = frozenset({"the", "this", "that", "these", "those"})
INDEFINITE = frozenset({"a", "an", "one", "another"})
POST_PREPOSITIONS = frozenset({"of", "for", "at", "from", "in", "to", "with", "on", "by"})
"""Prepositions that attach a name to a role noun before it ("a spokesperson for X")."""
PARTY_MEMBERS = frozenset("republican democrat conservative tory liberal socialist communist libertarian".split())
"""Words naming one member of a party ("the California Republican said")."""
PARTY_ADJECTIVES = PARTY_MEMBERS | {"democratic"}
"""Party words that describe a person, not the party's organisation ("a Republican official")."""
MAX_AFFILIATION = 20
"""Most tokens from a speaker's name to the speech verb after their affiliation ("Wray Grimaldi of the University of
Otago in Dunedin, New Zealand, said")."""
FUNCTION_WORDS = frozenset("""
the a an and or but of for at from in to with on by as that which who whom whose this these those is are was were
be been being has have had will would can could may might must shall should do does did not no it its he she they
we i you his her their our my your him them us me if when while after before because since although though than
then so also about into over under after during without within against between through
""".split())
ADVERBS = frozenset("""
also later then previously again further first once recently earlier separately quickly repeatedly still
already simply just now often always never even reportedly allegedly initially finally subsequently instead
has have had will would could can may might does did do is was were had've ’d 'd ’ll 'll ’ve 've
""".split())
"""Words between a subject and its speech verb ("Noem later tweeted", "he has said")."""
CLAUSE_OPENERS = frozenset("""
and but so yet then while as because that when after before if although though since whereas where however
meanwhile still now instead also which who whom what with
""".split())
SUBORDINATE_OPENERS = frozenset("if when while although though because since before after once unless until whereas as"
                                .split())
"""Openers of a fronted subordinate clause, whose verbs are not the sentence's ("If Trump read it, Schwartz …")."""
FRONTING = frozenset("""
in on at after during following when while although though because as since before earlier later last this
for with without despite amid under upon once speaking writing asked according if unless until whereas
""".split())
"""First words of a fronted phrase that ends at a comma ("In a video message sent to the BBC, Saleh said")."""
TIME_AFTER_WORDS = frozenset("later earlier ago afterward afterwards".split())
"""Last words of a fronted time phrase that has no preposition ("Hours later,", "Two days earlier,")."""
TITLE_WORDS = frozenset("""
former deputy senior acting interim vice executive general assistant associate co-founder founding veteran
longtime then current lead principal managing press foreign defence defense interior finance state national
""".split())
"""Words of a title before a name besides role nouns ("former Vice-President", "senior vp", "lead author")."""
AUXILIARIES = frozenset("will would can could may might must shall should is are was were have has had do does did"
                        .split())
NOT_NAME_LABELS = ("DATE", "TIME", "CARDINAL", "ORDINAL", "MONEY", "PERCENT", "QUANTITY")
"""The model's labels of words that are no name."""
CALENDAR_WORDS = frozenset("""
monday tuesday wednesday thursday friday saturday sunday january february september october november december
""".split())
"""Days and months that are no one's name (not May, June or August)."""
COMPOUND_MODIFIERS = frozenset("based born bred raised educated trained owned backed funded led".split())
"""Second halves of hyphenated words before a title ("London-based analyst", "Iranian-born writer")."""
MAX_DESCRIPTOR = 3
"""Most lower-case words describing a person between a place or organisation and the name ("gallery owner")."""
PLACE_PREPOSITIONS = frozenset("in at from near inside outside".split())
"""Prepositions of a description that places someone ("the rebel in Zawiya"): a person the text introduces."""
NAME_DASHES = frozenset({"—", "–", "-", "--", "―"})

NAMED = 0.95
"""Confidence of a speaker named where the text credits the quotation ("Smith said")."""
TITLED = 0.85
"""A role that identifies one entity of the text ("the governor", "a Taliban spokesman")."""
TOPIC = 0.85
"""A pronoun for the person the text is about."""
RECENT = 0.75
"""Read from context: the last person or organisation in focus, a description, a continued quotation."""
WEAK = 0.5
"""A candidate the text does not confirm: kept as a hint, never named."""
STALE_TOPIC = 5
"""Sentences after which the person in focus yields to someone named since ("she" after a new person)."""


def _party_word(mention: Mention) -> bool:
    """Whether a mention is a party word that describes a person ("Republican"), not the party's organisation."""
    return mention.name.lower() in PARTY_ADJECTIVES


def _party(mention: Mention) -> bool:
    """Whether a mention names a political party or describes its member ("GOP", "Labour Party", "Democratic")."""
    return _party_word(mention) or mention.canonical.endswith(" Party")


@dataclass(frozen=True)
class Phrase:
    """A noun phrase that may name a speaker: tokens [start, end), what kind, and what it contains."""

    kind: str
    """"mention", "pronoun", "role", "name" or "plural" ("Dale and Martha")."""
    start: int
    end: int
    mention: Mention | None = None
    head: str = ""
    determiner: str = ""
    modifiers: tuple[Mention, ...] = ()
    """Names modifying a role noun: "Taliban spokesman", "a spokesperson for the Foreign Office"."""
    possessor: Mention | None = None
    """The name a role belongs to: "China's ambassador", "Carlineo's attorney"."""


@dataclass(frozen=True)
class Referent:
    """Who a phrase refers to: a canonical speaker (when clear), how sure, how the text named them."""

    speaker: str | None
    confidence: float
    phrase: str | None = None
    """The words used when they are not the name itself ("a Taliban spokesman", "the governor")."""
    hint: str | None = None
    """When `speaker` is None: the likeliest candidate, or the description the text gives."""
    type: EntityType | None = None

    @property
    def candidate(self) -> str | None:
        return self.speaker or self.hint

    def at_most(self, confidence: float) -> Referent:
        """The same referent, no surer than `confidence`."""
        return replace(self, confidence=min(self.confidence, confidence))


NOBODY = Referent(None, 0.0)


@dataclass
class _Sentence:
    start: int
    end: int
    subject: Phrase | None = None
    speaker: Phrase | None = None
    """The subject of its first speech verb ("This system, says Richard Locksley, helps …")."""
    topic_person: Referent | None = None
    """The person the text is about just before this sentence (its subject's referent carried forward)."""
    topic_person_since: int = -1
    """The sentence that last made `topic_person` its subject."""
    topic_group: Referent | None = None
    topic_group_since: int = -1


class Referents:
    """Tokens, mentions and sentences of one document, and the resolution of phrases to its entities."""

    def __init__(self, doc: Doc, entities: DocumentEntities, quoted: list[tuple[int, int]]) -> None:
        self.doc = doc
        self.text = doc.text
        self.entities = entities
        strings = doc.vocab.strings
        values = doc.to_array([LOWER, ORTH, IDX, ENT_TYPE]).tolist()  # no Token objects: the document is read once
        self.words = [strings[lower] for lower, _, _, _ in values]
        self.texts = [strings[orth] for _, orth, _, _ in values]
        self.starts = [idx for _, _, idx, _ in values]
        for i in range(1, len(self.words)):  # "Collins' spokeswoman": the possessive "'s" of a name ending in s
            if self.words[i] in ("'", "’") and self.words[i - 1].endswith("s") and self.texts[i - 1][:1].isupper() \
                    and self.starts[i] == self.starts[i - 1] + len(self.texts[i - 1]):
                self.words[i] = "’s"
        norp = strings["NORP"] if "NORP" in strings else -1
        self.nationality = [kind == norp for _, _, _, kind in values]
        """Tokens the model tags as a nationality or group ("Israeli", "French"): no entity, but they name whose
        institution a role is ("the Israeli military")."""
        not_names = {strings[label] for label in NOT_NAME_LABELS if label in strings}
        self.not_name = [kind in not_names or word in CALENDAR_WORDS
                         for word, (_, _, _, kind) in zip(self.words, values)]
        """Tokens of a date, time or number, as the model tags them or by the word ("Earlier Saturday"): never a
        speaker's name."""
        for ent in doc.ents:  # "said Valdez, who …" tagged DATE: one capitalised word inside a sentence is a name
            if len(ent) == 1 and ent.label_ in ("DATE", "TIME") and ent.text.istitle() and ent.text.isalpha() \
                    and not ent[0].is_sent_start and self.words[ent.start] not in CALENDAR_WORDS:
                self.not_name[ent.start] = False
        self.lowercase_words = {w for w, t in zip(self.words, self.texts) if t == w}
        n = len(self.words)
        self.mention: list[Mention | None] = [None] * n
        for mention in entities.mentions:
            span = doc.char_span(mention.start, mention.end, alignment_mode="expand")
            if span is not None and mention.canonical_type in SPEAKER_TYPES:
                for i in range(span.start, span.end):
                    self.mention[i] = mention
            if span is not None:  # a word of a name is no speech verb ("United States", "Simon Says")
                for i in range(span.start, span.end):
                    if self.words[i] in SPEECH_VERBS and not self.texts[i].islower():
                        self.words[i] = self.texts[i]
        self.quoted = [False] * n
        for start, end in quoted:
            span = doc.char_span(start, end, alignment_mode="expand")
            if span is not None:
                for i in range(span.start, span.end):
                    self.quoted[i] = True
        self.spans = list(doc.sents)
        self.sentences = [_Sentence(s.start, s.end) for s in self.spans]
        self.sentence_of = [0] * n
        for k, sentence in enumerate(self.sentences):
            for i in range(sentence.start, sentence.end):
                self.sentence_of[i] = k
        self._track_topics()

    # --- phrases ---

    def mention_bounds(self, i: int) -> tuple[int, int]:
        """Token range of the mention covering token i."""
        mention, start, end = self.mention[i], i, i + 1
        while start > 0 and self.mention[start - 1] is mention:
            start -= 1
        while end < len(self.words) and self.mention[end] is mention:
            end += 1
        return start, end

    def phrase_text(self, phrase: Phrase) -> str:
        text = " ".join(self.doc[phrase.start:phrase.end].text.split())
        return re.sub(r"^(?:the|a|an)\s+", "", text, flags=re.I)

    def is_pronoun(self, i: int) -> bool:
        word = self.words[i]
        return word in PRONOUNS and self.texts[i] in (word, word.capitalize()) and not self.quoted[i]

    def _opens_role(self, k: int) -> bool:
        """Whether a role description starts at token k: its role noun within the first lower-case words ("spokesman
        for", "vice president of", "an analyst at")."""
        for t in range(k, min(k + 4, len(self.words))):
            if self.words[t] in ROLE_HEADS:
                return True
            if not self.texts[t].islower():
                return False
        return False

    def _name_before(self, j: int) -> bool:
        """Whether a person's name (or a name the tagger left untyped) ends right before token j."""
        mention = self.mention[j - 1] if j > 0 else None
        return j > 0 and (mention.canonical_type is EntityType.PERSON if mention is not None
                          else self._is_name_word(j - 1))

    def _is_name_word(self, i: int) -> bool:
        word = self.texts[i]
        return (word[:1].isupper() and any(c.isalpha() for c in word) and not self.quoted[i]
                and (self.words[i] not in FUNCTION_WORDS or (word.isupper() and len(word) > 1)))

    def _is_title_word(self, i: int) -> bool:
        """A word of a title before a name: "chairman", "CEO", "Secretary", "former", "Taliban" ("’s" too)."""
        word = self.words[i]
        return not self.quoted[i] and (word in ROLE_HEADS or word in TITLE_WORDS or word in ABBREVIATIONS
                                       or self.mention[i] is not None or self._is_name_word(i)
                                       or word in ("’s", "'s"))

    def _title_start(self, start: int, lo: int) -> int:
        """Where the title written before a name (or role) at `start` begins: "chairman, CEO and president Craig
        Menear", "Secretary of State Mike Pompeo", "the former president"."""
        k = start
        while k - 1 >= lo and start - k < 10:
            t = k - 1
            if self._is_title_word(t):
                k = t
            elif self.words[t] in ("and", "&", ",", "of", "for") and t - 1 >= lo and self._is_title_word(t - 1) \
                    and (self.words[t] in ("of", "for") or (self.words[k] in ROLE_HEADS | TITLE_WORDS
                                                           and self.mention[k] is None)) \
                    and (self.words[t] not in ("of", "for") or self._is_name_word(t - 1) and self._is_name_word(k)):
                k = t
            else:
                break
        while k - 3 >= lo and self.texts[k - 2] in ("-", "–") and self.words[k - 1] in COMPOUND_MODIFIERS:
            k -= 3  # "Pakistan-based developer Ammar Askar"
        if k - 1 >= lo and self.words[k - 1] in DETERMINERS:
            k -= 1
        return k

    def phrase_ending(self, j: int, lo: int) -> Phrase | None:
        """The noun phrase that ends at token j (not before token `lo`), or None when j ends none we read."""
        if j < lo or self.quoted[j]:
            return None
        if self.is_pronoun(j):
            return Phrase("pronoun", j, j + 1, head=self.words[j])
        if self.mention[j] is not None:
            start, end = self.mention_bounds(j)
            if end != j + 1:
                return None
            start = max(start, lo)
            p = start - 1
            if p >= lo and self.words[p] in DETERMINERS:
                p -= 1
            if p >= lo and self.words[p] in POST_PREPOSITIONS:  # "a spokesperson for (the) X"
                head = self.phrase_ending(p - 1, lo)
                if head is not None and head.kind == "role":
                    return Phrase("role", head.start, end, head=head.head, determiner=head.determiner,
                                  modifiers=(*head.modifiers, self.mention[j]), possessor=head.possessor)
                return None  # "the daughter of X"
            if p >= lo and self.words[p] in ("’s", "'s"):
                return None  # "Omar's office"
            return Phrase("mention", self._title_start(start, lo), end, mention=self.mention[j])
        word = self.words[j]
        if word in ROLE_HEADS or self._description_head(j, lo):
            return self._role_ending(j, lo)
        if self._is_name_word(j):
            start = j
            while start - 1 >= lo and (self._is_name_word(start - 1) or self.words[start - 1] in ("of", "for")
                                       and start - 2 >= lo and self._is_name_word(start - 2)):
                start -= 1  # "The United Nations High Commissioner for Human Rights"
            if start - 1 >= lo and self.words[start - 1] in DETERMINERS:
                start -= 1
            return Phrase("name", start, j + 1, head=self.texts[j])
        return None

    def _description_head(self, j: int, lo: int) -> bool:
        """Whether token j ends a definite description of a person the text introduced ("the Ohio native",
        "the 43-year-old"): a lowercase head after "the" and at most four modifiers."""
        text = self.texts[j]
        if not (text.isalpha() and text.islower()) or text in FUNCTION_WORDS or text in SPEECH_VERBS:
            return False
        k = j - 1
        while k >= lo and j - k <= 5 and self.words[k] != "the":
            if not (self.mention[k] is not None or self.texts[k] in ("-", "’s", "'s") or self.texts[k][:1].isdigit()
                    or (self.texts[k].isalpha() and self.words[k] not in FUNCTION_WORDS)):
                return False
            k -= 1
        return k >= lo and self.words[k] == "the" and j - k >= 1

    def _role_ending(self, j: int, lo: int) -> Phrase:
        """A role noun and what comes before it: "a Taliban spokesman", "China's ambassador", "the singer and
        guitarist", "the French foreign ministry"."""
        k, modifiers, possessor, determiner = j - 1, [], None, ""
        while k >= lo and j - k <= 10:
            word = self.words[k]
            if self.quoted[k]:  # the “Pose” actor
                start = k
                while start - 1 >= lo and self.quoted[start - 1]:
                    start -= 1
                if k - start > 5:
                    break
                k = start - 1
                continue
            if word in DETERMINERS:
                determiner = word
                k -= 1
                break
            if word in ("’s", "'s"):
                if k > lo and self.mention[k - 1] is not None:
                    possessor = self.mention[k - 1]
                    k = self.mention_bounds(k - 1)[0] - 1
                else:
                    k -= 1
                continue
            if self.mention[k] is not None:
                modifiers.append(self.mention[k])
                k = self.mention_bounds(k)[0] - 1
                continue
            if word == "and" and k - 1 >= lo and self.words[k - 1] in ROLE_HEADS:  # "the singer and guitarist"
                k -= 1
                continue
            if (word.isalpha() and word not in FUNCTION_WORDS and word not in SPEECH_VERBS) or "-" in word \
                    or word[:1].isdigit():
                k -= 1
                continue
            break
        return Phrase("role", k + 1, j + 1, head=self.words[j], determiner=determiner,
                      modifiers=tuple(reversed(modifiers)), possessor=possessor)

    def _with_post_modifier(self, phrase: Phrase, hi: int) -> Phrase:
        """A role followed by "for/of/at X": "a spokesperson for the British Foreign Office"."""
        after = phrase.end
        if phrase.kind != "role" or after + 1 >= hi or self.words[after] not in POST_PREPOSITIONS:
            return phrase
        m = next((t for t in range(after + 1, min(after + 4, hi)) if self.mention[t] is not None), None)
        if m is None or any(self.words[t] not in DETERMINERS for t in range(after + 1, m)):
            return phrase
        return Phrase("role", phrase.start, self.mention_bounds(m)[1], head=phrase.head,
                      determiner=phrase.determiner, modifiers=(*phrase.modifiers, self.mention[m]),
                      possessor=phrase.possessor)

    def _naming_apposition(self, start: int, end: int, lo: int) -> Phrase | None:
        """Tokens [start, end) as the name of a description that opens the clause before them ("The company that
        runs the awards, Dick Clark Productions,", "Epstein's neighbor in both Florida and New York, Donald
        Trump,"): one mention, or a person's name with the title written before it ("The host, council board member
        Nicole Lederer,")."""
        if start < end and self.words[start] in DETERMINERS:
            start += 1
        if start >= end or self.mention[end - 1] is None:
            return None
        first, last = self.mention_bounds(end - 1)
        mention = self.mention[end - 1]
        if last != end or first < start or mention.canonical_type not in SPEAKER_TYPES:
            return None
        if first > start and (mention.canonical_type is not EntityType.PERSON or not self._title_words(start, first)):
            return None
        comma = start - 1 if self.texts[start - 1] == "," else start - 2
        heads = [comma - 1]
        heads += [r - 1 for r in range(max(lo, comma - 10), comma)
                  if self.words[r] in ("that", "which", "who") or self.words[r] in POST_PREPOSITIONS]
        for head in heads:
            phrase = self.phrase_ending(head, lo) if head >= lo else None
            if phrase is not None and phrase.kind == "role" and self._clause_starts_at(phrase.start, lo):
                described = self.phrase_ending(phrase.start - 2, lo) \
                    if phrase.start - 2 >= lo and self.texts[phrase.start - 1] == "," else None
                if described is not None and described.mention is not None \
                        and described.mention.canonical_type is EntityType.PERSON:
                    return None  # the description is a person's: "Prince Andrew, the brother of the heir, Charles,"
                return Phrase("mention", first, end, mention=mention)
        return None

    def named_after(self, comma: int, hi: int) -> Phrase | None:
        """The person a description is named as in the apposition after its comma, the title written before the
        name ("said the panel's top Democrat, Rep. Tom Lantos of California"), else None."""
        t = comma + 1
        while t < min(hi, comma + 6) and self.mention[t] is None and (self._is_title_word(t) or self.texts[t] == "."):
            t += 1
        if t < hi and self.mention[t] is not None and self.mention[t].canonical_type is EntityType.PERSON:
            return Phrase("mention", t, self.mention_bounds(t)[1], mention=self.mention[t])
        return None

    def _title_words(self, start: int, end: int) -> bool:
        """Whether tokens [start, end) are a title written before a name: names, title words and other words that
        are no function word or verb form ("National Resources Defense Council board member", "Rear Admiral")."""
        return end - start <= 8 and all(
            self._is_title_word(t) or (self.texts[t].isalpha() and self.words[t] not in FUNCTION_WORDS
                                       and self.words[t] not in SPEECH_VERBS and not self._verb_like(t))
            for t in range(start, end))

    def subject_left(self, verb: int, lo: int) -> Phrase | None:
        """The subject of a speech verb written right before it ("Morrison, Vindman's superior, said",
        "Noem later tweeted", "a spokesperson for X reiterated"); None when that is not what precedes it."""
        j = verb - 1
        while j >= lo and (self.words[j] in ADVERBS or (self.texts[j].endswith("ly") and self.texts[j].isalpha()
                                                        and self.texts[j].islower())):
            j -= 1
        if j < lo:
            return None
        who = next((t for t in range(j, max(lo - 1, j - 6), -1) if self.words[t] == "who"), None)
        if who is not None and who - 2 >= lo and self.texts[who - 1] == "," and all(
                self.texts[t].isalpha() and self.texts[t].islower() and self.words[t] not in PRONOUNS
                for t in range(who + 1, j + 1)):  # (not "Obama, who he noted was")
            # "Maria Costa, who called it", "Beck, who has in the past described Trump as “…”"
            phrase = self.phrase_ending(who - 2, lo)
            return phrase if phrase is not None and phrase.kind in ("mention", "role", "name") else None
        if self.texts[j] in (",", ")"):  # past an apposition (or several: "X, the brother of the heir, Y, said")
            for k in self._apposition_starts(j, lo):
                named = self._naming_apposition(k + 2, j, lo)
                if named is not None:  # "The company that runs the AMAs, Dick Clark Productions, denies"
                    return named
                phrase = self._subject_ending(k, lo)
                if phrase is not None:
                    return phrase
            return None
        phrase = self._subject_ending(j, lo)
        if phrase is not None and phrase.kind == "mention" and phrase.start > lo and self.words[phrase.start - 1] == \
                "and" and self.words[verb] + "s" in SPEECH_VERBS:  # "Allen, who led the study, and Lord write": the
            return Phrase("plural", phrase.start, phrase.end, mention=phrase.mention)  # verb agrees with two
        return phrase

    def _apposition_starts(self, j: int, lo: int) -> list[int]:
        """From a comma or closing bracket at j: the tokens just before each earlier comma (or the opening
        bracket) that could end the subject, nearest first."""
        if self.texts[j] == ")":
            k = next((t for t in range(j - 1, max(lo - 1, j - 12), -1) if self.texts[t] == "("), None)
            return [k - 1] if k is not None and k > lo else []
        found = []
        for t in range(j - 1, max(lo - 1, j - 30), -1):
            if self.quoted[t] or self.texts[t] in (".", ";", ":") or "\n" in self.texts[t]:
                break
            if self.texts[t] == "," and t > lo and t < j - 1:
                found.append(t - 1)
        return found

    def _subject_ending(self, j: int, lo: int) -> Phrase | None:
        """A subject phrase ending at token j that starts a clause (two joined by "and" are plural)."""
        phrase = self.phrase_ending(j, lo)
        if phrase is None or self.not_name[phrase.end - 1]:
            return None  # "Earlier Saturday, Yoon apologized …, saying": a date, not a subject
        if phrase.start - 2 >= lo and self.texts[phrase.start - 1] in ("-", "–") \
                and self.texts[phrase.start - 2] in ("R", "D", "I"):
            return None  # "Sen. Kay Bailey Hutchison, R-Texas, who …, said": a party and state, not a subject
        if phrase.start - 2 >= lo and self.words[phrase.start - 1] == "and":  # "he and his wife Kali explained"
            other = self.phrase_ending(phrase.start - 2, lo)
            if other is not None and self._clause_starts_at(other.start, lo):
                return Phrase("plural", other.start, phrase.end, mention=phrase.mention or other.mention)
        if not self._clause_starts_at(phrase.start, lo):
            start = self._description_start(phrase, lo)
            if start is None:
                return None
            phrase = Phrase(phrase.kind, start, phrase.end, mention=phrase.mention, head=phrase.head)
        return phrase

    def _description_start(self, phrase: Phrase, lo: int) -> int | None:
        """Where a name's lower-case description begins, when a clause starts there ("where realtor Shaun
        Ghulam said"): up to three words that are no function word, verb form or speech verb."""
        if phrase.kind != "mention":
            return None
        k = phrase.start
        while k - 1 >= lo and phrase.start - k < 3:
            word = self.texts[k - 1]
            if not (word.isalpha() and word.islower()) or word in FUNCTION_WORDS or word in SPEECH_VERBS \
                    or word.endswith(("ing", "ed")):
                break
            k -= 1
        return k if k < phrase.start and self._clause_starts_at(k, lo) else None

    def _clause_starts_at(self, i: int, lo: int) -> bool:
        if i <= lo:
            return True
        before = self.texts[i - 1]
        return (before in (",", ":", ";", "(", "—", "–", "-", "--", "”", "“", '"', "’", "‘") or before.isspace()
                or self.words[i - 1] in CLAUSE_OPENERS or self.sentence_of[i - 1] != self.sentence_of[i]
                or self.words[i - 1] in REPORTED_CLAUSE_VERBS)  # "Boyd said his doctor told him"

    @staticmethod
    def _describes(mention: Mention) -> bool:
        """Whether a mention is a word describing a person, not someone of its own: "Republican", "Afghan"."""
        return mention.canonical_type is EntityType.NORP or _party_word(mention)

    def _described_person(self, k: int, hi: int) -> int | None:
        """Where a person's name starts after a place or organisation and a few lower-case words describing the
        person ("New York gallery owner James Lally", "Google engineer Jeff Dean", "Tinseltown awards guru Tom
        O'Neil"), else None."""
        last, t = None, k
        while t < min(hi, k + MAX_DESCRIPTOR + 3):
            if self.mention[t] is not None and self._describes(self.mention[t]):
                last, t = self.words[t], self.mention_bounds(t)[1]  # "Florida-based Republican strategist Al Cardenas"
                continue
            if self.mention[t] is not None:
                return t if last is not None and self.mention[t].canonical_type is EntityType.PERSON else None
            if last is not None and self.words[t] in ABBREVIATIONS and t + 1 < hi and self.texts[t + 1] == ".":
                t += 2  # "SOA commandant Col. Glenn R. Weidner": a rank between the description and the name
                continue
            word = self.texts[t]
            if not (word.isalpha() and word.islower()) or word in FUNCTION_WORDS or word in SPEECH_VERBS \
                    or word.endswith(("ed", "ing")) or t - k > MAX_DESCRIPTOR:
                return None
            last, t = word.lower(), t + 1
        return None

    def phrase_starting(self, i: int, hi: int) -> Phrase | None:
        """The noun phrase that starts at token i, as subjects after a verb or at a sentence start are written:
        "Beth Meacham", "veteran industry analyst Ken Doctor", "the actor", "WHO", "China's ambassador to
        Britain", "White House Press Secretary Stephanie Grisham"."""
        if i >= hi or self.quoted[i]:
            return None
        if self.is_pronoun(i):
            return Phrase("pronoun", i, i + 1, head=self.words[i])
        k = i + (self.words[i] in DETERMINERS)
        while k < hi and k - i < 10 and self.mention[k] is None and self._modifier(k, first=k == i):
            k += 1  # "veteran industry analyst", "Early retiree and self-made millionaire"
        head, possessive = None, False
        while k < hi and k - i < 14:
            word = self.words[k]
            possessive = possessive and word not in ROLE_HEADS and self.mention[k] is None
            if self.quoted[k]:  # the “Pose” actor
                end = k
                while end < hi and self.quoted[end]:
                    end += 1
                if end - k > 6:
                    break
                k = end
            elif self.mention[k] is not None:
                k = self.mention_bounds(k)[1]
                head = k - 1
                if self.mention[head].canonical_type is not EntityType.PERSON:
                    compound = k + 1 < hi and self.texts[k] in ("-", "–") and self.texts[k + 1].islower()
                    k = self._described_person(k + 2 * compound, hi) or k  # "New York gallery owner James Lally",
                    # "Florida-based Republican strategist Al Cardenas"
            elif word in ROLE_HEADS:
                head, k = k, k + 1
            elif head is not None and word in ("’s", "'s"):
                possessive, k = True, k + 1
            elif self._is_name_word(k) and word not in SPEECH_VERBS:
                head, k = k, k + 1
                if k < hi and not self._is_name_word(k):  # "Transnet pipelines executive Russell Bradbrooke"
                    k = self._described_person(k, hi) or k
            elif word in ("of", "for", "to") and head is not None and self._is_name_word(head) and not (
                    self.mention[head] is not None and self.mention[head].canonical_type is EntityType.PERSON) \
                    and (name := k + 1 + (k + 1 < hi and self.words[k + 1] == "the")) < hi \
                    and self._is_name_word(name) and (word != "to" or self.words[head] in ROLE_HEADS):
                k = name  # "Secretary of State", "High Commissioner for Human Rights", "Ambassador to the U.N."
            elif word in ("of", "for") and head is not None and self.words[head] in ROLE_HEADS and k + 2 < hi \
                    and self.texts[k + 1].isalpha() and self.texts[k + 1].islower() \
                    and self.words[k + 1] not in DETERMINERS and self.mention[k + 2] is not None \
                    and self.mention[k + 2].canonical_type is EntityType.PERSON:
                k += 2  # "chief of staff John Kelly", "secretary of state Mike Pompeo"
            elif word == "and" and head is not None and k + 1 < hi and self.words[k + 1] in ROLE_HEADS:
                k += 1
            elif word == "and" and head is not None and self.words[head] in ROLE_HEADS \
                    and (person := self._person_after_roles(k + 1, hi)) is not None:
                k = person  # "former Massachusetts governor and Republican presidential candidate Mitt Romney"
            elif word in TITLE_WORDS and head is not None and k + 1 < hi:  # "study lead author Lucas Paganini"
                k += 1
            elif word == "co" and head is not None and k + 2 < hi and self.texts[k + 1] == "-":
                k += 2  # "study co-author Dr. James Whitaker"
            elif word in ("-", "–") and head is not None and k + 2 < hi and self.texts[k + 1].isalpha():
                k += 2 if self.texts[k + 2] in ("-", "–") else 1  # "Reuters Editor-in-Chief Alessandra Galloni"
            elif word == "." and head is not None and self.words[head] in ABBREVIATIONS and k + 1 < hi \
                    and self._is_name_word(k + 1):
                k += 1  # "military spokesperson Lt. Gen. Ahmed Sharif Chaudhry" ("Lt" "." as two tokens)
            else:
                break
        if head is None or possessive:  # "the NYAG’s questions"
            return None
        if self.mention[head] is not None and self.mention[head].canonical_type is not EntityType.PERSON \
                and head + 1 < hi and self._description_head(head + 1, i):  # "the Ohio native"
            return self._role_ending(head + 1, i)
        end, last = head + 1, self.mention[head]
        if end + 1 < hi and self.words[end] == "and" and self.mention[end + 1] is not None:  # "X and Y argued"
            return Phrase("plural", i, self.mention_bounds(end + 1)[1], mention=last or self.mention[end + 1])
        if last is not None:
            return Phrase("mention", i, end, mention=last)
        if self.words[head] in ROLE_HEADS:
            if end < hi and self.texts[end] == ",":  # "The group, WeWorkers Coalition, formed …"
                close = next((t for t in range(end + 1, min(hi, end + 10)) if self.texts[t] == ","), None)
                named = self._naming_apposition(end + 1, close, i) if close is not None else None
                if named is not None:
                    return named
            phrase = self._role_ending(head, i)
            return self._with_post_modifier(phrase, hi)
        if self.words[i] in ("one", "a", "an", "some", "another", "two", "several"):
            return None  # "one Weibo commenter": not a name
        return Phrase("name", i, end, head=self.texts[head])

    def _person_after_roles(self, k: int, hi: int) -> int | None:
        """The first token of the person's name that role words, lowercase modifiers and other names from token k
        lead to ("Republican presidential candidate Mitt Romney")."""
        for t in range(k, min(hi, k + 6)):
            mention = self.mention[t]
            if mention is not None and mention.canonical_type is EntityType.PERSON:
                return t
            if self.quoted[t] or not (mention is not None or self.words[t] in ROLE_HEADS
                                      or self.texts[t].isalpha() and self.texts[t].islower()):
                return None
        return None

    def _modifier(self, k: int, *, first: bool) -> bool:
        """A word before the head of a noun phrase: lowercase ("veteran", "self-made", "and" between two such), or
        a capitalised first word of a sentence followed by a lowercase one ("Early retiree")."""
        word, text, n = self.words[k], self.texts[k], len(self.words)
        following = self.texts[k + 1] if k + 1 < n else ""
        if word in ROLE_HEADS or word in SPEECH_VERBS or self.quoted[k]:
            return False
        if word in ("and", "-"):  # "retiree and self-made millionaire", "the 14th-ranked"; never first ('” and
            # protect Social Security')
            return not first and following.islower() and following.replace("-", "").isalpha() and (
                word == "and" or (k > 0 and (self.texts[k - 1].islower() or self.texts[k - 1][:1].isdigit())))
        if word in FUNCTION_WORDS:
            return False
        if text.islower() and text.replace("-", "").isalpha():
            return True
        if text[:1].isdigit() and k + 1 < n and self.texts[k + 1] not in (",", ".", ";", ":", ")"):
            return True  # "the 14th-ranked Schwartzman", "a 2018 survey", "the 43-year-old"
        if not first or not text.istitle() or word not in self.lowercase_words:
            return False  # "Early retiree" ("early" is written in lowercase elsewhere), not "Sabatier encourages"
        starts_sentence = k == 0 or self.sentence_of[k] != self.sentence_of[k - 1]
        return starts_sentence and following.islower() and following.replace("-", "").isalpha()

    def sentence_subject(self, k: int) -> Phrase | None:
        """The subject a sentence opens with, past a leading conjunction, a fronted phrase up to its comma, or a
        leading quotation and its tag ("“…,” he said")."""
        sentence = self.sentences[k]
        i, end = sentence.start, sentence.end
        while i < end and (self.texts[i] in ("-", "•", "*", "–", "—") or self.texts[i].isspace()):
            i += 1
        i = self._past_dateline(i, end)
        if i < end and self.quoted[i]:
            while i < end and self.quoted[i]:
                i += 1
            while i < end and self.texts[i] in (",", ".", "”", '"'):
                i += 1
            return self._tag_subject(i, end)
        while i < end and ((self.words[i] in CLAUSE_OPENERS and self.words[i] not in FRONTING)
                           or self.texts[i] == ","):
            i += 1
        comma = next((t for t in range(i + 1, min(end, i + 5)) if self.texts[t] == ","), None)
        if comma is not None and self.words[comma - 1] in TIME_AFTER_WORDS:  # "Hours later, Trump returned …"
            i = comma + 1
        if i < end and (self.words[i] in FRONTING or self._participle(i)):
            comma = next((t for t in range(i, min(end, i + 25)) if self.texts[t] == "," and not self.quoted[t]), None)
            if comma is None:  # "Following … “Black Water,” Simmons teed up …"
                for t in range(i + 1, min(end, i + 25)):
                    if self.quoted[t] or not self._is_name_word(t) or self._is_name_word(t - 1):
                        continue
                    phrase = self.phrase_starting(t, end)
                    if phrase is not None and phrase.kind in ("mention", "name") and self._verb_like(phrase.end) \
                            and (phrase.kind == "name" or phrase.mention.canonical_type is EntityType.PERSON):
                        return phrase
                return None
            i = self._past_fronting(comma + 1, end)
        if i + 2 < end and self.words[i] == "it" and self.words[i + 1] in ("was", "is"):
            focus = self.phrase_starting(i + 2, end)  # "it was Katie Boulter who got the ball rolling"
            if focus is not None and focus.kind in ("mention", "name") and focus.end < end \
                    and self.words[focus.end] == "who":
                return focus
        return self.phrase_starting(i, end)

    def _past_fronting(self, i: int, end: int) -> int:
        """Where the clause goes on after a fronted phrase's comma at token i - 1, past what still belongs to the
        phrase: a year ("On July 27, 2006, he emailed"), a state after its city and another fronted phrase ("At a
        rally in Portland, Maine, on Thursday afternoon, Trump said")."""
        while i < end:
            if self.texts[i][:1].isdigit():
                comma = next((t for t in range(i, min(end, i + 3)) if self.texts[t] == ","), None)
            elif self.mention[i] is not None and self.mention[i].canonical_type is EntityType.LOCATION:
                after = self.mention_bounds(i)[1]
                comma = after if after < end and self.texts[after] == "," else None
            elif self.words[i] in FRONTING - {"as", "when", "if"}:
                comma = next((t for t in range(i + 1, min(end, i + 12)) if self.texts[t] == "," and not self.quoted[t]),
                             None)
            else:
                return i
            if comma is None:
                return i
            i = comma + 1
        return i

    def _past_dateline(self, i: int, end: int) -> int:
        """Where a sentence's own words begin after a dateline at token i ("WASHINGTON (AP) --", "NEW YORK —")."""
        if not (i < end and self.texts[i].isalpha() and self.texts[i].isupper() and len(self.texts[i]) > 1):
            return i
        bracket = False
        for t in range(i, min(end, i + 10)):
            text = self.texts[t]
            if text in ("--", "—", "–", "-") and t > i:
                return t + 1
            bracket = (bracket or text == "(") and text != ")"
            if not (bracket or text in (",", ".", ")") or (text.isalpha() and text.isupper())):
                return i
        return i

    def main_clause_start(self, k: int) -> int:
        """The first token of sentence k's main clause: after a fronted subordinate clause and its comma ("If Trump
        actually read it, Schwartz …"), else the sentence's start."""
        sentence = self.sentences[k]
        i = sentence.start
        while i < sentence.end and (self.words[i] in CLAUSE_OPENERS - SUBORDINATE_OPENERS or not self.texts[i].strip()):
            i += 1
        if i >= sentence.end or self.words[i] not in SUBORDINATE_OPENERS:
            return sentence.start
        comma = next((t for t in range(i + 1, min(sentence.end, i + 25)) if self.texts[t] == ","
                      and not self.quoted[t]), None)
        return comma + 1 if comma is not None else sentence.start

    def _participle(self, i: int) -> bool:
        """Whether token i opens a sentence with a participle phrase ("Looking ahead to next year's elections,
        Hawley …", "Pressed on the point, she …"), not a name ("Fielding said")."""
        text, n = self.texts[i], len(self.words)
        return (len(text) > 4 and text.istitle() and text.endswith(("ing", "ed")) and self.mention[i] is None
                and i + 1 < n and self.texts[i + 1].islower() and self.words[i + 1] not in SPEECH_VERBS
                and not self._verb_like(i + 1))

    def _verb_like(self, i: int) -> bool:
        """Whether token i reads as a finite verb ("teased", "says", "retired"), past an apposition in dashes."""
        n = len(self.words)
        if i < n and self.texts[i] in ("—", "–", "--"):
            close = next((t for t in range(i + 1, min(n, i + 15)) if self.texts[t] == self.texts[i]), None)
            i = close + 1 if close is not None else i
        if i >= n:
            return False
        word = self.texts[i]
        if i + 1 < n and self.words[i + 1] in AUXILIARIES:
            return False  # "Key events will be recounted": a noun before its verb
        return word.isalpha() and word.islower() and (word in SPEECH_VERBS or word.endswith(("ed", "s"))) \
            and word not in FUNCTION_WORDS

    def _speech_subject(self, k: int) -> Phrase | None:
        """The subject of the sentence's first speech verb outside quotations, before it or right after it; the
        name after "according to" ("This, according to Della, does nothing …")."""
        sentence = self.sentences[k]
        for v in range(sentence.start, sentence.end):
            word = self.words[v]
            if word == "according" and not self.quoted[v] and v + 2 < sentence.end and self.words[v + 1] == "to":
                phrase = self.phrase_starting(v + 2, sentence.end)
                if phrase is not None and phrase.kind in ("mention", "name"):
                    return phrase
            if self.quoted[v] or word not in SPEECH_VERBS or word.endswith("ing") or word == "according":
                continue
            phrase = self.subject_left(v, sentence.start)
            if phrase is None and v > sentence.start and self.texts[v - 1] in (",", "”", '"') \
                    and word not in ADDRESSING_VERBS:
                phrase = self.phrase_starting(v + 1, sentence.end)  # ", says Richard Locksley,"
                phrase = phrase if phrase is not None and phrase.kind != "pronoun" else None
            return phrase
        return None

    def _tag_subject(self, i: int, end: int) -> Phrase | None:
        """The speaker in a tag that follows a quotation: "he said", "said Smith", "Smith, a lawyer, said"."""
        if i < end and self.words[i] in SPEECH_VERBS and not self.words[i].endswith("ing"):
            phrase = self.phrase_starting(i + 1, end)
            return phrase if phrase is not None and phrase.kind != "pronoun" else None
        phrase = self.phrase_starting(i, end)
        if phrase is None:
            return None
        return phrase if self.verb_after(phrase.end, end) is not None else None

    def verb_after(self, j: int, hi: int, *, tag: bool = False) -> int | None:
        """The speech verb of a subject that ends before token j: right after it (past adverbs), or after an
        apposition between commas ("Jack Buser, director for games at Google, tells"); with `tag` (the subject of a
        tag right after a quotation), also a verb that reports speech only there ("”, he allows")."""
        while j < hi and self._adverb(j):
            j += 1
        if j < hi and (self.words[j] in SPEECH_VERBS or tag and self.words[j] in TAG_VERBS) \
                and not self.words[j].endswith("ing") and self.words[j] != "according":
            return j
        if j < hi and self.words[j] in POST_PREPOSITIONS:  # "Wray Grimaldi of the University of Otago, said"
            for v in range(j + 1, min(hi, j + MAX_AFFILIATION)):
                word, text = self.words[v], self.texts[v]
                if word in SPEECH_VERBS and not word.endswith("ing") and word != "according":
                    return v
                if self._adverb(v):  # "of Massachusetts recently said"
                    continue
                if not (text[:1].isupper() or word in POST_PREPOSITIONS or word in DETERMINERS
                        or text in (",", "’s", "'s", "&", "and", ".")) or self.quoted[v]:  # "of J.J. Lally & Co. told"
                    return None
        if j < hi and self.texts[j] in (",", "("):
            for v in range(j + 1, min(hi, j + 45)):
                if self.quoted[v] or self.texts[v] in (".", "!", "?", ";", "“") or "\n" in self.texts[v]:
                    return None
                if self.words[v] in SPEECH_VERBS and not self.words[v].endswith("ing"):
                    before = v - 1
                    while before > j and self.words[before] in ADVERBS:
                        before -= 1  # ", has written"
                    if self.texts[before] in (",", ")") or (self.texts[j] == "," and self._opens_role(j + 1)
                                                             and self._name_before(j)):
                        return v  # "Hakan Sandbladh, spokesman for the Red Cross said": its comma left out
        return None

    def _adverb(self, i: int) -> bool:
        """An adverb between a subject and its verb ("also", "recently")."""
        return self.words[i] in ADVERBS or self.texts[i].endswith("ly") and self.texts[i].islower()

    # --- what the text fixes about people ---

    @cached_property
    def genders(self) -> dict[str, str]:
        """Canonical person name -> "m" or "f", where titles, gendered role words or agreeing pronouns fix it."""
        votes: dict[str, Counter[str]] = {}
        for k, sentence in enumerate(self.sentences):
            persons = {self.mention[i].canonical for i in range(sentence.start, sentence.end)
                       if self.mention[i] is not None and self.mention[i].canonical_type is EntityType.PERSON
                       and not self.quoted[i]}
            for i in range(sentence.start, sentence.end):
                mention = self.mention[i]
                if mention is None or mention.canonical_type is not EntityType.PERSON or \
                        (i > 0 and self.mention[i - 1] is mention):
                    continue
                for t in range(i - 1, max(sentence.start, i - 3) - 1, -1):  # "Mrs", "spokeswoman", "congressman"
                    if self.mention[t] is not None:
                        break  # not the "Mrs." of another name: "the lawyer for Mrs. Clinton, David Kendall"
                    word = self.words[t].rstrip(".")
                    if word in FEMALE_WORDS - {"she", "her", "hers", "herself", "woman", "girl"}:
                        votes.setdefault(mention.canonical, Counter())["f"] += 2
                    elif word in MALE_WORDS - {"he", "him", "his", "himself", "man", "boy"}:
                        votes.setdefault(mention.canonical, Counter())["m"] += 2
            subject = sentence.subject
            if len(persons) != 1 or subject is None or subject.kind != "mention" or subject.mention is None \
                    or subject.mention.canonical_type is not EntityType.PERSON:
                continue
            person = subject.mention.canonical
            following = range(subject.end, sentence.end)
            if k + 1 < len(self.sentences):
                after = self.sentences[k + 1]
                if not any(self.mention[i] is not None for i in range(after.start, after.end) if not self.quoted[i]):
                    following = [*following, *range(after.start, after.end)]
            for i in following:  # not "him" or "her" as an object: "Lorenz gave her a manual" is someone else
                if self.quoted[i]:
                    continue
                if self.words[i] in ("he", "his", "himself"):
                    votes.setdefault(person, Counter())["m"] += 1
                elif self.words[i] in ("she", "hers", "herself") or self.words[i] == "her" and self._possessive(i):
                    votes.setdefault(person, Counter())["f"] += 1
        for name in {m.canonical for m in self.entities.mentions if m.canonical_type is EntityType.PERSON}:
            gender = given_name_genders().get(name.split()[0]) if " " in name else None
            if gender is not None:  # "Tom Hill and his wife, Ann Hill": outweighs a pronoun nearby, not a title
                votes.setdefault(name, Counter())[gender] += 3
        return {name: c.most_common(1)[0][0] for name, c in votes.items()
                if len(c) == 1 or c.most_common(2)[0][1] >= 3 * c.most_common(2)[1][1]}

    def _possessive(self, i: int) -> bool:
        """Whether "her" at token i is a possessive ("lost her job"), not an object ("gave her a manual")."""
        following = self.words[i + 1] if i + 1 < len(self.words) else ""
        return following.isalpha() and following not in DETERMINERS | POST_PREPOSITIONS | FUNCTION_WORDS

    @cached_property
    def titles(self) -> dict[str, set[str]]:
        """Canonical person name -> role words it is introduced with (before the name, in its mention, or in
        an apposition after it)."""
        roles: dict[str, set[str]] = {}
        n = len(self.words)
        for mention in self.entities.mentions:
            if mention.canonical_type is not EntityType.PERSON:
                continue
            span = self.doc.char_span(mention.start, mention.end, alignment_mode="expand")
            if span is None:
                continue
            words = {w.lower().rstrip(".") for w in mention.surface.split()} | set(mention.canonical.lower().split())
            i = span.start - 1
            while i >= 0 and span.start - i <= 6 and (self.words[i].rstrip(".").isalpha() or "-" in self.words[i]
                                                      or self.words[i] in ("’s", "'s")) \
                    and self.sentence_of[i] == self.sentence_of[span.start]:
                words.add(self.words[i].rstrip("."))
                i -= 1
            if span.end < n and self.texts[span.end] == ",":  # "Jack Buser, director for games at Google,"
                for t in range(span.end + 1, min(n, span.end + 12)):
                    if self.texts[t] in (",", ".", ";", ":") or self.quoted[t]:
                        break
                    words.add(self.words[t])
            if span.end + 1 < n and self.words[span.end] == "of":  # "Sen. Rand Paul of Kentucky"
                for t in range(span.end + 1, min(n, span.end + 4)):
                    if not self.texts[t][:1].isupper() or self.quoted[t]:
                        break
                    words.add(self.words[t])
            if span.start >= 2 and self.texts[span.start - 1] == ",":  # "China's ambassador to Britain, Liu"
                for t in range(span.start - 2, max(-1, span.start - 10), -1):
                    if self.texts[t] in (",", ".", ";", ":") or self.quoted[t]:
                        break
                    words.add(self.words[t])
            roles.setdefault(mention.canonical, set()).update(ABBREVIATIONS.get(w, w) for w in words)
        return roles

    def _track_topics(self) -> None:
        """Each sentence's subject, and the person and group the text is about before it."""
        for k, sentence in enumerate(self.sentences):
            sentence.subject = self.sentence_subject(k)
            sentence.speaker = self._speech_subject(k)
        person: Referent | None = None
        group: Referent | None = None
        since = group_since = -1
        for k, sentence in enumerate(self.sentences):
            sentence.topic_person, sentence.topic_group = person, group
            sentence.topic_person_since, sentence.topic_group_since = since, group_since
            about = sentence.speaker or sentence.subject
            if about is None:
                continue
            referent = self.resolve(about, k)
            if referent.type is EntityType.LOCATION and about.end + 1 < len(self.words) and \
                    self.words[about.end + (self.texts[about.end] in (",", "—", "–"))] == "who":
                person = Referent(None, WEAK, hint=referent.speaker)  # "Tommy — who …": a person the model typed a place
                continue
            if about.kind == "plural":
                person = Referent(None, WEAK, hint=referent.hint)  # "X and Y argued … he said": either
                continue
            if referent.speaker is None and about.kind == "name" and self._verb_like(about.end):
                person = Referent(None, WEAK, hint=referent.hint)  # "Tommy — who … — retired": someone unknown
                continue
            if referent.speaker is None or referent.confidence < TOPIC:
                continue
            if referent.type is EntityType.PERSON:
                person, since = referent, k
            elif referent.type in (EntityType.ORGANIZATION, EntityType.NORP):
                group, group_since = referent, k

    # --- resolution ---

    def _named(self, mention: Mention, confidence: float = NAMED, phrase: str | None = None) -> Referent:
        if mention.canonical_type is EntityType.PERSON and " " not in mention.name \
                and self._shared_surnames[mention.name.lower()] > 1 and not self._usual(mention):
            # "Parata" beside Hori and Robert Parata (but "Biden" beside Hunter Biden is Joe Biden); a surname the
            # entities gave to its main bearer ("Ailes" of Roger Ailes beside Elizabeth Ailes) names them less surely
            if self._main_bearers.get(mention.name.lower()) == mention.canonical:
                return Referent(mention.canonical, min(confidence, RECENT), phrase=phrase, type=EntityType.PERSON)
            bearers = self._bearers_of_gender(mention)
            if bearers == [mention.canonical]:  # "Mrs. Clinton" beside Bill Clinton
                return Referent(mention.canonical, confidence, phrase=phrase, type=EntityType.PERSON)
            if len(bearers) == 1 and mention.canonical == mention.name:  # "Clinton said … She said" beside Bill
                return Referent(bearers[0], min(confidence, RECENT), phrase=phrase, type=EntityType.PERSON)
            return Referent(None, WEAK, hint=mention.canonical, type=mention.canonical_type)
        return Referent(mention.canonical, confidence, phrase=phrase, type=mention.canonical_type)

    def _bearers_of_gender(self, mention: Mention) -> list[str]:
        """The document's full names with this bare surname whose given name does not contradict the title written
        before it ("Mrs. Clinton": Hillary Rodham Clinton, not Bill Clinton) or, for a surname no full name took,
        the pronouns the text gives it ("Clinton said … She said"); none without either."""
        gender = mention.title_gender or (self.genders.get(mention.canonical) if mention.canonical == mention.name
                                          else None)
        if gender is None:
            return []
        names = {m.canonical for m in self.entities.mentions if " " in m.canonical
                 and m.canonical.split()[-1].lower() == mention.name.lower()}
        return sorted(n for n in names if given_name_genders().get(n.split()[0], gender) == gender)

    @staticmethod
    def _usual(mention: Mention) -> bool:
        """Whether the gazetteer knows the person a bare surname usually means, and it is this mention's."""
        known = gazetteer().people_by_surname.get(gazetteer_key(mention.name))
        return known is not None and known.name == mention.canonical

    def _described_topic(self, k: int, head: str, phrase: Phrase) -> str | None:
        """The person a definite description in a tag names ('”, said the actor'): the person in focus, unless the
        text gave them another office ("Mayor Bill de Blasio" is not "the Republican presidential candidate"); then
        the person the text is mostly about, if it gave them no other office either."""
        topic = self.sentences[k].topic_person
        if topic is None or not topic.speaker or re.search(r"[^su]s$", head):  # "the lawmakers wrote": several
            return None
        main = self._main_person
        if head in GENERIC_ROLE_NOUNS or any(self.words[t] in PAST_WORDS for t in range(phrase.start, phrase.end)) \
                or topic.speaker == main or not self._other_office(topic.speaker, head):
            return topic.speaker  # "the official added", "the former general said", the one the text is about
        return main if main is not None and not self._other_office(main, head) else None

    def _other_office(self, name: str, head: str) -> bool:
        """Whether the text introduced a person with an office, none of them `head`."""
        roles = self.titles.get(name, set())
        return head not in roles and bool(roles & (PERSON_ROLE_NOUNS - GENERIC_ROLE_NOUNS))

    @cached_property
    def _main_person(self) -> str | None:
        """The person the text names at least twice as often as anyone else, if any."""
        counts = Counter(m.canonical for m in self.entities.mentions if m.canonical_type is EntityType.PERSON)
        top = counts.most_common(2)
        return top[0][0] if top and (len(top) == 1 or top[0][1] >= 2 * top[1][1]) else None

    @cached_property
    def _main_bearers(self) -> dict[str, str | None]:
        """Each surname's `main_bearer` among the names the text writes in full with it."""
        written: dict[str, Counter[str]] = {}
        for m in self.entities.mentions:
            if " " in m.name:
                written.setdefault(m.name.split()[-1].lower(), Counter())[m.canonical] += 1
        relatives = {m.canonical for m in self.entities.mentions if m.relative}
        return {surname: main_bearer(names, relatives) for surname, names in written.items()}

    @cached_property
    def _shared_surnames(self) -> Counter[str]:
        """How many of the document's names of two words or more end with each word."""
        names = {m.canonical for m in self.entities.mentions if " " in m.canonical}
        return Counter(name.split()[-1].lower() for name in names)

    def _person(self, name: str | None, confidence: float, phrase: str | None = None) -> Referent:
        return Referent(name, confidence, phrase=phrase, type=EntityType.PERSON)

    def _persons_before(self, i: int, sentences: int = 3, *, objects: bool = True) -> list[Mention]:
        """Distinct persons mentioned outside quotations in the last `sentences` sentences before token i, nearest
        first; possessives ("McDonald's cameo") after the others; without `objects`, none after a preposition
        ("chats with Epstein")."""
        first = self.sentences[max(0, self.sentence_of[min(i, len(self.words) - 1)] - sentences)].start
        found: list[tuple[bool, int, Mention]] = []
        seen: set[str] = set()
        for t in range(i - 1, first - 1, -1):
            mention = self.mention[t]
            if mention is None or self.quoted[t] or mention.canonical_type is not EntityType.PERSON \
                    or mention.canonical in seen or (t + 1 < i and self.mention[t + 1] is mention):
                continue
            start = self._title_start(self.mention_bounds(t)[0], first)  # "from (the) Lord Alli"
            if not objects and start > 0 and self.words[start - 1] in POST_PREPOSITIONS | {"by", "about", "against"}:
                continue
            seen.add(mention.canonical)
            found.append((t + 1 < len(self.words) and self.words[t + 1] in ("’s", "'s"), len(found), mention))
        return [m for _, _, m in sorted(found, key=lambda f: (f[0], f[1]))]

    def compatible(self, name: str | None, gender: str | None) -> bool:
        return name is not None and (gender is None or self.genders.get(name, gender) == gender)

    def resolve(self, phrase: Phrase, k: int, recent: Referent | None = None, *, tag: bool = False) -> Referent:
        """Who `phrase` (in sentence k) refers to; `recent` is the last speaker credited before it; `tag`: the
        phrase is the subject of a tag right after a quotation, where a description ("the Ohio native") is of
        the person the text is about."""
        if phrase.kind == "mention" and phrase.mention is not None:
            if self._one_of(phrase):
                return Referent(None, WEAK, hint=self.phrase_text(phrase))  # "an Iowa Republican": someone unnamed
            if self._member_described(phrase):  # "Rep. Ed Royce, …, the California Republican said": the person
                nearby = self._persons_before(phrase.start, 1)
                if nearby:
                    return self._person(nearby[0].canonical, RECENT, phrase=self.phrase_text(phrase))
                return Referent(None, WEAK, hint=self.phrase_text(phrase))
            confidence = NAMED if phrase.mention.canonical_type is not EntityType.LOCATION else TITLED
            return self._named(phrase.mention, confidence)
        if phrase.kind == "pronoun":
            return self._pronoun(phrase, k, recent)
        if phrase.kind == "name":
            return self._name(phrase)
        if phrase.kind == "plural":  # several speakers: none of them alone
            return Referent(None, WEAK, hint=phrase.mention.canonical if phrase.mention else self.phrase_text(phrase))
        if phrase.end - phrase.start == 1 and self.texts[phrase.start][:1].isupper():
            named = self._name(phrase)
            if named.type is EntityType.PERSON:  # "says Doctor" of Ken Doctor: a surname, not a role
                return named
        return self._role(phrase, k, recent, tag)

    def _one_of(self, phrase: Phrase) -> bool:
        """Whether a name is read as one member of a group: "a Democrat", "one Nevada Democrat", "an American",
        "another commonwealth Democrat"."""
        group = phrase.mention is not None and phrase.mention.canonical_type in GROUP_TYPES
        return self._article_before(phrase, lower_case=group) in INDEFINITE

    def _member_described(self, phrase: Phrase) -> bool:
        """Whether a party member's word, with "the", describes one person: "the California Republican", "the
        Democrat" (not "the Taliban")."""
        return self.words[phrase.end - 1] in PARTY_MEMBERS and self._article_before(phrase) == "the"

    def _article_before(self, phrase: Phrase, *, lower_case: bool = False) -> str | None:
        """The article before a name and at most three capitalised (with `lower_case`, also lower-case) words in
        front of it ("a Colorado Democrat", "another commonwealth Democrat", "an anonymous Florida House
        Republican"), outside quotation marks."""
        start = self.mention_bounds(phrase.end - 1)[0]
        k = start - 1
        while k >= 0 and start - k <= 3 and self.words[k] not in INDEFINITE | DEFINITE and (
                self.texts[k][:1].isupper()
                or lower_case and self.texts[k].isalpha() and self.words[k] not in FUNCTION_WORDS):
            k -= 1
        return self.words[k] if k >= 0 and not self.quoted[k] else None

    def _name(self, phrase: Phrase) -> Referent:
        """A capitalised name the model did not tag: a short form of a person of the text; a longer name as
        written ("United Nations High Commissioner for Human Rights"); else a hint."""
        words = [t for t in self.doc[phrase.start:phrase.end] if t.lower_ not in DETERMINERS]
        while len(words) > 1 and not words[0].text[:1].isupper():
            words = words[1:]  # "the 14th-ranked Schwartzman": the name
        text = " ".join(t.text for t in words)
        if not words or self.not_name[words[-1].i]:
            return Referent(None, WEAK, hint=text or None)
        if words[-1].lower_ in OFFICE_ADJECTIVES:  # "said Democratic Presidential candidate Sen. Cory Booker"
            person = next((self.mention[t] for t in range(phrase.end, min(len(self.words), phrase.end + 5))
                           if self.mention[t] is not None and self.mention[t].canonical_type is EntityType.PERSON),
                          None)
            return self._named(person, TITLED) if person is not None else Referent(None, WEAK, hint=text)
        key = text.lower()
        named = {m.canonical: m for m in self.entities.mentions if m.name.lower() == key}
        if len(named) == 1 and next(iter(named.values())).canonical_type in SPEAKER_TYPES:
            return self._named(next(iter(named.values())), TITLED)  # "WeWork" where the model tagged it elsewhere
        person = self.entities.person_named(text)
        if person:
            return self._person(person, TITLED)
        if len(words) == 1 and gazetteer().given_name(text) and not text.isupper():
            return self._person(text, RECENT)  # "said Jared, an undergraduate": a person named by first name only
        if len(words) == 1 and not text.isupper() and gazetteer().people_by_surname.get(gazetteer_key(text)):
            return self._person(text, TITLED)  # "Trump tweeted" where the model tagged no "Trump"
        if len(words) == 1:  # "United said" of United Airlines, not "Trump" of "the Trump Administration"
            organizations = {m.canonical for m in self.entities.mentions if m.canonical_type is
                             EntityType.ORGANIZATION and m.canonical.split()[0] == text and " " in m.canonical
                             and m.canonical.split()[-1].lower() not in PERSON_LED}
            if len(organizations) == 1:
                return Referent(organizations.pop(), TITLED, type=EntityType.ORGANIZATION)
        if (sum(1 for t in words if t.text[:1].isupper()) >= 2 and len(words) <= 8 and not text.isupper()) or \
                (len(words) == 1 and text.isupper() and text.isalpha() and len(text) >= 2):
            return Referent(text, RECENT, type=EntityType.ORGANIZATION)  # "… for Human Rights said", "says WHO"
        return Referent(None, WEAK, hint=text)

    def _pronoun(self, phrase: Phrase, k: int, recent: Referent | None) -> Referent:
        """`_antecedent`, unless it is the person the sentence tells or asks something ("”, he told Hannity"): then
        the only other person of the pronoun's gender named nearby, else nobody."""
        referent = self._antecedent(phrase, k, recent)
        told = self._told(phrase.end, len(self.words))
        if referent.speaker is None or referent.type is not EntityType.PERSON or told is None \
                or told.canonical != referent.speaker:
            return referent
        others = list(dict.fromkeys(m.canonical for m in self._persons_before(phrase.start, 8)
                                    if m.canonical != referent.speaker
                                    and self.compatible(m.canonical, PERSON_PRONOUNS[phrase.head])))
        if len(others) == 1:  # "Hannity asked Trump how high … “…,” he told Hannity"
            return self._person(others[0], TOPIC)
        return Referent(None, WEAK, hint=others[0] if others else referent.speaker)

    def _antecedent(self, phrase: Phrase, k: int, recent: Referent | None) -> Referent:
        """He or she: the subject of the sentence so far, else the person the text is about, else the only
        person nearby; it or they: the organisation the text is about."""
        sentence, word = self.sentences[k], phrase.head
        if word in GROUP_PRONOUNS:
            group = sentence.topic_group
            if word == "it" and recent is not None and recent.type in GROUP_TYPES:
                group = recent
            if group is not None and (sentence.topic_person is None or word == "it"
                                      or sentence.topic_group_since > sentence.topic_person_since
                                      or self._more_recent(group, sentence.topic_person, phrase.start)):
                return Referent(group.speaker, RECENT, type=group.type)
            return Referent(None, 0.0, hint=group.speaker if group else None)
        if word not in PERSON_PRONOUNS:
            return NOBODY
        gender = PERSON_PRONOUNS[word]
        representative = self._representative_before(phrase.start, k, gender)
        if representative is not None:
            return representative
        subject = sentence.subject
        if subject is not None and subject.end <= phrase.start and subject.kind in ("mention", "name", "role"):
            own = self.resolve(subject, k, recent)  # "Carlineo was arrested for a call in which he said"
            if own.type is EntityType.PERSON and own.confidence >= RECENT and self.compatible(own.speaker, gender):
                return self._person(own.speaker, TOPIC)
        between = list(dict.fromkeys(m.canonical for m in self._persons_before(phrase.start, 0, objects=False)
                                     if self.compatible(m.canonical, gender)))
        if len(between) == 1:  # "When Ashraf Ghani announced the exchange, he said …"
            return self._person(between[0], TOPIC)
        if len(between) > 1:
            return Referent(None, WEAK, hint=between[0])
        topic = sentence.topic_person
        if topic is not None and topic.speaker is None:  # the text is about someone it does not name clearly,
            pair = self.sentences[k - 1].subject if k else None  # unless "she" picks one of a pair the sentence
            if pair is not None and pair.kind == "plural":  # before opens with ("Kevin Moore and Sarah Patel")
                named = {self.mention[t].canonical for t in range(pair.start, pair.end) if self.mention[t] is not None
                         and self.mention[t].canonical_type is EntityType.PERSON}
                agreeing = [name for name in named if self.genders.get(name) == gender]
                if len(agreeing) == 1 and all(name in self.genders for name in named):
                    return self._person(agreeing[0], RECENT)
            return Referent(None, WEAK, hint=topic.hint)
        nearby = [m.canonical for m in self._persons_before(phrase.start) if self.compatible(m.canonical, gender)]
        if topic is not None and self.compatible(topic.speaker, gender) and k - sentence.topic_person_since > \
                STALE_TOPIC and nearby and topic.speaker not in nearby:
            # the person in focus was last the subject long ago, and someone else has been named since: that one
            # when named alone and not only as an object or possessor, else nobody
            actors = {m.canonical for m in self._persons_before(phrase.start, objects=False)}
            if len(set(nearby)) == 1 and nearby[0] in actors and not self._possessive_only(nearby[0], phrase.start):
                return self._person(nearby[0], RECENT)
            return Referent(None, WEAK, hint=nearby[0])
        if topic is not None and self.compatible(topic.speaker, gender):
            return self._person(topic.speaker, TOPIC)
        if recent is not None and recent.type is EntityType.PERSON and self.compatible(recent.speaker, gender) \
                and (not nearby or nearby[0] == recent.speaker):
            return self._person(recent.speaker, TOPIC)
        if nearby:  # the only person named nearby, unless only as a verb's object ("he emailed Gaiman … he wrote")
            return self._person(nearby[0], RECENT) if len(set(nearby)) == 1 and not self._object_only(
                nearby[0], phrase.start) else Referent(None, WEAK, hint=nearby[0])
        return NOBODY

    def _representative_before(self, before: int, k: int, gender: str | None) -> Referent | None:
        """The institution whose spokesperson the subject of sentence k (before token `before`), else of the
        sentence before it, is, when no person is named since and the pronoun's gender fits the role ('a
        spokeswoman for the union said … \n\n “…,” she said')."""
        for j in (k, k - 1):
            about = self.sentences[j].speaker or self.sentences[j].subject if j >= 0 else None
            if about is None or about.end > before or about.kind != "role" \
                    or about.head not in SPOKESPERSONS:
                continue
            role = _word_gender(about.head)
            if role and gender and role != gender or any(
                    self.mention[t] is not None and not self.quoted[t]
                    and self.mention[t].canonical_type is EntityType.PERSON for t in range(about.end, before)):
                return None
            referent = self.resolve(about, j)
            if referent.speaker and referent.type in GROUP_TYPES:
                return Referent(referent.speaker, RECENT, phrase=self.phrase_text(about), type=referent.type)
            return None
        return None

    def _named_at(self, name: str, before: int) -> list[tuple[int, int]]:
        """Token ranges of the mentions of `name` outside quotations in the last three sentences before token
        `before`."""
        first = self.sentences[max(0, self.sentence_of[min(before, len(self.words) - 1)] - 3)].start
        return [self.mention_bounds(t) for t in range(first, before) if self.mention[t] is not None
                and not self.quoted[t] and self.mention[t].canonical == name
                and (t == first or self.mention[t - 1] is not self.mention[t])]

    def _possessive_only(self, name: str, before: int) -> bool:
        """Whether the last three sentences before token `before` name `name` only as a possessor ("Ford’s
        work")."""
        return all(end < len(self.words) and self.words[end] in ("’s", "'s")
                   for _, end in self._named_at(name, before))

    def _object_only(self, name: str, before: int) -> bool:
        """Whether the last three sentences before token `before` name `name` only right after a verb or
        "including" ("he emailed Gaiman", "friends, including Gaiman")."""
        return all(start > 0 and (self.words[start - 1] == "including" or self._verb_like(start - 1))
                   for start, _ in self._named_at(name, before))

    def _more_recent(self, group: Referent, person: Referent, before: int) -> bool:
        """Whether `group` was mentioned after `person`, before token `before`."""
        for t in range(before - 1, -1, -1):
            mention = self.mention[t]
            if mention is not None and not self.quoted[t]:
                if mention.canonical == group.speaker:
                    return True
                if mention.canonical == person.speaker:
                    return False
        return False

    def _role(self, phrase: Phrase, k: int, recent: Referent | None, tag: bool = False) -> Referent:
        head, text = phrase.head, self.phrase_text(phrase)
        named = [m for m in (*phrase.modifiers, phrase.possessor) if m is not None]
        groups = [m for m in named if m.canonical_type in GROUP_TYPES
                  and not _party_word(m)]  # "a Republican official" is no party's official
        persons = [m for m in named if m.canonical_type is EntityType.PERSON]
        words = {self.words[t] for t in range(phrase.start, phrase.end)}
        institution = words & GROUP_ROLE_NOUNS
        if head in DOCUMENT_NOUNS and not named:
            author = self._document_author(head, phrase)
            if author is not None:  # "The report, released by the World Bank on Monday, warned"
                return author
        if head in DOCUMENT_NOUNS and not named and head not in STATEMENT_NOUNS:  # "the affidavit stated"
            return Referent(None, 0.0, hint=text)
        if head in DOCUMENT_NOUNS and not named:  # "the statement said": its author, the last to speak
            sentence = self.sentences[k]
            author = next((r for r in (recent, sentence.topic_group, sentence.topic_person)
                           if r is not None and r.speaker), None)
            if author is not None:
                return Referent(author.speaker, RECENT, phrase=text, type=author.type)
            return Referent(None, 0.0, hint=text)
        if head == "official" and phrase.determiner == "one":  # "one Greek government official": one of many unnamed
            return Referent(None, 0.0, hint=text)
        if (head == "campaign" or head in REPRESENTATIVE_NOUNS and "campaign" in words) and persons and not groups:
            # "Reid's campaign hit back", "a Clinton campaign spokesman": the campaign, as the text calls it
            return Referent(f"{persons[-1].name} campaign", TITLED, phrase=text, type=EntityType.ORGANIZATION)
        if head in GROUP_ROLE_NOUNS or (head in REPRESENTATIVE_NOUNS and institution):
            if groups and all(m.canonical_type is EntityType.ORGANIZATION for m in groups):
                return self._named(groups[-1], TITLED, phrase=text)  # "the Sputnik news agency"
            if groups or any(self.nationality[t] for t in range(phrase.start, phrase.end)):
                # "the French foreign ministry", "Russia's foreign ministry", "the Israeli military": the institution
                body = re.sub(rf"\s+(?:{'|'.join(REPRESENTATIVE_NOUNS)})$", "", text)
                return Referent(body, TITLED, type=EntityType.ORGANIZATION)
            owner = self._organisation_called(institution or {head}, phrase.start)
            if owner is not None:  # "police said" after "the Austin Police Department"
                return self._named(owner, TITLED, phrase=text)
            group = self.sentences[k].topic_group
            if group is not None and (phrase.determiner in DEFINITE or head in REPRESENTATIVE_NOUNS) \
                    and not self._addressed(group.speaker, k):  # not 'a police official told The Times of India'
                return Referent(group.speaker, RECENT, phrase=text, type=group.type)  # "the company said"
            return Referent(None, 0.0, hint=text)
        if head in REPRESENTATIVE_NOUNS and groups:  # "a Taliban spokesman", "a spokesperson for X"
            employers = [m for m in groups if m.canonical_type is EntityType.ORGANIZATION]
            return self._named((employers or groups)[-1], TITLED, phrase=text)  # not "in New Delhi" of "a WHO
            # spokesperson in New Delhi"
        if head in DOCUMENT_NOUNS and named:  # "Dempsey's statement", "a study by the Centre for …"
            return self._named((persons or named)[-1], TITLED, phrase=text)
        if head in ANONYMOUS_NOUNS and not named and phrase.determiner in DEFINITE:  # "the source said"
            introduction = self._introduction(head, phrase.start)
            if introduction is None:  # not "a source …" before: someone the text named?
                titled = self._titled(head, phrase)  # "the student" after "Sara Lee, a student at …"
                if titled is not None:
                    return titled
                gender = _word_gender(head)
                topic = self.sentences[k].topic_person
                if tag and gender and topic is not None and topic.speaker and self.genders.get(topic.speaker) == gender:
                    return self._person(topic.speaker, RECENT, phrase=text)  # '”, the mother of three said'
            return Referent(None, 0.0, hint=introduction or text)
        if head in PERSON_ROLE_NOUNS:
            introduced = self._introduced_role(head, phrase.start) if phrase.determiner in DEFINITE else None
            if introduced is not None:  # "the official" after "a senior State Department official": that one
                owners = [m for m in (*introduced.modifiers, introduced.possessor) if m is not None
                          and m.canonical_type is EntityType.ORGANIZATION]
                if owners and head in REPRESENTATIVE_NOUNS:
                    return self._named(owners[-1], RECENT, phrase=text)
                return Referent(None, WEAK, hint=self.phrase_text(introduced))
            titled = self._titled(head, phrase)
            if titled is not None:
                return titled
            capitalised = [t for t in self.doc[phrase.start:phrase.end]
                           if t.text[:1].isupper() and t.lower_ not in DETERMINERS]  # not "The" opening a sentence
            if len(capitalised) >= 2 and not phrase.possessor and phrase.determiner not in INDEFINITE:
                # "The United Nations High Commissioner" (but "a former News Corp. executive" is someone unnamed)
                return Referent(text, RECENT, type=EntityType.ORGANIZATION)
            if named:
                return Referent(None, WEAK, hint=text)  # "Carlineo's attorney", "the Chinese ambassador"
            if head in REPRESENTATIVE_NOUNS and phrase.determiner not in DEFINITE:  # "with one commander telling"
                subject = self.sentences[k].subject
                if subject is not None and subject.kind == "role" and subject.start != phrase.start:
                    owner = [m for m in (*subject.modifiers, subject.possessor) if m is not None
                             and m.canonical_type in GROUP_TYPES]
                    if owner:
                        return self._named(owner[-1], RECENT, phrase=text)
                return Referent(None, WEAK, hint=text)
            if phrase.determiner in DEFINITE or phrase.determiner == "":  # "the former president added"
                gender = _word_gender(head)
                topic = self.sentences[k].topic_person
                mentioned = any(self.words[t] == head and not self.quoted[t] and {"a", "an", "one", "his", "her",
                                                                              "their", "’s", "'s"} & set(
                    self.words[max(0, t - 3):t]) for t in range(phrase.start))  # 'a lawyer for', 'his lawyer'

                described = self._described_topic(k, head, phrase)
                if described is not None and self.compatible(described, gender) and not mentioned:
                    return self._person(described, RECENT, phrase=text)  # '”, said the actor': the person
                if topic is not None and self.compatible(topic.speaker, gender):  # in focus, called by a new role;
                    return Referent(None, WEAK, hint=topic.speaker)  # 'the lawyer' after 'a lawyer for Smith': another
                nearby = [m for m in self._persons_before(phrase.start) if self.compatible(m.canonical, gender)]
                if nearby:
                    return Referent(None, WEAK, hint=nearby[0].canonical)
        if phrase.determiner in DEFINITE and not named and head not in PERSON_ROLE_NOUNS | ANONYMOUS_NOUNS:
            owner = self._organisation_called({head}, phrase.start)
            if owner is not None:  # '”, wrote the center' after "the Storm Prediction Center"
                return self._named(owner, TITLED, phrase=text)
        if tag and head not in ROLE_HEADS and phrase.determiner in DEFINITE and not any(
                self.words[t] in PLACE_PREPOSITIONS for t in range(phrase.start, phrase.end)):
            # '”, the Ohio native said' (but '”, the rebel in Zawiya said' is someone the text does not name)
            described = self._described_topic(k, head, phrase)
            if described is not None and not any(m.canonical_type is EntityType.ORGANIZATION and not _party(m)
                                                 for m in groups):  # "the GOP nominee", not "the Taliban commander"
                return self._person(described, RECENT, phrase=text)
        return Referent(None, 0.0, hint=text)

    def _document_author(self, head: str, phrase: Phrase) -> Referent | None:
        """Who made the document `phrase` names, as the text says: in its apposition ("The report, released by
        the World Bank on Monday, warned"), else where the text mentioned it before, back to where it introduced it
        ("a report from Kotak … the report said", "the WHO's report")."""
        n = len(self.words)
        for t in range(phrase.end, min(n, phrase.end + 12)):
            if self.words[t] in SPEECH_VERBS or self.texts[t] in (".", ";", "!", "?") or self.quoted[t]:
                break
            if self.words[t] in ("by", "from") and t + 1 < n:
                author = self._author_at(t + 1)
                if author is not None:
                    return self._named(author, TITLED, phrase=self.phrase_text(phrase))
        if phrase.start > 0 and self.words[phrase.start - 1] in PUBLISHING_VERBS:
            author = self._maker(phrase.start - 1)  # "The NBA issued a statement saying"
            if author is not None and author.canonical_type in (EntityType.PERSON, EntityType.ORGANIZATION):
                return self._named(author, TITLED, phrase=self.phrase_text(phrase))
        if phrase.determiner in ("a", "an"):
            return None  # a document the text has not mentioned before
        for t in range(phrase.start - 1, -1, -1):
            if self.words[t] != head or self.quoted[t]:
                continue
            made = next((u for u in range(t - 1, max(-1, t - 5), -1) if self.words[u] in PUBLISHING_VERBS), None)
            owner = t - 1  # past up to two words describing the document: "Powell's resignation letter"
            while owner > t - 3 and self.texts[owner].isalpha() and self.texts[owner].islower() \
                    and self.words[owner] not in FUNCTION_WORDS:
                owner -= 1
            if owner >= 1 and self.words[owner] in ("’s", "'s") and self.mention[owner - 1] is not None:
                author = self.mention[owner - 1]  # "the WHO's report"
            elif made is not None:  # "Analysts at Kotak published a report"
                author = self._maker(made)
            else:  # "a report by X", "a report released on Monday by X"
                author = self._author_after(t)
            if author is not None and author.canonical_type in (EntityType.PERSON, EntityType.ORGANIZATION):
                return self._named(author, RECENT, phrase=self.phrase_text(phrase))
            if self.words[t - 1] in ("a", "an"):
                return None  # where the text introduced the document, it said nothing of its author
        return None

    def _maker(self, made: int) -> Mention | None:
        """Who the subject of the publishing verb at token `made` names: the one named, else the organisation its
        description names ("Analysts at Kotak")."""
        maker = self.subject_left(made, self.sentences[self.sentence_of[made]].start)
        return maker and (maker.mention or (maker.modifiers[-1] if maker.modifiers else None))

    def _author_after(self, t: int) -> Mention | None:
        """The maker named by "by", "from" or "of" within `MAX_AUTHOR_GAP` words after the document noun at token t,
        in its clause."""
        for u in range(t + 1, min(len(self.words) - 1, t + MAX_AUTHOR_GAP)):
            if self.quoted[u] or self.texts[u] in (".", ";", ",", "!", "?"):
                return None
            if self.words[u] in ("by", "from", "of") and (author := self._author_at(u + 1)) is not None:
                return author
        return None

    def _author_at(self, i: int) -> Mention | None:
        """The person or organisation named at token i (past a determiner), or the one it owns ("Stanford
        University's Center on Poverty and Inequality")."""
        i += i < len(self.words) and self.words[i] in DETERMINERS
        mention = self.mention[i] if i < len(self.words) else None
        if mention is None or mention.canonical_type not in (EntityType.PERSON, EntityType.ORGANIZATION):
            return None
        end = self.mention_bounds(i)[1]
        if end + 1 < len(self.words) and self.words[end] in ("’s", "'s"):
            owned = self.mention[end + 1]
            if owned is not None and owned.canonical_type is EntityType.ORGANIZATION:
                return owned
        return mention

    def _organisation_called(self, nouns: set[str], before: int) -> Mention | None:
        """The one organisation named before token `before` whose name has one of `nouns` ("police" -> "Austin
        Police Department", "the university" -> "Stanford University")."""
        found = {m.canonical: m for t, m in enumerate(self.mention[:before]) if m is not None and not self.quoted[t]
                 and m.canonical_type is EntityType.ORGANIZATION and nouns & set(m.canonical.lower().split())}
        return next(iter(found.values())) if len(found) == 1 else None

    def _introduced_role(self, head: str, before: int) -> Phrase | None:
        """The role phrase with which the text last introduced someone it does not name and now calls "the
        <head>" ("a senior State Department official"), if it did."""
        for t in range(before - 1, -1, -1):
            if self.words[t] == head and not self.quoted[t]:
                phrase = self._role_ending(t, max(0, t - 10))
                if self._named_as(phrase):
                    return None  # "Sara Lee, a student at …", "the official, Tom Ames,"
                if phrase.determiner in INDEFINITE:
                    return phrase
        return None

    def _named_as(self, phrase: Phrase) -> bool:
        """Whether a role phrase is written with a person's name before or after it, or in apposition."""
        def person(t: int) -> bool:
            return 0 <= t < len(self.words) and self.mention[t] is not None \
                and self.mention[t].canonical_type is EntityType.PERSON
        start, end = phrase.start, phrase.end
        return person(end) or (end < len(self.texts) and self.texts[end] == "," and person(
            end + 1)) or (start > 1 and self.texts[start - 1] == "," and person(start - 2))

    def _addressed(self, name: str | None, k: int) -> bool:
        """Whether sentence k tells something to `name` ("… told The Times of India"): the one spoken to."""
        sentence = self.sentences[k]
        return any(not self.quoted[t] and (told := self._told(t, sentence.end)) is not None and told.canonical == name
                   for t in range(sentence.start, sentence.end - 1))

    def _told(self, t: int, end: int) -> Mention | None:
        """Whom an addressing verb at token t tells or asks something, named right after it (past a determiner)
        before token `end` ("told The Times", "he told Hannity")."""
        if t + 1 >= len(self.words) or self.words[t] not in ADDRESSING_VERBS:
            return None
        m = t + 1 + (self.words[t + 1] in DETERMINERS)
        return self.mention[m] if m < end else None

    def _introduction(self, head: str, before: int) -> str | None:
        """How the text first described someone it later calls "the <head>": "source in the interior ministry"
        for "the source", from "A source in the interior ministry told reporters …"."""
        for t in range(before - 1, -1, -1):
            if self.words[t] == head and not self.quoted[t]:
                start = t
                while start > 0 and t - start < 6 and self.words[start - 1] not in ("a", "an", "one") \
                        and self.words[start - 1] not in FUNCTION_WORDS and self.texts[start - 1].isalpha():
                    start -= 1
                if start > 0 and self.words[start - 1] in ("a", "an", "one"):
                    end = t + 1
                    while end < len(self.words) and end - t < 8 and (self.words[end] in POST_PREPOSITIONS | {"the"}
                                                                     or self._is_name_word(end)
                                                                     or self.texts[end].isalpha()
                                                                     and self.words[end] not in SPEECH_VERBS
                                                                     and self.words[end] not in FUNCTION_WORDS):
                        end += 1
                    return self.doc[start:end].text
        return None

    def _titled(self, head: str, phrase: Phrase) -> Referent | None:
        """The one person of the text introduced with this role ("the governor" -> "Gov. Kristi Noem")."""
        words = {self.words[t] for t in range(phrase.start, phrase.end)} - FUNCTION_WORDS - DETERMINERS
        words = {ABBREVIATIONS.get(w, w) for w in words if w.isalpha() or "-" in w} - PARTY_MEMBERS
        words.discard(head)  # "the Republican governor" -> "Gov. Eric Holcomb"
        matches = [name for name, roles in self.titles.items() if head in roles and words <= roles | {head}]
        if len(matches) == 1:
            return self._person(matches[0], TITLED, phrase=self.phrase_text(phrase))
        return None
