"""Which survey field a header means, when the column map does not spell it.

Thirty-three boroughs invent header spellings nobody put in ``refdata/survey_columns.csv``. An
exact line of the column map always wins ("map"). Any other header is normalised (case,
punctuation, camelCase, plurals, hints such as "(£)", "(1-5)", "inc VAT", "(dd/mm/yyyy)",
everyday words such as "expiry" -> end, "yearly" -> annual) and scored against every field's
synonyms in the column map: token overlap weighted by how rare a word is among the fields (so
"expiry" says more than "contract"), plus rapidfuzz for typos and run-together words. A header
is taken ("matched 0.87") only above ``THRESHOLD`` and clearly ahead of the next field; close
rivals are "ambiguous" and never guessed, so look-alikes (supplier vs manufacturer, start vs
end, annual vs total) stay apart unless the header's own words tell them apart.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache, lru_cache

from rapidfuzz import fuzz, process

from etl.extract.survey_fields import BOROUGH_FIELD, COLUMNS, FIELDS
from etl.reference import norm_key, read_table

THRESHOLD = 0.75  # a header maps to a field only at this score or above...
MARGIN = 0.1  # ...and this far ahead of the next field; closer than that it is ambiguous
FLOOR = 0.5  # below this a header is "not mapped", however close its rivals
TYPO = 86  # rapidfuzz ratio at which an unknown word is taken as a misspelt known one
SPELLING = 90  # rapidfuzz ratio at which a whole header is taken as a misspelt synonym
LONGEST = 10  # words; a longer cell is a sentence (instructions, a title), never a header

# hints: what a column holds, removed before the words are compared; a hint of a kind steers
# the header to fields of that kind
HINTS = (
    ("money", r"\b(?:inc|incl|including|inclusive of|ex|exc|excl|excluding|exclusive of|plus|net of)\.?\s*vat\b"),
    ("money", r"\(\s*£[^)]*\)|£\s*(?:k|m|000s?|'000s?)?|\bgbp\b|\bvat\b"),
    ("date", r"\b(?:dd|d)\s*[/.\-]\s*(?:mm|m)\s*[/.\-]\s*(?:yyyy|yy)\b|\bmm\s*[/.\-]\s*(?:yyyy|yy)\b"),
    ("date", r"\byyyy\s*[/.\-]\s*mm\s*[/.\-]\s*dd\b"),
    ("scale", r"\b1\s*(?:-|–|to)\s*5\b|\bout of (?:5|five)\b|/\s*5\b"),
    ("", r"\((?:optional|required|mandatory|if known|if applicable|if any|where known)\)|\*+"),
    ("", r"\((?:e\.?g\.?|i\.?e\.?|for example|see)[^)]*\)|\((?:in )?(?:months?|years?|yrs?|mths?)\)"),
)
# phrases that mean one word, then words that mean another (after plurals are dropped)
PHRASES = {
    "e mail": "email",
    "per annum": "annual",
    "per year": "annual",
    "each year": "annual",
    "p a": "annual",
    "whole life": "total",
    "whole of life": "total",
    "life time": "total",
    "value for money": "vfm",
    "tel no": "phone",
    "phone no": "phone",
    "go live": "start",
    "on prem": "premise",
}
WORDS = {
    **dict.fromkeys(("expiry", "expire", "expiring", "expiration", "ending", "ended", "finish", "until"), "end"),
    **dict.fromkeys(("commenced", "commence", "commencement", "began", "begin", "started", "starting"), "start"),
    **dict.fromkeys(("yearly", "annually", "annum", "pa", "annualised", "annualized", "recurring"), "annual"),
    **dict.fromkeys(("spend", "spending", "price", "charge", "fee", "budget"), "cost"),
    **dict.fromkeys(("lifetime", "tcv", "overall"), "total"),
    **dict.fromkeys(("telephone", "tel", "mobile"), "phone"),
    **dict.fromkeys(("manager", "mgr", "lead", "officer"), "owner"),
    **dict.fromkeys(("maker", "make", "manufactured"), "manufacturer"),
    **dict.fromkeys(("app", "solution", "platform", "package"), "system"),
    **dict.fromkeys(("hosted", "host"), "hosting"),
    **dict.fromkeys(("rating", "rank", "grade"), "score"),
    "mail": "email",
    "dept": "department",
    "onprem": "premise",
    "supporting": "support",
    "satisfied": "satisfaction",
    "confident": "confidence",
}
STOP = frozenset(
    ("the", "of", "a", "an", "for", "to", "in", "on", "at", "by", "with", "and", "or", "your", "our", "its", "their",
     "this", "that", "is", "are", "be", "if", "any", "current", "currently", "please", "enter", "give", "provide",
     "eg", "e", "g", "ie", "etc", "per", "each", "which", "what", "who", "when", "where", "how", "do", "does", "we",
     "you", "it", "as")
)  # fmt: skip
SEPARATORS = re.compile(r"[/&|+,;]|\bor\b|\band\b")  # between alternatives: "Supplier / reseller"
# words that qualify the thing a header names rather than name it ("Supplier name": a supplier)
QUALIFIERS = frozenset(("name", "date", "detail", "type", "info", "score"))
QUALIFIER_WEIGHT = 1.0  # the most such a word weighs ("Supplier details" is mostly "supplier")
GENERIC = QUALIFIERS | {"number", "no", "ref", "id", "code"}  # never a header's head word
HEAD_WEIGHT = 2.0  # the head word counts this many times: "Software supplier" is a supplier
BETA = 0.5  # precision counts more than recall: a header all of whose words are a field's is that field
NOT_MAPPED = "not mapped"
AMBIGUOUS = "ambiguous"
MAP = "map"


@dataclass(frozen=True)
class Match:
    """What a header was taken to mean, and how sure the reader is."""

    field: str | None
    how: str  # "map", "matched 0.87", "ambiguous", "not mapped"
    score: float = 0.0
    rivals: tuple[str, ...] = ()  # ambiguous: the fields it could be, best first
    guess: str | None = None  # the best field however weak, to suggest a column-map line
    taken_by: str | None = None  # ambiguous: the other header that took its field

    @property
    def exact(self) -> bool:
        return self.how == MAP


@dataclass(frozen=True)
class Words:
    """A header as compared: its meaningful words, the kinds its hints name, its head word, and
    the words of each alternative when it lists several ("Supplier / reseller")."""

    words: tuple[str, ...]
    kinds: frozenset[str] = frozenset()
    head: str | None = None  # the last word that is not generic; None when it lists alternatives
    parts: tuple[tuple[str, ...], ...] = ()


def _clean(text: object) -> tuple[str, frozenset[str]]:
    """Lower case, camelCase split, hints removed: (the text, the kinds its hints named)."""
    s = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", str(text or "")).lower()
    kinds = set()
    for kind, pattern in HINTS:
        s, n = re.subn(pattern, " ", s)
        if n and kind:
            kinds.add(kind)
    return s, frozenset(kinds)


def _tokens(text: str) -> tuple[str, ...]:
    s = f" {norm_key(text)} "
    for phrase, word in PHRASES.items():
        s = s.replace(f" {phrase} ", f" {word} ")
    out = []
    for w in s.split():
        if w in STOP:
            continue
        if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
            w = w[:-1]
        w = WORDS.get(w, w)
        if w not in out:
            out.append(w)
    return tuple(out)


def _head(tokens: tuple[str, ...]) -> str | None:
    heads = [w for w in tokens if w not in GENERIC]
    return heads[-1] if heads and len(tokens) > 1 else None


def words(text: object) -> Words:
    """A header's words as compared: "Annual cost inc VAT (£)" -> ("annual", "cost"), {"money"}, head "cost"."""
    clean, kinds = _clean(text)
    chunks = [t for t in (_tokens(c) for c in SEPARATORS.split(clean)) if t]
    tokens = _tokens(clean)
    if len(chunks) > 1:
        return Words(tokens, kinds, None, tuple(chunks))
    return Words(tokens, kinds, _head(tokens))


