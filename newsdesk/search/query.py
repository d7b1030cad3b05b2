"""The user query language, parsed once into the backend-neutral AST of `newsdesk.search.model`.

Query language (copy into README):

    panjshir kabul            both words (adjacent clauses are AND-ed)
    "northern alliance"       an exact phrase
    taliban OR mujahideen     either word
    kabul AND NOT airport     NOT excludes; `-airport` and `-"kabul airport"` are the same
    (taliban OR isis) kabul   parentheses group
    negot*                    prefix: words starting with `negot`
    person:"Ahmad Massoud"    field search; fields: title, body (words and phrases),
                              publisher, person, organization, location, norp, event,
                              language, story_id, entity (any entity type): exact values
    location:(Kabul OR Herat) a field applies to every word of a group

Operators are uppercase (`and`, `or`, `not` are ordinary words). Precedence: NOT (and `-`)
binds tightest, then AND (explicit or implicit between adjacent clauses), then OR, so
`a b OR c` means `(a AND b) OR c`. Text words and phrases are analysed (lowercased,
stemmed) by the backend; keyword fields match the exact, case-sensitive value.

Grammar:

    query   := or
    or      := and ("OR" and)*
    and     := unary (["AND"] unary)*
    unary   := ("NOT" | "-") unary | primary
    primary := "(" or ")" | [FIELD ":"] (WORD | WORD "*" | '"' PHRASE '"' | "(" or ")")

Refused with `InvalidSearch` (message says what is wrong): unbalanced quotes or parentheses,
an operator without its operand, an unknown field, an empty prefix (`*`), a `*` that is not at the
end of a word, more than `MAX_QUERY_TERMS` words and phrases, `MAX_QUERY_PREFIXES` prefixes or
`MAX_QUERY_LENGTH` characters, nesting
deeper than `MAX_QUERY_DEPTH`, and a query that only excludes (`-kabul`). Control characters are removed and typographic quotes
read as `"`. Words made only of punctuation are ignored. Parsing is linear in the input length.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal, get_args

from newsdesk.search.model import TEXT_FIELDS, And, InvalidSearch, Not, Or, Phrase, QueryField, QueryNode, Term

MAX_QUERY_TERMS = 1024
"""Most words and phrases one query may hold."""
MAX_QUERY_LENGTH = 16_384
"""Longest query text in characters (checked before anything else, so huge input is refused at once)."""
MAX_QUERY_DEPTH = 32
"""Deepest nesting of parentheses and negations."""
MAX_QUERY_PREFIXES = 64
"""Most `prefix*` words one query may hold: each one is expanded over the term dictionary, so a prefix costs far
more than a word (1,008 one-letter prefixes took 3 s a query and slowed every other search)."""

QUERY_FIELDS: frozenset[str] = frozenset(get_args(QueryField))
_FIELD_RE = re.compile(r"([A-Za-z_]+):(.*)", re.DOTALL)
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u00ab": '"', "\u00bb": '"'})
_WHITESPACE_CONTROLS = str.maketrans({"\t": " ", "\n": " ", "\r": " ", "\v": " ", "\f": " "})

TokenKind = Literal["(", ")", "AND", "OR", "NOT", "FIELD", "WORD", "PHRASE"]


@dataclass(frozen=True, slots=True)
class _Token:
    kind: TokenKind
    text: str = ""
    pos: int = 0
    prefix: bool = False


def clean_query_text(text: str) -> str:
    """Remove control, format and surrogate characters; whitespace controls become spaces."""
    text = text.translate(_WHITESPACE_CONTROLS).translate(_QUOTES)
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))


def _searchable(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def _tokenize(text: str) -> list[_Token]:
    """Split cleaned query text into tokens in one pass; enforces the term limit early."""
    tokens: list[_Token] = []
    terms = prefixes = 0
    i, n = 0, len(text)

    def leaf(tok: _Token) -> None:
        nonlocal terms, prefixes
        terms += 1
        prefixes += tok.prefix
        if terms > MAX_QUERY_TERMS:
            raise InvalidSearch(f"query has too many terms (more than {MAX_QUERY_TERMS} words and phrases)")
        if prefixes > MAX_QUERY_PREFIXES:
            raise InvalidSearch(f"query has too many prefixes (more than {MAX_QUERY_PREFIXES} words ending in '*'); "
                                "each one matches many words: use fewer or longer ones")
        tokens.append(tok)

    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            tokens.append(_Token(ch, pos=i))  # type: ignore[arg-type]
            i += 1
        elif ch == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise InvalidSearch(f'unbalanced quote: the phrase opened at position {i + 1} is never closed')
            phrase = " ".join(text[i + 1 : end].split())
            if _searchable(phrase):
                leaf(_Token("PHRASE", phrase, i))
            elif tokens and tokens[-1].kind in ("FIELD", "NOT"):
                raise InvalidSearch(f'empty phrase at position {i + 1}: put words between the quotes')
            i = end + 1
        else:
            start = i
            while i < n and not text[i].isspace() and text[i] not in '()"':
                i += 1
            word = text[start:i]
            glued = i < n and text[i] in '("'  # the word runs straight into a quote or group
            dashes = len(word) - len(word.lstrip("-"))
            if dashes == len(word) and not glued:
                continue  # a lone dash is punctuation
            tokens.extend(_Token("NOT", "-", start + k) for k in range(dashes))
            word, start = word[dashes:], start + dashes
            if not word:
                continue
            if word in ("AND", "OR", "NOT"):
                tokens.append(_Token(word, word, start))  # type: ignore[arg-type]
                continue
            match = _FIELD_RE.fullmatch(word)
            if match and not match.group(2).startswith("//"):  # `http://...` is a word, not a field
                name, value = match.group(1).lower(), match.group(2)
                if name not in QUERY_FIELDS:
                    known = ", ".join(sorted(QUERY_FIELDS))
                    raise InvalidSearch(f"unknown field '{match.group(1)}:' at position {start + 1}; known fields: {known}")
                if not value and not glued:
                    raise InvalidSearch(f"field '{name}:' at position {start + 1} needs a value right after the colon")
                tokens.append(_Token("FIELD", name, start))
                if not value:
                    continue
                word, start = value, start + len(match.group(1)) + 1
                if name not in TEXT_FIELDS:  # exact keyword value: keep it as typed
                    leaf(_word_token(word, start, keyword=True))
                    continue
            tok = _word_token(word, start, keyword=False)
            if _searchable(tok.text):
                leaf(tok)
            elif tokens and tokens[-1].kind == "FIELD":
                raise InvalidSearch(f"field '{tokens[-1].text}:' at position {start + 1} needs a word to search for")
    return tokens


def _word_token(word: str, pos: int, *, keyword: bool) -> _Token:
    """A WORD token, with a trailing `*` turned into a prefix flag."""
    prefix = word.endswith("*")
    stem = word[:-1] if prefix else word
    if prefix and not (stem.strip("*") if keyword else _searchable(stem)):
        raise InvalidSearch(f"empty prefix at position {pos + 1}: put at least one letter or digit before '*'")
    if "*" in stem and (keyword or _searchable(stem)):
        raise InvalidSearch(f"'*' at position {pos + 1} is only supported at the end of a word (prefix*)")
    return _Token("WORD", stem, pos, prefix)


class _Parser:
    """Recursive descent over the token list; every token is consumed once."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> _Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def parse(self) -> QueryNode | None:
        if not self.tokens:
            return None
        node = self.parse_or()
        tok = self.peek()
        if tok is not None:  # only a stray ")" can stop parse_or early
            raise InvalidSearch(f"unbalanced parenthesis: ')' at position {tok.pos + 1} has no matching '('")
        return node

    def expect_operand(self, after: _Token) -> None:
        tok = self.peek()
        if tok is None or tok.kind in ("AND", "OR", ")"):
            what = "the end of the query" if tok is None else f"'{tok.kind}'"
            raise InvalidSearch(f"'{after.text}' at position {after.pos + 1} needs a term after it, found {what}")

    def parse_or(self) -> QueryNode:
        clauses = [self.parse_and()]
        while (tok := self.peek()) is not None and tok.kind == "OR":
            self.take()
            self.expect_operand(tok)
            clauses.append(self.parse_and())
        return _combine(Or, clauses)

    def parse_and(self) -> QueryNode:
        clauses = [self.parse_unary()]
        while (tok := self.peek()) is not None and tok.kind not in ("OR", ")"):
            if tok.kind == "AND":
                self.take()
                self.expect_operand(tok)
            clauses.append(self.parse_unary())
        return _combine(And, clauses)

    def parse_unary(self) -> QueryNode:
        negations = 0
        while (tok := self.peek()) is not None and tok.kind == "NOT":
            self.take()
            self.expect_operand(tok)
            negations += 1
        node = self.parse_primary()
        return Not(clause=node) if negations % 2 else node

    def parse_primary(self) -> QueryNode:
        tok = self.peek()
        if tok is None:
            raise InvalidSearch("query ends where a term was expected")
        if tok.kind in ("AND", "OR"):
            raise InvalidSearch(f"'{tok.kind}' at position {tok.pos + 1} needs a term before it")
        if tok.kind == ")":
            raise InvalidSearch(f"unbalanced parenthesis: ')' at position {tok.pos + 1} has no matching '('")
        self.take()
        if tok.kind == "WORD":
            return Term(value=tok.text, prefix=tok.prefix)
        if tok.kind == "PHRASE":
            return Phrase(value=tok.text)
        if tok.kind == "FIELD":
            nxt = self.peek()
            if nxt is None or nxt.kind not in ("WORD", "PHRASE", "("):
                raise InvalidSearch(f"field '{tok.text}:' at position {tok.pos + 1} needs a value right after the colon")
            return _with_field(self.parse_primary(), tok.text)  # type: ignore[arg-type]
        # "("
        self.depth += 1
        if self.depth > MAX_QUERY_DEPTH:
            raise InvalidSearch(f"query nests parentheses deeper than {MAX_QUERY_DEPTH} levels")
        nxt = self.peek()
        if nxt is not None and nxt.kind == ")":
            raise InvalidSearch(f"empty parentheses at position {tok.pos + 1}")
        if nxt is None:
            raise InvalidSearch(f"unbalanced parenthesis: '(' at position {tok.pos + 1} is never closed")
        node = self.parse_or()
        close = self.peek()
        if close is None or close.kind != ")":
            raise InvalidSearch(f"unbalanced parenthesis: '(' at position {tok.pos + 1} is never closed")
        self.take()
        self.depth -= 1
        return node


