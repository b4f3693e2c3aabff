"""Query spelling: a misspelt word becomes the corpus word it is one or two edits from.

Patients type fast ("what phsyical therapy is recomended"). BM25 cannot match a misspelt word
at all, and the embedding model splits it into pieces that mean little. A word is corrected
only when all of these hold:

- it is not a word: not in pyspellchecker's English word list (British and American spellings,
  medical words such as "neurologist" or "dermatome"), nor in the corpus (with its stems), nor
  in the lay-term list;
- it has at least ``MIN_LENGTH`` letters;
- a corpus word is within ``max_edits`` edits (insertions, deletions, substitutions, or two
  neighbouring letters swapped): one edit for words shorter than ``LONG_WORD``, two otherwise.

Among several candidates, the fewest edits win, then one with the same last letter, then the
word the corpus uses most. Nothing else
in the question changes, so a correct question is searched exactly as written.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Container, Iterable
from itertools import combinations

MIN_LENGTH = 5
LONG_WORD = 8
# Words with their apostrophes ("doesn't" is one word, never corrected to "does't").
_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*")


def max_edits(word: str) -> int:
    """How many edits a word of this length may be from its correction."""
    return 1 if len(word) < LONG_WORD else 2


def _deletions(word: str, edits: int) -> set[str]:
    """The word with up to ``edits`` letters deleted (the word itself included)."""
    out = {word}
    for n in range(1, edits + 1):
        for gone in combinations(range(len(word)), n):
            out.add("".join(c for i, c in enumerate(word) if i not in gone))
    return out


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: edits, counting a swap of neighbours as one."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], previous2[j - 2] + 1)
        previous2, previous = previous, row
    return previous[-1]


class EnglishWords:
    """Membership in pyspellchecker's English word list, plus words of our own.

    Args:
        extra: Words that count as known too (the corpus's stems, lay terms).
    """

    def __init__(self, extra: Iterable[str] = ()) -> None:
        from spellchecker import SpellChecker

        self._words = SpellChecker(language="en", distance=1).word_frequency
        self._extra = frozenset(extra)

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and (word in self._extra or word in self._words)


class QuerySpeller:
    """Corrects the misspelt words of a question to corpus words.

    Args:
        corpus_words: Every word of the corpus, as often as it occurs (lower case).
        known: Words that are never corrected (the model's vocabulary, lay terms, stems).
        normal_form: Maps a word to the form ``known`` may hold it in as well (a stemmer).
    """

    def __init__(
        self,
        corpus_words: Iterable[str],
        known: Container[str],
        normal_form: Callable[[str], str] = str,
    ) -> None:
        self._count = Counter(w for w in corpus_words if w.isalpha())
        self._known = known
        self._normal_form = normal_form
        self._by_deletion: dict[str, set[str]] = {}
        for word in self._count:
            if len(word) >= MIN_LENGTH - 1:
                for key in _deletions(word, max_edits(word)):
                    self._by_deletion.setdefault(key, set()).add(word)

    def suggest(self, word: str) -> str | None:
        """The corpus word a misspelt word stands for, or ``None`` to leave it as it is."""
        low = word.lower()
        if len(low) < MIN_LENGTH or low in self._count or low in self._known:
            return None
        if self._normal_form(low) in self._known:
            return None
        edits = max_edits(low)
        candidates: set[str] = set()
        for key in _deletions(low, edits):
            candidates |= self._by_deletion.get(key, set())
        # Fewest edits first; then a word with the same last letter ("roler" is "roller", not
        # "role"); then the corpus's more frequent word.
        scored = [(edit_distance(low, c), c[-1] != low[-1], -self._count[c], c) for c in candidates]
        scored = [s for s in scored if s[0] <= min(edits, max_edits(s[3]))]
        return min(scored)[3] if scored else None

    def correct(self, text: str) -> str:
        """The text with its misspelt words corrected (everything else untouched)."""

        def fix(match: re.Match[str]) -> str:
            word = match.group(0)
            if not word.isalpha():
                return word  # a contraction or a possessive
            return self.suggest(word) or word

        return _WORD.sub(fix, text)