@dataclass(frozen=True)
class Vocabulary:
    """Every field's synonyms as word sets, with each word's weight (rarer among fields: heavier)."""

    synonyms: dict[str, tuple[frozenset[str], ...]]  # field -> its spellings' words
    weights: dict[str, float]
    kinds: dict[str, str]  # field -> kind (date, money, scale...)
    spellings: tuple[str, ...]  # every synonym's words joined, for rapidfuzz
    spelling_field: tuple[str, ...]  # the field of each of ``spellings``
    fields_of: dict[str, frozenset[str]]  # word -> the fields some synonym of which has it

    @property
    def all_words(self) -> tuple[str, ...]:
        return tuple(self.weights)

    def weight(self, word: str) -> float:
        """1 + log(fields / fields using the word); a word no field uses weighs most."""
        weight = self.weights.get(word, 1 + math.log(len(self.synonyms)))
        return min(weight, QUALIFIER_WEIGHT) if word in QUALIFIERS else weight

    def singles(self, name: str) -> frozenset[str]:
        """The words that are on their own a synonym of the field ("reseller" for supplier)."""
        return frozenset(w for s in self.synonyms[name] if len(s) == 1 for w in s)


@cache
def vocabulary() -> Vocabulary:
    """Built once from the column map (labels first, then the CSV's lines); a spelling that lists
    alternatives ("System / product") also gives each alternative."""
    pairs = [*COLUMNS.labels, *((r["field"], r["synonym"]) for r in read_table(COLUMNS.table))]
    synonyms: dict[str, list[frozenset[str]]] = {}
    spellings, owners = [], []
    for name, spelling in pairs:
        found = words(spelling)
        for tokens in (found.words, *found.parts):
            if tokens and frozenset(tokens) not in synonyms.setdefault(name, []):
                synonyms[name].append(frozenset(tokens))
                spellings.append(" ".join(sorted(tokens)))
                owners.append(name)
    fields_of: dict[str, set[str]] = {}
    for name, sets in synonyms.items():
        for w in set().union(*sets):
            fields_of.setdefault(w, set()).add(name)
    n = len(synonyms)
    weights = {w: 1 + math.log(n / len(names)) for w, names in sorted(fields_of.items())}
    kinds = {f.name: f.kind for f in FIELDS} | {BOROUGH_FIELD: "borough"}
    users = {w: frozenset(names) for w, names in fields_of.items()}
    return Vocabulary(
        {k: tuple(v) for k, v in synonyms.items()}, weights, kinds, tuple(spellings), tuple(owners), users
    )


