"""Guard stage: red-flag triage of every user message before retrieval (rules in data/red_flags.yaml).

The guard is plain, deterministic code. Its rules are data a clinician can review in one file;
this module cleans the message the same way every time, finds each mention of a warning sign and
decides whether it is the patient's own, present concern: not negated ("no fever"), not someone
else's ("my wife had bladder cancer"), not hypothetical ("what if I lose bladder control"), not a
general question ("what are the red flags?") and not switched off by a rule's context (the
expected numbness after a nerve block). Each of those checks is scoped to the words around the
mention, so a red flag stated in another clause is never hidden. When unsure it escalates.

The module is longer than our usual ~300 lines on purpose: the scoping logic is the safety core
and is easier to review, test and change as one piece than spread over several modules.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from assistant.errors import ConfigError
from assistant.records import TriageLevel

RULES_PATH = Path(__file__).resolve().parent / "data" / "red_flags.yaml"
SEVERITY: dict[str, int] = {"routine": 0, "urgent": 1, "emergency": 2}
CATEGORIES: dict[str, tuple[str, ...]] = {
    "emergency": (
        "cauda_equina", "motor_weakness", "self_harm", "overdose", "cardiorespiratory", "stroke",
        "severe_trauma",
    ),
    "urgent": (
        "infection", "post_procedure", "trauma", "cancer", "weight_loss", "immunosuppression",
        "night_pain", "spreading_numbness",
    ),
}  # fmt: skip
_QUOTES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'"})
# Sentence ends, brackets and spaced dashes end a clause; a decimal point does not.
_CLAUSE_END = re.compile(r"[!?;:()\[\]{}\n\r…]+|(?<!\d)\.|\.(?!\d)|\s[-–—]+\s|[–—]+|\s-\s*|\s*-\s")
_NOT_WORD = re.compile(r"[^a-z0-9|,]+")
# Contrast words start a new clause: "no fever but I can't control my bladder".
_CONTRAST = re.compile(r"\b(but|however|although|though|except|whereas|yet)\b")
_TERM = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_NEG_WINDOW = 6
_ATTRIBUTION_WINDOW = 5
_PET_WINDOW = 60  # characters before a pronoun cue in which a pet names whose it is
_CACHE_SIZE = 4096
_REGEX_CUES = frozenset(
    {
        "negation", "third_party", "relay", "informational", "personal_report",
        "personal_back_reference", "acute_onset", "close_person", "asked_about", "denied_all", "claimed_later",
        "pet",
    }
)  # fmt: skip
# Another person's pronouns read as the patient's, for a carer's report of a new sign.
_AS_PATIENT = {
    "he": "i", "she": "i", "hes": "im", "shes": "im", "his": "my", "her": "my", "him": "me",
    "himself": "myself", "herself": "myself", "themselves": "myself", "themself": "myself",
    "hed": "id", "shed": "id",
}  # fmt: skip
_GENERIC_IF = re.compile(r"(?:if|when|whenever) (?:you|someone|somebody|anyone|a person|people|patients?)")
_DENIAL = re.compile(r"denies|denied|denying|negative for|no history of|no hx of|nil")
_JOINED_TURNS = 2  # earlier messages read together with the new one
_THEIR_HISTORY = ("remote_past", "remote_past_before", "recovered")  # contexts in red_flags.yaml
_SCOPES = frozenset({"near", "phrase", "after", "clause", "message", "before"})
_PHRASE_END = re.compile(r" (?:,|and|so|then|now|because|cause|plus|also) ")


@dataclass(frozen=True, slots=True)
class TriageDecision:
    """The guard's verdict on one user turn (with the conversation before it)."""

    level: TriageLevel
    rule_ids: tuple[str, ...]
    categories: tuple[str, ...]
    message: str


@dataclass(frozen=True, slots=True)
class _Rule:
    rule_id: str
    level: TriageLevel
    category: str
    groups: tuple[tuple[re.Pattern[str], ...], ...]  # every group must be found; one pattern each
    anys: tuple[re.Pattern[str], ...]  # per group, all its patterns in one regex (a fast first look)
    unless: tuple[str, ...]
    for_anyone: bool  # also fires for a particular person close to the writer ("my son is ...")
    any_framing: bool  # a question's framing or "someone" does not switch it off (lethal doses)


