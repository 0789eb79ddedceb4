"""How FAQ text becomes search terms: words are folded (lower case, ё → е), Russian words are
lemmatised with pymorphy3, Latin words are stemmed with the English Snowball stemmer, and
function words are dropped. The index and the query go through the same `word_terms`."""
from __future__ import annotations

import re
from functools import lru_cache

import pymorphy3
import snowballstemmer

# Words are runs of letters or digits; hyphenated words («экстрим-парк») count as two words.
WORD = re.compile(r"[0-9A-Za-zА-Яа-яЁё]+")
CYRILLIC = re.compile(r"[а-я]")
LATIN = re.compile(r"^[a-z]+$")
TERM_MAX = 64
RU_ALPHABET = "абвгдежзийклмнопрстуфхцчшщъыьэюя"

# Parts of speech that carry no topic: prepositions, conjunctions, particles, interjections, pronouns.
STOP_POS = {"PREP", "CONJ", "PRCL", "INTJ", "NPRO"}
STOP_RU = {
    "как", "что", "где", "когда", "куда", "откуда", "почему", "зачем", "какой", "каков", "который",
    "можно", "нужно", "надо", "ли", "ещё", "еще", "уже", "быть", "есть", "это", "этот", "тот",
    "весь", "свой", "мой", "ваш", "наш", "такой", "очень", "также", "тоже", "здравствуйте",
}
STOP_EN = {
    "a", "an", "the", "and", "or", "of", "to", "in", "on", "at", "for", "by", "with", "from", "about",
    "is", "are", "was", "be", "been", "do", "does", "did", "can", "could", "how", "what", "when",
    "where", "which", "who", "why", "i", "me", "my", "we", "our", "you", "your", "it", "its", "there",
    "this", "that", "these", "those", "if", "into", "s",
}


def fold(text: str) -> str:
    return (text or "").lower().replace("ё", "е")


@lru_cache(maxsize=1)
def morph() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=1)
def english_stemmer():
    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=1)
def russian_stemmer():
    return snowballstemmer.stemmer("russian")


@lru_cache(maxsize=100_000)
def word_terms(word: str) -> tuple[str, ...]:
    """The terms one folded word stands for: its lemmas (one, or two when pymorphy is torn; plus
    the Snowball stem of a word the dictionary lacks), its English stem, or the number itself;
    none for a function word."""
    if not word:
        return ()
    if word.isdigit():
        return (word,) if len(word) >= 2 else ()
    if CYRILLIC.search(word):
        if len(word) < 2 or word in STOP_RU:
            return ()
        parses = morph().parse(word)
        if not parses or parses[0].tag.POS in STOP_POS:
            return ()
        best = parses[0].score
        lemmas: list[str] = []
        for parse in parses:
            lemma = fold(parse.normal_form)[:TERM_MAX]
            if parse.score >= best * 0.5 and lemma not in lemmas and lemma not in STOP_RU:
                lemmas.append(lemma)
            if len(lemmas) == 2:
                break
        if not morph().word_is_known(word):
            # pymorphy guesses the lemma of a word it does not know (a name such as «Луисвилле»)
            # differently for each form; their common stem joins the forms.
            stem = russian_stemmer().stemWord(word)[:TERM_MAX]
            if stem not in lemmas:
                lemmas.append(stem)
        return tuple(lemmas)
    if LATIN.match(word):
        if word in STOP_EN or len(word) < 2:
            return ()
        return (english_stemmer().stemWord(word)[:TERM_MAX],)
    return ()


def words(text: str) -> list[str]:
    return [fold(m.group()) for m in WORD.finditer(text or "")]


def text_terms(text: str) -> set[str]:
    terms: set[str] = set()
    for word in words(text):
        terms.update(word_terms(word))
    return terms


def deletions(word: str) -> set[str]:
    """The word without one of its letters, each way."""
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def is_dictionary_word(word: str) -> bool:
    return morph().word_is_known(word)


def one_edit_known_words(word: str) -> set[str]:
    """Dictionary words one edit (deletion, transposition, substitution, insertion) away from a
    Russian `word`, so that an inflected form with a slip («побратимамы») finds its lexeme.
    Walks the dictionary's DAWG once per prefix instead of looking each candidate up whole."""
    words = morph().dictionary.words
    dct, separator = words.dct, words._payload_separator
    found: set[str] = set()
    index = dct.ROOT
    for i in range(len(word) + 1):
        if index is not None:
            prefix = word[:i]
            rests = [word[i + 1:]] if i < len(word) else []  # deletion
            if i + 1 < len(word):
                rests.append(word[i + 1] + word[i] + word[i + 2:])  # transposition
            rests += [c + word[i + 1:] for c in RU_ALPHABET if i < len(word) and c != word[i]]  # substitution
            rests += [c + word[i:] for c in RU_ALPHABET]  # insertion
            for rest in rests:
                end = dct.follow_bytes(rest.encode("utf8"), index)
                if end and dct.follow_bytes(separator, end):
                    found.add(prefix + rest)
        if i < len(word):
            index = dct.follow_bytes(word[i].encode("utf8"), index) or None
            if index is None:
                # No dictionary word starts with word[:i+1]: later edits cannot help.
                break
    return found


def within_one_edit(a: str, b: str) -> bool:
    """Damerau–Levenshtein distance of at most one (adjacent transposition counts as one edit)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    if la > lb:
        a, b = b, a
    # b is one letter longer: deleting one letter of b gives a.
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1:]