def _known(word: str, vocab: Vocabulary) -> tuple[str, ...]:
    """A word as the vocabulary knows it: itself, a misspelling corrected, or two run-together words."""
    if word in vocab.weights or len(word) < 4 or word.isdigit():
        return (word,)
    for i in range(3, len(word) - 2):
        if word[:i] in vocab.weights and word[i:] in vocab.weights:
            return word[:i], word[i:]
    found = process.extractOne(word, vocab.all_words, scorer=fuzz.ratio, score_cutoff=TYPO)
    return (found[0],) if found else (word,)


def _synonym_score(header: Words, synonym: frozenset[str], singles: frozenset[str], vocab: Vocabulary) -> float:
    """Weighted F-beta of the header's words against one synonym's: the share of the header's
    words it has or that are on their own the field's synonyms (precision; the head word counts
    double), and the share of its words the header has (recall)."""
    shared = [w for w in header.words if w in synonym]
    if not shared:
        return 0.0

    def weight(w: str) -> float:
        return vocab.weight(w) * (HEAD_WEIGHT if w == header.head else 1)

    explained = sum(weight(w) for w in header.words if w in synonym or w in singles)
    precision = explained / sum(weight(w) for w in header.words)
    recall = sum(vocab.weight(w) for w in shared) / sum(vocab.weight(w) for w in synonym)
    return (1 + BETA**2) * precision * recall / (BETA**2 * precision + recall)