@dataclass(frozen=True, slots=True)
class _Context:
    scope: str  # "clause", "message" or "before"
    cue: re.Pattern[str]
    exception: re.Pattern[str] | None
    window: int
    breakers: frozenset[str]
    filler: frozenset[str] | None  # when set, only these words may stand between cue and mention
    except_scope: str | None = None  # where the exceptions are looked for; None: the cue's scope


def _deletions(word: str) -> Iterator[str]:
    return (word[:i] + word[i + 1 :] for i in range(len(word)))


class _Speller:
    """Reads a word one slip away from a clinical term as that term ("bladdder" -> "bladder").

    A slip is one letter missing, added, wrong or swapped: both words lose one letter and meet.
    """

    def __init__(self, spec: dict[str, Any]) -> None:
        self.min_length = int(spec.get("min_length", 7))
        vocabulary = [w for w in spec.get("vocabulary", []) if len(w) >= self.min_length]
        self.known = set(vocabulary) | set(spec.get("protected", []))
        self.index: dict[str, str] = {}
        for word in vocabulary:
            for variant in (word, *_deletions(word)):
                self.index.setdefault(variant, word)
        self.cache: dict[str, str] = {}

    def fix(self, token: str) -> str:
        if len(token) < self.min_length - 1 or token in self.known or not token.isalpha():
            return token
        found = self.cache.get(token)
        if found is None:
            found = self.index.get(token) or next(
                (self.index[d] for d in _deletions(token) if d in self.index), token
            )
            if len(self.cache) >= _CACHE_SIZE:
                self.cache.clear()
            self.cache[token] = found
        return found


