"""What the staff search reads in a record and in a query: the FAQ search's analyser (pymorphy3
lemmas, English stems, ё folded, function words dropped — `hotline.faq.text`) for words, and
keys of its own for what is not a word: a reference in either alphabet, a phone by any of its
last 4–11 digits, an e-mail address whole. Documents and queries go through the same functions."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from ..faq.text import fold, word_terms, words

QUERY_MAX = 200  # characters of a search text, on the page, in the API and in the enquiry lists

# A term is letters of either alphabet or digits, nothing a full-text query language would read.
TERM = re.compile(r"^[0-9a-zа-я]+$")
REFERENCE = re.compile(r"(?<![0-9A-Za-zА-Яа-яЁё])(ЗЛ|ZL)[\s\-–]?(\d{4})[\s\-–]?(\d{1,6})(?!\d)", re.IGNORECASE)
EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
# A run of digits with the separators people type in phone numbers; a leading + kept out.
DIGITS = re.compile(r"\+?\d[\d\s\-().]*\d|\d")
PHONE_MIN = 4
PHONE_SUFFIX_MAX = 10
MAX_QUERY_GROUPS = 12


def terms_of(text: str) -> list[str]:
    """The terms of free text, in order (a word may stand for two lemmas)."""
    result: list[str] = []
    for word in words(text):
        result.extend(t for t in word_terms(word) if TERM.match(t))
    return result


def line(*texts: str | None) -> str:
    return " ".join(t for text in texts for t in terms_of(text or ""))


def reference_keys(reference: str | None) -> list[str]:
    match = REFERENCE.search(reference or "")
    if not match:
        return []
    year, number = match.group(2), int(match.group(3))
    return [f"zl{year}{number:06d}", f"zn{number}"]


def phone_keys(phone: str | None) -> list[str]:
    """Keys for the whole number and each of its tails of 4–10 digits."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    if len(digits) < PHONE_MIN:
        return []
    keys = [f"ph{digits[-n:]}" for n in range(PHONE_MIN, min(PHONE_SUFFIX_MAX, len(digits)) + 1)]
    if len(digits) > PHONE_SUFFIX_MAX:
        keys.append(f"ph{digits}")
    return keys


def email_key(email: str | None) -> str | None:
    email = (email or "").strip().lower()
    if "@" not in email:
        return None
    return "em" + hashlib.sha1(email.encode()).hexdigest()[:16]


def caller_line(name: str | None, phone: str | None, email: str | None) -> str:
    """What identifies a caller: the words of the name, the phone keys, the address and the words
    of its local part (anna.sokolova)."""
    parts = [line(name), *phone_keys(phone)]
    key = email_key(email)
    if key:
        parts.extend([key, line((email or "").split("@", 1)[0])])
    return " ".join(p for p in parts if p)


@dataclass
class Query:
    """A parsed query: every group must match, any term of a group will do."""

    text: str
    groups: list[list[str]] = field(default_factory=list)
    words: frozenset[str] = frozenset()  # the lemmas of its words, for highlighting

    def __bool__(self) -> bool:
        return bool(self.groups)

    def fts5(self, scope: list[str] | None = None) -> str:
        """An FTS5 query: the words in the text columns; with `scope`, one of these scope words too."""
        words = " AND ".join("(" + " OR ".join(f'"{t}"' for t in group) + ")" for group in self.groups)
        query = "{ident title body} : (" + words + ")"
        return query + ' AND scope : (' + " OR ".join(f'"{k}"' for k in scope) + ")" if scope else query

    def tsquery(self, scope: list[str] | None = None) -> str:
        """A tsquery: the words weighted A–C (the text); with `scope`, one of these scope words (D)."""
        words = " & ".join("(" + " | ".join(f"'{t}':ABC" for t in group) + ")" for group in self.groups)
        return f"({words}) & (" + " | ".join(f"'{k}':D" for k in scope) + ")" if scope else words


def parse_query(text: str) -> Query:
    text = (text or "")[:500]
    groups: list[list[str]] = []
    rest = text

    def take(pattern, handle):
        nonlocal rest
        rest = pattern.sub(lambda m: (handle(m), " ")[1], rest)

    def on_reference(match):
        groups.append([f"zl{match.group(2)}{int(match.group(3)):06d}"])

    def on_email(match):
        groups.append([email_key(match.group())])

    take(REFERENCE, on_reference)
    take(EMAIL, on_email)
    lemmas: set[str] = set()

    def on_digits(match):
        digits = "".join(ch for ch in match.group() if ch.isdigit())
        if len(digits) >= PHONE_MIN:
            group = [f"ph{digits[-PHONE_SUFFIX_MAX:]}"]
            if len(digits) <= 6:
                group += [f"zn{int(digits)}", digits]
            groups.append(group)
        elif len(digits) >= 2:
            groups.append([digits])

    take(DIGITS, on_digits)
    for word in words(rest):
        terms = [t for t in word_terms(fold(word)) if TERM.match(t)]
        if terms and terms not in groups:
            groups.append(terms)
            lemmas.update(terms)
    return Query(text=text, groups=groups[:MAX_QUERY_GROUPS], words=frozenset(lemmas))