def _scored(header: Words, vocab: Vocabulary) -> dict[str, float]:
    """Each field's score for the header's words (misspellings corrected), best first, zeros left out."""
    known = tuple(dict.fromkeys(k for w in header.words for k in _known(w, vocab)))
    if not known or len(known) > LONGEST:
        return {}
    head = _known(header.head, vocab)[-1] if header.head else None
    compared = Words(known, header.kinds, head)
    candidates = set().union(*(vocab.fields_of.get(w, ()) for w in known))  # fields sharing a word
    out = dict.fromkeys(vocab.synonyms, 0.0)
    for name in candidates:
        singles = vocab.singles(name)
        out[name] = max(_synonym_score(compared, s, singles, vocab) for s in vocab.synonyms[name])
    if any(w not in vocab.weights for w in header.words):  # a misspelling: the whole spelling may tell
        joined = " ".join(sorted(header.words))
        near = process.extract(joined, vocab.spellings, scorer=fuzz.ratio, score_cutoff=SPELLING, limit=None)
        for _, ratio, i in near:
            out[vocab.spelling_field[i]] = max(out[vocab.spelling_field[i]], ratio / 100)
    if header.kinds:  # "(£)" on a header: a money field, whatever its words say
        out = {name: s if vocab.kinds.get(name) in header.kinds else s / 2 for name, s in out.items()}
    return dict(sorted(((n, round(s, 2)) for n, s in out.items() if s > 0), key=lambda ns: -ns[1]))


def scores(header: object) -> dict[str, float]:
    """Each field's score for a header (0-1), best first; fields scoring nothing are left out."""
    return _scored(words(header), vocabulary())


def _decide(ranked: list[tuple[str, float]]) -> Match:
    """A mapping only above the threshold and clearly ahead; close rivals above the floor: ambiguous."""
    if not ranked:
        return Match(None, NOT_MAPPED)
    best, score = ranked[0]
    rivals = tuple(n for n, s in ranked if s > score - MARGIN)
    if score >= FLOOR and len(rivals) > 1:
        return Match(None, AMBIGUOUS, score, rivals, best)
    if score >= THRESHOLD:
        return Match(best, f"matched {score:.2f}", score, guess=best)
    return Match(None, NOT_MAPPED, score, guess=best if score >= FLOOR else None)


def _alternatives(header: Words, vocab: Vocabulary) -> Match | None:
    """A header listing alternatives: all name one field ("Supplier / reseller"), or two fields
    ("Start / end date": ambiguous); None when they do not decide it."""
    taken: dict[str, float] = {}
    undecided = 0
    for tokens in header.parts:
        part = _decide(list(_scored(Words(tokens, header.kinds, _head(tokens)), vocab).items()))
        if part.field:
            taken[part.field] = min(taken.get(part.field, 1.0), part.score)
        else:
            undecided += 1
    ranked = sorted(taken.items(), key=lambda ns: -ns[1])
    if len(ranked) > 1:
        return Match(None, AMBIGUOUS, ranked[0][1], tuple(n for n, _ in ranked), ranked[0][0])
    if ranked and not undecided:
        name, score = ranked[0]
        return Match(name, f"matched {score:.2f}", score, guess=name)
    return None


@lru_cache(maxsize=20000)
def match_header(header: str) -> Match:
    """The field a header names: the column map's exact line, else the best match by meaning."""
    exact = COLUMNS.field(header)
    if exact:
        return Match(exact, MAP, 1.0, guess=exact)
    vocab = vocabulary()
    found = words(header)
    if found.parts and (decided := _alternatives(found, vocab)):
        return decided
    return _decide(list(_scored(found, vocab).items()))