class Guard:
    """Red-flag triage: emergency, urgent or routine, with a fixed, reviewed alert text.

    Args:
        emergency_number_text: How the emergency number is named in the alert texts.
        rules_path: The rules file (defaults to the bundled ``data/red_flags.yaml``).

    Raises:
        ConfigError: The rules file is missing or invalid.
    """

    def __init__(
        self,
        emergency_number_text: str = "your local emergency number (911 in the US)",
        rules_path: Path | None = None,
    ) -> None:
        path = rules_path or RULES_PATH
        if not emergency_number_text.strip():
            raise ConfigError("emergency_number_text must not be empty. Currently, it is ''.")
        self.emergency_number_text = emergency_number_text
        try:
            self._load(yaml.safe_load(path.read_text(encoding="utf-8")))
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"Red-flag rules cannot be read from {path}: {exc}") from None
        except (KeyError, TypeError, AttributeError) as exc:
            raise ConfigError(f"Red-flag rules in {path} are missing or malformed: {exc!r}") from None
        self._fired_cache: dict[str, frozenset[str]] = {}

    def _load(self, spec: dict[str, Any]) -> None:
        self._terms: dict[str, list[str]] = spec.get("terms", {})
        self._messages: dict[str, Any] = spec["messages"]
        cues = spec["cues"]
        # Word lists are sets; pattern lists are one compiled regex each (see the YAML comments).
        anchored = {"post_negation", "claims_for_patient"}
        words = {
            k: frozenset(v)
            for k, v in cues.items()
            if isinstance(v, list) and k not in _REGEX_CUES | anchored
        }
        self._words = words | {k: frozenset(v) for k, v in cues["word_sets"].items()}
        self._first_person, self._list_nouns = words["first_person"], words["list_nouns"]
        self._neg_breakers = words["negation_breakers"] | words["first_person_subject"]
        self._neg_filler, self._framing_filler = words["negation_filler"], words["framing_filler"]
        self._re = {k: self._compile(cues[k], k) for k in _REGEX_CUES}
        # These two look at the text right after a mention, so they are anchored at its start.
        self._re |= {k: re.compile("|".join(cues[k])) for k in ("post_negation", "claims_for_patient")}
        self._hypothetical = _context(cues["hypothetical"], "before", self._compile)
        self._contexts = {n: _context(c, c["scope"], self._compile) for n, c in spec["contexts"].items()}
        self._speller = _Speller(spec.get("spelling", {}))
        self._raw_rewrites = [(re.compile(p), r) for p, r in spec.get("rewrites_raw", [])]
        self._rewrites = [(re.compile(p), r) for p, r in spec.get("rewrites", [])]
        self.rules = tuple(self._load_rule(r) for r in spec["rules"])

    def _expand(self, pattern: str, depth: int = 0) -> str:
        if depth > 5:
            raise ConfigError(f"Red-flag term lists nest too deeply in {pattern!r}.")

        def term(match: re.Match[str]) -> str:
            if match.group(1) not in self._terms:
                raise ConfigError(f"Unknown term {{{match.group(1)}}} in red-flag pattern {pattern!r}.")
            items = [self._expand(t, depth + 1) for t in self._terms[match.group(1)]]
            return "(?:" + "|".join(items) + ")"

        return _TERM.sub(term, pattern)

    def _compile(self, patterns: Sequence[str], owner: str) -> re.Pattern[str]:
        body = "|".join(f"(?:{self._expand(p)})" for p in patterns)
        try:
            return re.compile(rf"(?<![a-z0-9])(?:{body})(?![a-z0-9])")
        except re.error as exc:
            raise ConfigError(f"Red-flag patterns of {owner!r} are not valid regexes: {exc}") from None

    def _load_rule(self, raw: dict[str, Any]) -> _Rule:
        rule_id, level, category = raw.get("id"), raw.get("level"), raw.get("category")
        if level not in CATEGORIES or category not in CATEGORIES[level]:
            raise ConfigError(
                f"Red-flag rule {rule_id!r} must have a level in {sorted(CATEGORIES)} and a category "
                f"of that level. Currently, level is {level!r} and category is {category!r}."
            )
        groups = raw.get("all_of") or [raw.get("patterns") or []]
        if not all(groups) or not raw.get("source"):
            raise ConfigError(f"Red-flag rule {rule_id!r} needs patterns (or all_of) and a source.")
        for flag in ("for_anyone", "any_framing"):
            if not isinstance(raw.get(flag, False), bool):
                raise ConfigError(f"Red-flag rule {rule_id!r}: {flag} must be true or false.")
        unknown = set(raw.get("unless", [])) - set(self._contexts)
        if unknown:
            raise ConfigError(f"Red-flag rule {rule_id!r} names unknown contexts {sorted(unknown)}.")
        return _Rule(
            rule_id=str(rule_id),
            level=level,
            category=category,
            groups=tuple(tuple(self._compile([p], str(rule_id)) for p in g) for g in groups),
            anys=tuple(self._compile(g, str(rule_id)) for g in groups),
            unless=tuple(raw.get("unless", [])),
            for_anyone=bool(raw.get("for_anyone", False)),
            any_framing=bool(raw.get("any_framing", False)),
        )

    def normalize(self, message: str) -> str:
        """The message as the rules see it: lower-case words, "|" between clauses, "," kept."""
        text = unicodedata.normalize("NFKD", message.translate(_QUOTES).lower())
        text = "".join(c for c in text if not unicodedata.combining(c))
        for pattern, replacement in self._raw_rewrites:
            text = pattern.sub(replacement, text)
        text = _CLAUSE_END.sub(" | ", text.replace("'", "")).replace(",", " , ")
        text = " ".join(self._speller.fix(t) for t in _NOT_WORD.sub(" ", text).split())
        for pattern, replacement in self._rewrites:
            text = pattern.sub(replacement, text)
        text = _CONTRAST.sub(r"| \1", text)
        return " ".join(text.split())

    def check(self, message: str, history: Sequence[str] = ()) -> TriageDecision:
        """Triage one user message, keeping any red flag raised earlier in the conversation.

        Args:
            message: The user's new message.
            history: Earlier user messages of the conversation, oldest first.

        Returns:
            The most severe level over the message and the history, with the rules that fired.
        """
        fired: set[str] = set(self._fired(str(message)))
        for earlier in history:
            fired |= self._fired(str(earlier))
        if history:  # a sign told over several messages ("numb on my buttock" ... "now it's reached my shin")
            fired |= self._fired(" | ".join([*map(str, history[-_JOINED_TURNS:]), str(message)]))
        rules = [r for r in self.rules if r.rule_id in fired]
        if not rules:
            return TriageDecision("routine", (), (), "")
        level: TriageLevel = max((r.level for r in rules), key=SEVERITY.__getitem__)
        ordered = sorted(rules, key=lambda r: -SEVERITY[r.level])
        categories = tuple(dict.fromkeys(r.category for r in ordered))
        return TriageDecision(
            level, tuple(r.rule_id for r in rules), categories, self.alert(level, categories)
        )

    def alert(self, level: str, categories: Sequence[str]) -> str:
        """The fixed alert text for a level and the categories of the signs found."""
        texts = self._messages
        parts = [texts[f"{level}_heading"], *(texts["reasons"][c] for c in categories), texts["footer"]]
        return "\n\n".join(p.replace("{emergency_number}", self.emergency_number_text) for p in parts)

    def _fired(self, message: str) -> frozenset[str]:
        fired = self._fired_cache.get(message)
        if fired is None:  # conversations re-check their history on every turn: remember it
            text = self.normalize(message)
            relayed = self._re["relay"].search(text) is not None
            fired = frozenset(r.rule_id for r in self.rules if self._rule_fires(r, text, relayed))
            carer = self._as_patient(text)
            if carer is not None:  # "my mum suddenly can't feel her legs": read as the patient's own
                fired |= frozenset(r.rule_id for r in self.rules if self._rule_fires(r, carer, True))
            if self._re["close_person"].search(text):  # "my 16 year old has been cutting herself"
                person = _swap_person(text)
                fired |= frozenset(
                    r.rule_id
                    for r in self.rules
                    if r.for_anyone and self._rule_fires(r, person, True, someone_else=True)
                )
            if len(self._fired_cache) >= _CACHE_SIZE:
                self._fired_cache.clear()
            self._fired_cache[message] = fired
        return fired

    def _rule_fires(self, rule: _Rule, text: str, relayed: bool, someone_else: bool = False) -> bool:
        for whole, patterns in zip(rule.anys, rule.groups, strict=True):
            # One regex per group finds most mentions; single patterns catch overlapping ones.
            if whole.search(text) is None:
                return False
            if not any(
                self._affirmed(text, m, rule, relayed, someone_else)
                for p in (whole, *patterns)
                for m in _every(p, text)
            ):
                return False
        return True

    def _affirmed(
        self, text: str, match: re.Match[str], rule: _Rule, relayed: bool, someone_else: bool = False
    ) -> bool:
        """Whether a mention is the patient's own, present concern.

        For someone close to the writer (``someone_else``), their history is not a present
        concern: "my wife tried to take her own life many years ago, she's well now".
        """
        start = text.rfind("|", 0, match.start()) + 1
        end = text.find("|", match.end())
        end = len(text) if end < 0 else end
        pre, span, post = text[start : match.start()], match.group(0), text[match.end() : end]
        if self._negated(pre, span, post):
            return False
        if rule.any_framing:
            return True
        # "The leaflet says seek care if you have numbness down there. Well, I've had exactly that."
        claimed = self._re["claimed_later"].search(text, match.end()) is not None
        if (
            not relayed
            and not claimed
            and self._attributed(pre, span, post)
            and not self._acute_for_other(pre, post)
        ):
            return False
        if self._denied_when_asked(text, match):
            return False
        if not claimed and (
            _cue_before(self._hypothetical, pre)
            or self._informational_only(pre + span + post, pre, span, post)
        ):
            return False
        unless = (*rule.unless, *_THEIR_HISTORY) if someone_else else rule.unless
        return not any(self._context_applies(self._contexts[n], text, pre, span, post) for n in unless)

    def _denied_when_asked(self, text: str, match: re.Match[str]) -> bool:
        """A sign a clinician asked about and the patient said no to, later in the message."""
        asked = _last(self._re["asked_about"], text[: match.start()])
        return asked is not None and self._re["denied_all"].search(text, match.end()) is not None

    def _as_patient(self, text: str) -> str | None:
        """A carer's message about someone's new sign, in the first person; None otherwise.

        The rules are written as patients speak ("I can't feel my legs"). A carer reporting a
        sign that began just now ("my mum suddenly can't feel her legs") needs the same alert,
        so the person's pronouns are read as the patient's. Histories ("my wife had bladder
        cancer") are left alone.
        """
        if not (self._re["third_party"].search(text) and self._re["acute_onset"].search(text)):
            return None
        if self._re["pet"].search(text):
            return None  # "my dog has suddenly gone wobbly on his back legs": for the vet
        swapped = _swap_person(text)
        return swapped if swapped != text else None

    def _acute_for_other(self, pre: str, post: str) -> bool:
        """Someone else's sign that began just now: an emergency for them, whoever is asking.

        "My dad ... since yesterday he can't pass water" needs the urgent-care message for him;
        "my wife had bladder cancer, but I'm asking about my own pain" does not.
        """
        return bool(self._re["acute_onset"].search(f"{pre} {post}"))

    def _attributed(self, pre: str, span: str, post: str) -> bool:
        cue = _last(self._re["third_party"], pre)
        if cue is None:
            return False
        gap = [w for w in pre[cue.end() :].split() if w != ","]
        # "seek help if you develop leg weakness, numbness in the saddle area or loss of bladder
        # control": a conditional about anyone covers its whole list.
        window = _ATTRIBUTION_WINDOW * 2 if _GENERIC_IF.fullmatch(cue.group(0)) else _ATTRIBUTION_WINDOW
        if len(gap) > window:  # "my dad fell off a ladder ... been dribbling pee all day"
            return False
        between = pre[cue.end() :].split() + span.split()
        if (
            self._first_person & set(between)
            or self._words["new_subject"] & set(between)
            or self._re["claims_for_patient"].search(post)
        ):
            return False
        if self._re["pet"].search(pre[max(0, cue.start() - _PET_WINDOW) : cue.end()]):
            return True  # "my dachshund is dragging his back legs and dribbling wee": for the vet
        if "and" in between:  # "my dad fell off a ladder and can't pee" may be the patient: escalate
            after_and = between[len(between) - between[::-1].index("and") :]
            tail = _PHRASE_END.split(post + " ")[0].split()
            listed = len(after_and) - len(span.split()) <= 1 and span.split()[0] in self._list_nouns
            if self._first_person & set(tail):  # "... and the numbness started on my hip"
                return False
            return listed or bool(self._words["third_person"] & {*after_and, *tail})
        return True

    def _negated(self, pre: str, span: str, post: str) -> bool:
        if self._re["negation"].search(span):
            return False  # the sign itself is a negative ("can't pee", "no feeling down there")
        if self._re["post_negation"].search(post):
            return True
        cue = _last(self._re["negation"], pre)
        if cue is None:
            return False
        gap = pre[cue.end() :].split()
        words = [w for w in gap if w != ","]
        if _DENIAL.fullmatch(cue.group(0).strip()) and "," not in gap and len(words) <= 2 * _NEG_WINDOW:
            # A clinician's "denies saddle anaesthesia and bladder/bowel dysfunction": one list.
            return not self._neg_breakers & set(words)
        # A list keeps the negation going: "no fever, chills or weakness", "no fever and chills";
        # "no fever and can't pee" is a new statement.
        and_list = (
            words.count("and") == 1
            and words[-1] == "and"
            and span.split()[0] in self._list_nouns
            and set(words[:-1]) <= self._neg_filler | self._list_nouns
            and not self._words["onset"] & set(_PHRASE_END.split(post + " ")[0].split())
            and len(span.split()) + len(_PHRASE_END.split(post + " ")[0].split()) <= 3  # short items only
        )
        if "and" in words and not and_list:
            return False
        # The mention is the next item of an "or" list, or short items after it close with "or".
        in_list = (
            and_list
            or (bool(gap) and gap[-1] in {"or", "nor"})
            or (len(gap) > 1 and gap[-2] in {"or", "nor"} and gap[-1] in self._neg_filler)  # "or any"
            or _list_closes(post, self._words["clause_starts"])
        )
        if len(words) > _NEG_WINDOW * (2 if in_list else 1) or self._neg_breakers & set(words):
            return False
        if not in_list and not set(words) <= self._neg_filler:
            return False  # the negation was about something else: "no fever numb down there"
        return "," not in gap or in_list

    def _informational_only(self, clause: str, pre: str, span: str, post: str) -> bool:
        # The question must frame the mention: "what does numbness in the groin mean?".
        # The question nearest before the mention must frame it: "what does numbness in the groin
        # mean?". Words before the question ("my physio told me to ask") don't make it a report.
        # A framing must start before the mention: one inside it is the patient's own words
        # ("what's the point in living" is not a question about warning signs).
        framings = [m for m in self._re["informational"].finditer(clause) if m.start() < len(pre)]
        if not framings:
            return False
        framing = framings[-1]
        question = pre[framing.start() :] + " " + span
        if self._re["personal_report"].search(question):
            return False
        if framing.end() <= len(pre):
            between = pre[framing.end() :].split()
            if not set(between) <= self._framing_filler:
                return False  # "what are the red flags been dribbling pee all day": a separate report
            last = (between or framing.group(0).split())[-1]
            if last in self._words["complete_framing"]:
                return False  # "what are the red flags shivering and sweating" needs a "like"
        if self._re["personal_back_reference"].search(post):
            return False
        head = self._re["informational"].sub(" ", question)
        return not self._first_person & set(head.split())

    def _context_applies(self, context: _Context, text: str, pre: str, span: str, post: str) -> bool:
        phrase = _phrase(pre, span, post)
        head, tail = phrase[: phrase.index(span)].split(), phrase[phrase.index(span) + len(span) :].split()
        near = " ".join([*head[-context.window :], span, *tail[: context.window]])
        after = " ".join(phrase[phrase.index(span) + len(span) :].split()[: context.window])
        scopes = {
            "message": text,
            "clause": pre + span + post,
            "phrase": phrase,
            "after": after,
            "near": near,
        }
        scope = scopes.get(context.scope, pre)
        if context.except_scope is not None:
            where = scopes.get(context.except_scope, text)
        else:
            where = phrase if context.scope == "before" else scope
        if context.exception is not None and context.exception.search(where):
            return False
        return _cue_before(context, pre) if context.scope == "before" else bool(context.cue.search(scope))