def _combine(kind: type[And] | type[Or], clauses: list[QueryNode]) -> QueryNode:
    """One clause as is; several flattened into one And/Or."""
    if len(clauses) == 1:
        return clauses[0]
    flat: list[QueryNode] = []
    for clause in clauses:
        flat.extend(clause.clauses if isinstance(clause, kind) else [clause])
    return kind(clauses=flat)


def _with_field(node: QueryNode, field: QueryField) -> QueryNode:
    """Give every leaf without a field of its own `field`; phrases on keyword fields become exact terms."""
    if isinstance(node, Term):
        return node if node.field else node.model_copy(update={"field": field})
    if isinstance(node, Phrase):
        if node.field:
            return node
        if field in TEXT_FIELDS:
            return node.model_copy(update={"field": field})
        return Term(value=node.value, field=field)
    if isinstance(node, Not):
        return Not(clause=_with_field(node.clause, field))
    return type(node)(clauses=[_with_field(c, field) for c in node.clauses])


def has_positive(node: QueryNode) -> bool:
    """Whether the query matches something by itself, not only by exclusion."""
    if isinstance(node, (Term, Phrase)):
        return True
    if isinstance(node, Not):
        return False
    return any(has_positive(c) for c in node.clauses)


def parse_query(text: str) -> QueryNode | None:
    """Parse user query text into the search AST; None for an empty query (match everything).

    Raises `InvalidSearch` with a message saying what is wrong for malformed input.
    """
    if len(text) > MAX_QUERY_LENGTH:
        raise InvalidSearch(f"query is too long ({len(text)} characters, at most {MAX_QUERY_LENGTH})")
    cleaned = clean_query_text(text)
    tokens = _tokenize(cleaned)
    if not tokens and cleaned.strip():
        raise InvalidSearch("query has no words to search for (only punctuation)")
    node = _Parser(tokens).parse()
    if node is not None and not has_positive(node):
        raise InvalidSearch("query only excludes (NOT / -term): add at least one word to search for")
    return node