def _swap_person(text: str) -> str:
    """The text with a third person's pronouns read as the patient's ("she" -> "i")."""
    return " ".join(_AS_PATIENT.get(w, w) for w in text.split())


def _context(spec: dict[str, Any], scope: str, compile_: Any) -> _Context:
    if scope not in _SCOPES:
        raise ConfigError(f"A red-flag context scope must be one of {sorted(_SCOPES)}. Currently, {scope!r}.")
    exception = compile_(spec["except"], "except") if spec.get("except") else None
    breakers = frozenset(spec.get("breakers", []))
    filler = frozenset(spec["filler"]) if "filler" in spec else None
    cue = compile_(spec["patterns"], "context")
    except_scope = spec.get("except_scope")
    if except_scope is not None and except_scope not in _SCOPES - {"before"}:
        raise ConfigError(
            f"A red-flag context's except_scope must be one of {sorted(_SCOPES - {'before'})}. "
            f"Currently, {except_scope!r}."
        )
    return _Context(scope, cue, exception, int(spec.get("window", 6)), breakers, filler, except_scope)


def _last(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    last = None
    for last in pattern.finditer(text):  # noqa: B007 - the last match is the one nearest the mention
        pass
    return last


def _every(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """Every match, overlapping ones included ("numbness so numb down there")."""
    match = pattern.search(text)
    while match is not None:
        yield match
        match = pattern.search(text, match.start() + 1)


def _cue_before(context: _Context, pre: str) -> bool:
    cue = _last(context.cue, pre)
    if cue is None:
        return False
    gap = pre[cue.end() :].split()
    # "what if I lose ..." keeps its own subject; "how do I prevent this I can't ..." starts anew.
    new_subject = any(w in {"i", "im", "ive", "id"} for w in gap[1:])
    if context.filler is not None and not set(gap) <= context.filler:
        return False
    return len(gap) <= context.window and not context.breakers & set(gap) and not new_subject


def _list_closes(post: str, clause_starts: frozenset[str]) -> bool:
    """Whether short comma-separated items after a mention end in "or ..." ("B, C, or D")."""
    for item in post.split(","):
        words = item.split()
        if words and words[0] in clause_starts:
            return False
        if {"or", "nor"} & set(words):
            return len(words) <= 6
        if len(words) > 3:
            return False
    return False


def _phrase(pre: str, span: str, post: str) -> str:
    """The part of a clause around a mention, up to the nearest comma or "and" on each side."""
    head = _PHRASE_END.split(" " + pre)[-1]
    tail = _PHRASE_END.split(post + " ")[0]
    return f"{head}{span}{tail}"
