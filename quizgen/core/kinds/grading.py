"""Answer checking: lenient for free text, strict about meaning.

Free text is compared after normalising case, accents, punctuation, articles and spacing. Then the same answer
written another way is right as it stands: British or American spelling, singular or plural, filler words ("a
few", "about"), a number in words or digits, the items of a list in any order. A small typo (rapidfuzz's
optimal-string-alignment distance, word by word) is accepted and reported as a typo, but numbers and short words
must be exact, and so must the opposite prefixes that turn a word into its contrary ("hypo" for "hyper"), so "HPA"
never passes for "HPG", "12 weeks" never for "13 weeks" and "exocrine" never for "endocrine". The rules are
measured against the labelled cases in tests/data/grading_cases.tsv (benchmarks/bench_grading.py). Answers to
choice kinds are parsed from the forms a learner types ("b", "a,c", "cab", "3 1 2", "1b 2a 3c"); input that cannot
be read raises InvalidAnswer so the quiz asks again instead of marking it wrong.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

ARTICLES = frozenset({"a", "an", "the"})
LETTERS = string.ascii_lowercase
TRUE_WORDS = frozenset({"t", "true", "y", "yes"})
FALSE_WORDS = frozenset({"f", "false", "n", "no"})

_APOSTROPHES = re.compile(r"['\u2019\u02bc]")
# Anything but letters and digits of any script separates words; a decimal point or comma between digits does not.
_NOT_WORD = re.compile(r"(?:(?<!\d)[.,]|[.,](?!\d)|[^\w.,]|_)+")
_SQUEEZABLE_SPACE = re.compile(r"(?<!\d) | (?!\d)")
_SEPARATORS = re.compile(r"[\s,;/]+")
_MATCH_PAIR = re.compile(r"(\d+)\s*[-=:.)]?\s*([a-z])")
_PARTS = re.compile(r"\s*(?:[,;/]|\band\b)\s*")
# What separates the items of a list answer ("LH and FSH", "sand, gravel & clay").
_LIST_ITEMS = re.compile(r"\s*(?:[,;/&+]|\band\b)\s*")

# Words that add nothing to an answer's meaning ("a few weeks" is "weeks", "about 50%" is "50%"). "a" goes only
# before another word: "Vitamin A" and "type A" keep theirs.
FILLER_WORDS = frozenset({"the", "an", "about", "around", "approximately", "approx", "roughly", "some", "few",
                          "several", "usually", "typically", "normally", "generally"})
# British spellings that are not caught by the rules of _BRITISH_RULES, with their American forms.
BRITISH_WORDS = {
    "grey": "gray", "aluminium": "aluminum", "programme": "program", "mould": "mold", "plough": "plow",
    "ageing": "aging", "defence": "defense", "offence": "offense", "licence": "license", "pretence": "pretense",
    "sulphur": "sulfur", "sulphate": "sulfate", "sulphide": "sulfide", "tyre": "tire", "kerb": "curb",
    "draught": "draft", "cheque": "check", "judgement": "judgment", "acknowledgement": "acknowledgment",
    "manoeuvre": "maneuver", "artefact": "artifact", "enrol": "enroll", "fulfil": "fulfill", "skilful": "skillful",
    "storey": "story", "pyjamas": "pajamas", "moustache": "mustache", "sceptic": "skeptic", "sceptical": "skeptical",
}
# Spelling rules from British to American, applied to both sides of a comparison; (pattern, replacement).
_BRITISH_RULES = [
    (re.compile(r"(?<=\w)ae(?=[^\Wr])"), "e"),  # haemoglobin, anaemia, paediatric; not (an)aerobic
    (re.compile(r"^oe(?=[dsn])"), "e"),  # oedema, oesophagus, oestrogen
    (re.compile(r"(?<=[^aeiou])oe(?=[ablt])"), "e"),  # diarrhoea, amoeba, coeliac, foetus; not poem or shoe
    (re.compile(r"trophin"), "tropin"),  # gonadotrophin, corticotrophin
    (re.compile(r"(?<=\w{3})our(?=s?$|ed$|ing$|able$|ite$)"), "or"),  # colour, behaviour, tumour; not four
    (re.compile(r"(?<=\w)(t|b)re(s?)$"), r"\1er\2"),  # centre, litre, fibre; not genre
    (re.compile(r"(?<=\w{2})is(e|es|ed|ing|ation|ations|er|ers)?$"), r"iz\1"),  # organise, organisation
    (re.compile(r"(?<=\w)ys(e|es|ed|ing|er|ers)?$"), r"yz\1"),  # analyse, paralyse, hydrolyse
    (re.compile(r"(?<=\w{3})ogue(s?)$"), r"og\1"),  # catalogue, analogue, dialogue
    (re.compile(r"^(travel|model|label|cancel|signal|fuel|channel|tunnel|total|level|jewel|counsel|dial)l"), r"\1"),
]
IRREGULAR_PLURALS = {
    "teeth": "tooth", "feet": "foot", "men": "man", "women": "woman", "children": "child", "mice": "mouse",
    "geese": "goose", "people": "person", "ova": "ovum", "bacteria": "bacterium", "criteria": "criterion",
    "phenomena": "phenomenon", "mitochondria": "mitochondrion", "data": "datum", "media": "medium",
    "spermatozoa": "spermatozoon", "ganglia": "ganglion", "corpora": "corpus", "genera": "genus",
}
_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
          "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
NUMBER_WORDS = {word: n for n, word in enumerate(_UNITS)} | {word: 10 * n for n, word in enumerate(_TENS) if word}
# Prefixes that make a word its contrary or its partner: a word that differs from the answer only there is another
# word, however small the edit. "" pairs with prefixes that negate ("anaerobic", "nonpolar").
CONTRARY_PREFIXES = [
    ("hypo", "hyper"), ("endo", "exo"), ("endo", "ecto"), ("ecto", "exo"), ("pre", "post"), ("ante", "post"),
    ("anter", "poster"), ("intra", "extra"), ("intra", "inter"), ("inter", "extra"), ("sub", "supra"),
    ("sub", "super"), ("micro", "macro"), ("mono", "poly"), ("mono", "di"), ("di", "poly"), ("uni", "bi"),
    ("ana", "cata"), ("ab", "ad"), ("af", "ef"), ("in", "ex"), ("im", "ex"), ("in", "de"), ("in", "ef"),
    ("up", "down"), ("homo", "hetero"), ("pro", "anti"), ("eu", "dys"), ("brady", "tachy"), ("hyper", "de"),
    ("de", "re"), ("hyper", "re"), ("infer", "super"), ("exo", "en"), ("ex", "en"), ("agon", "antagon"),
    ("an", ""), ("a", ""), ("non", ""), ("un", ""), ("dis", ""), ("de", ""), ("re", ""), ("anti", ""), ("in", ""),
    ("im", ""), ("ir", ""), ("il", ""), ("para", ""), ("co", ""),
]
# Keys next to each other on a QWERTY keyboard: a slip onto a neighbour is a typo anywhere in a word, while another
# letter in place of the right one usually makes another word ("cytokine" for "cytosine").
_ROWS = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
_VOWELS = frozenset("aeiou")
# Words this long may have vowels confused and still be themselves ("hydrolic" for "hydraulic").
VOWEL_SLIP_LENGTH = 7
# Words this long may carry two slips.
LONG_WORD = 10
_TOO_MUCH = 99.0
# Below this share of letters in common a typed answer is shown beside the right one without marks.
SIMILAR_ENOUGH_TO_MARK = 0.5
# Terms a slip away from each other that mean different things: neither is ever a typo of the other.
CONFUSABLE_TERMS = [
    ("ileum", "ilium"), ("mucus", "mucous"), ("prostate", "prostrate"), ("perineal", "peroneal"),
    ("insulin", "inulin"), ("testes", "tests"), ("affect", "effect"), ("aphagia", "aphasia"),
    ("dysphagia", "dysphasia"), ("vesical", "vesicle"), ("cytosine", "cytokine"), ("humeral", "humoral"),
    ("humerus", "humorous"), ("palpation", "palpitation"), ("elicit", "illicit"), ("discreet", "discrete"),
    ("complement", "compliment"), ("principal", "principle"), ("stationary", "stationery"), ("track", "tract"),
    ("villus", "villous"), ("callus", "callous"), ("fundus", "fungus"), ("meiosis", "miosis"),
    ("mitosis", "miosis"), ("osteal", "ostial"),
]


def _neighbours() -> dict[str, frozenset[str]]:
    near: dict[str, set[str]] = {}
    for r, row in enumerate(_ROWS):
        for c, key in enumerate(row):
            for dr, dc in ((0, -1), (0, 1), (-1, 0), (-1, 1), (1, 0), (1, -1)):
                if 0 <= r + dr < len(_ROWS) and 0 <= c + dc < len(_ROWS[r + dr]):
                    near.setdefault(key, set()).add(_ROWS[r + dr][c + dc])
    return {key: frozenset(keys) for key, keys in near.items()}


_NEAR_KEYS = _neighbours()


class InvalidAnswer(ValueError):
    """The response cannot be read as an answer of this kind; the message says what to type."""


@dataclass(frozen=True)
class Grade:
    """The verdict on one response: right or wrong, whether it was accepted despite a typo, and a line saying
    more (what was accepted, which parts were right) for the feedback."""

    correct: bool
    typo: bool = False
    detail: str = ""


WRONG = Grade(False)
RIGHT = Grade(True)
TYPO = Grade(True, typo=True)
VARIANT = Grade(True, detail="Accepted: the same answer written another way.")


def normalise(text: str) -> str:
    """Lowercase words without accents, punctuation or leading articles, separated by single spaces.

    Letters of every script count ("17β" stays apart from "17α"), and so do decimals ("1.5" is not "15"). Only a
    leading "a", "an" or "the" is dropped: "Vitamin A" keeps its A.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    words = _NOT_WORD.sub(" ", _APOSTROPHES.sub("", plain)).split()
    while len(words) > 1 and words[0] in ARTICLES:
        words.pop(0)
    return " ".join(words)


def squeeze(normalised: str) -> str:
    """Spaces dropped, except between two numbers ("2 3 weeks" stays apart from "23 weeks")."""
    return _SQUEEZABLE_SPACE.sub("", normalised)


def _american(word: str) -> str:
    if word in BRITISH_WORDS:
        return BRITISH_WORDS[word]
    for pattern, replacement in _BRITISH_RULES:
        word = pattern.sub(replacement, word)
    return word


def _singular(word: str) -> str:
    """One spelling for a word's singular and plural; applied to both sides, it need not be a real word."""
    if word in IRREGULAR_PLURALS:
        return IRREGULAR_PLURALS[word]
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("ae") and len(word) > 4:  # vertebrae, larvae
        return word[:-1]
    if word.endswith("i") and len(word) > 4:  # nuclei, alveoli
        return word[:-1] + "us"
    if word.endswith("is") and len(word) > 4:  # testis and testes, crisis and crises
        return word[:-2] + ("e" if word[-3] in "tc" else "")
    if word.endswith("es") and (word[-3] in "sxz" or word[-4:-2] in ("ch", "sh")):
        return word[:-2]
    if word.endswith("es") and len(word) > 4 and word[:-2].endswith(("t", "c")) and word[:-2] + "is" != word:
        return word[:-1]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _numbers(words: list[str]) -> Iterator[str]:
    """Number words as digits: "twenty one" and "twenty-one" are "21", "one hundred" is "100"."""
    pending: int | None = None
    for word in words:
        if word in NUMBER_WORDS:
            value = NUMBER_WORDS[word]
            if pending is not None and pending % 10 == 0 and pending >= 20 and value < 10:
                pending += value
            else:
                if pending is not None:
                    yield str(pending)
                pending = value
        elif word == "hundred" and pending is not None and pending < 100:
            pending *= 100
        elif word == "thousand" and pending is not None and pending < 1000:
            pending *= 1000
        else:
            if pending is not None:
                yield str(pending)
                pending = None
            yield word
    if pending is not None:
        yield str(pending)


def canonical(normalised: str) -> str:
    """A normalised answer with its form set aside: filler words dropped, number words as digits, American
    spelling, singular words. Two answers with the same canonical form say the same thing."""
    words = normalised.split()
    meaningful = [
        word for i, word in enumerate(words)
        if word not in FILLER_WORDS and not (word == "a" and i + 1 < len(words))
    ]
    words = meaningful or words
    # Singular first: "crises" and "crisis" become "cris" before American spelling can tell them apart.
    return " ".join(_american(_singular(word)) for word in _numbers(words))


# Each pair as typed and with its form set aside, since typos are judged both ways.
_CONFUSABLE = frozenset(
    frozenset(forms) for pair in CONFUSABLE_TERMS for forms in (pair, tuple(canonical(word) for word in pair))
)


def typo_budget(word: str) -> int:
    """How many edits a word may carry and still count as itself: none for short words or anything numeric."""
    if any(ch.isdigit() for ch in word) or len(word) <= 4:
        return 0
    return 1 if len(word) < LONG_WORD else 2


def _slip(said: str, meant: str, i: int, j: int) -> float:
    """What typing said[i] for meant[j] costs: a key next to the right one or pressed again is one slip, one vowel
    for another in a long word half of one (a misspelling, "hydrolic"), any other letter too many (another word,
    "cytokine" for "cytosine")."""
    a, b = said[i], meant[j]
    if (b in _NEAR_KEYS and a in _NEAR_KEYS[b]) or (i > 0 and said[i - 1] == a):
        return 1
    if j > 0 and a in _VOWELS and b in _VOWELS and len(meant) >= VOWEL_SLIP_LENGTH:
        return 0.5
    return _TOO_MUCH


def _indel(letter: str, meant: str) -> float:
    """A letter dropped or added: a vowel in a long word is half a slip ("pitutary", "evapouration")."""
    return 0.5 if letter in _VOWELS and len(meant) >= VOWEL_SLIP_LENGTH else 1


def _slips(said: str, meant: str, budget: int) -> bool:
    """Whether ``said`` is ``meant`` with at most ``budget`` slips: letters dropped, doubled or swapped, a key next
    to the right one, or (in long words) vowels confused; the first letter may only be swapped or a neighbour."""
    if said[:1] != meant[:1] and said[:2][::-1] != meant[:2] and said[:1] not in _NEAR_KEYS.get(meant[:1], ()):
        return False
    rows, cols = len(said) + 1, len(meant) + 1
    cost = [[0.0] * cols for _ in range(rows)]
    for i in range(1, rows):
        cost[i][0] = cost[i - 1][0] + _indel(said[i - 1], meant)
    for j in range(1, cols):
        cost[0][j] = cost[0][j - 1] + _indel(meant[j - 1], meant)
    for i in range(1, rows):
        for j in range(1, cols):
            if said[i - 1] == meant[j - 1]:
                best = cost[i - 1][j - 1]
            else:
                best = min(
                    cost[i - 1][j] + _indel(said[i - 1], meant),
                    cost[i][j - 1] + _indel(meant[j - 1], meant),
                    cost[i - 1][j - 1] + _slip(said, meant, i - 1, j - 1),
                )
            if i > 1 and j > 1 and said[i - 1] == meant[j - 2] and said[i - 2] == meant[j - 1]:
                best = min(best, cost[i - 2][j - 2] + 1)
            cost[i][j] = best
    return cost[-1][-1] <= budget


def _contrary(said: str, meant: str) -> bool:
    """Whether the two words differ by a contrary prefix ("hypotension" and "hypertension")."""
    from rapidfuzz.distance import OSA

    for first, second in CONTRARY_PREFIXES:
        for p, q in ((first, second), (second, first)):
            if not (meant.startswith(p) and said.startswith(q)):
                continue
            if (p and said.startswith(p)) or (q and meant.startswith(q)):
                continue
            rest_meant, rest_said = meant[len(p):], said[len(q):]
            # A negating prefix is the whole difference; a contrary one may come with a slip elsewhere.
            slack = 1 if p and q else 0
            if len(rest_meant) >= 3 and OSA.distance(rest_said, rest_meant, score_cutoff=slack + 1) <= slack:
                return True
    return False


def _close_word(said: str, meant: str) -> bool:
    # Imported here: every card kind imports this module, and rapidfuzz takes longer to load than the rest of it.
    from rapidfuzz.distance import OSA

    if said == meant:
        return True
    budget = typo_budget(meant)
    if budget == 0 or OSA.distance(said, meant, score_cutoff=2 * budget) > 2 * budget:
        return False
    if frozenset((said, meant)) in _CONFUSABLE or _contrary(said, meant):
        return False
    return _slips(said, meant, budget)


def _close(given: str, expected: str) -> bool:
    """Whether ``given`` is a small typo of ``expected`` (both normalised, or both canonical)."""
    given_words, expected_words = given.split(), expected.split()
    if len(given_words) == len(expected_words):
        return all(_close_word(s, m) for s, m in zip(given_words, expected_words, strict=True))
    shorter, longer = sorted((given_words, expected_words), key=len)
    if all(word in longer for word in shorter):
        return False  # a word left out or added ("Vitamin" for "Vitamin A") is no typo
    # Words run together or split apart: judge the whole answer as one word.
    return _close_word(squeeze(given), squeeze(expected))


def _list_items(text: str) -> list[str]:
    return [canonical(normalise(item)) for item in _LIST_ITEMS.split(text) if normalise(item)]


def _same_list(response: str, answer: str) -> Grade | None:
    """A list answer ("LH and FSH") given in another order, each item exactly or with a typo; None if not."""
    wanted, given = _list_items(answer), _list_items(response)
    if len(wanted) < 2 or len(given) != len(wanted):
        return None
    typo = False
    for item in given:
        match = next((w for w in wanted if w == item), None)
        if match is None:
            match = next((w for w in wanted if _close(item, w)), None)
            typo = True
        if match is None:
            return None
        wanted.remove(match)
    return TYPO if typo else VARIANT


def grade_text(response: str, answers: list[str]) -> Grade:
    """A free-text response against the accepted answers (the main one first, then the ``accept`` alternatives)."""
    given = normalise(response)
    if not given:
        return WRONG
    targets = [normalise(answer) for answer in answers]
    squeezed = squeeze(given)
    if any(squeezed == squeeze(target) for target in targets):
        return RIGHT
    form = canonical(given)
    forms = [canonical(target) for target in targets if target]
    if any(squeeze(form) == squeeze(target) for target in forms):
        return VARIANT
    for answer in answers:
        reordered = _same_list(response, answer)
        if reordered is not None:
            return reordered
    # A typo is judged on the words as typed, and again with their form set aside: "seminiferus" is a slip on
    # "seminiferous" as typed, "gonadotrophns" one on "gonadotropins" once both are American and singular.
    if any(_close(given, target) for target in targets if target) or any(_close(form, f) for f in forms):
        return TYPO
    return WRONG


def nearest_answer(typed: str, answers: list[str]) -> str:
    """The accepted answer to mark what was typed against: the one nearest it (case aside), when it is near enough
    for marks to say something (see ``differences``); else the first, the answer as written."""
    from rapidfuzz.distance import Levenshtein

    said = typed.casefold()
    scores = [Levenshtein.normalized_similarity(said, answer.casefold()) for answer in answers]
    best = max(range(len(answers)), key=scores.__getitem__)
    return answers[best] if scores[best] >= SIMILAR_ENOUGH_TO_MARK else answers[0]


def differences(typed: str, answer: str) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
    """The typed text and the answer cut into runs, each marked True where it differs from the other (case aside),
    along the fewest edits: what was typed wrong or extra, with "-" for each letter left out, and what the answer
    has that was not typed."""
    from rapidfuzz.distance import Levenshtein

    said, meant = [ch.casefold() for ch in typed], [ch.casefold() for ch in answer]
    if Levenshtein.normalized_similarity(said, meant) < SIMILAR_ENOUGH_TO_MARK:
        # Another answer altogether: marking nearly every letter would say nothing.
        return [(typed, False)], [(answer, False)]
    typed_runs: list[tuple[str, bool]] = []
    answer_runs: list[tuple[str, bool]] = []
    for edit in Levenshtein.opcodes(said, meant):
        differs = edit.tag != "equal"
        if edit.src_end > edit.src_start:
            _add_run(typed_runs, typed[edit.src_start:edit.src_end], differs)
        else:
            _add_run(typed_runs, "-" * (edit.dest_end - edit.dest_start), True)
        if edit.dest_end > edit.dest_start:
            _add_run(answer_runs, answer[edit.dest_start:edit.dest_end], differs)
    return typed_runs, answer_runs


def _add_run(runs: list[tuple[str, bool]], text: str, differs: bool) -> None:
    if runs and runs[-1][1] == differs:
        runs[-1] = (runs[-1][0] + text, differs)
    else:
        runs.append((text, differs))


def grade_cloze(response: str, answers: list[str]) -> Grade:
    """A cloze face: one answer, or several blanks of the same number given in order ("LH, FSH" or "LH and FSH")."""
    if len(answers) == 1:
        return grade_text(response, answers)
    whole = grade_text(response, [" ".join(answers)])
    if whole.correct:
        return whole
    parts = [part for part in _PARTS.split(response.strip()) if part]
    if len(parts) != len(answers):
        return WRONG
    grades = [grade_text(part, [answer]) for part, answer in zip(parts, answers, strict=True)]
    if all(g.correct for g in grades):
        return Grade(True, typo=any(g.typo for g in grades))
    return WRONG


def _index(token: str, count: int) -> int:
    """A choice label ("b" or "2") as a 0-based index."""
    if token.isascii() and token.isdigit():
        index = int(token) - 1
    elif len(token) == 1 and token in LETTERS:
        index = LETTERS.index(token)
    else:
        raise InvalidAnswer(f"'{token}' is not a choice: {choice_range(count)}")
    if not 0 <= index < count:
        raise InvalidAnswer(f"'{token}' is not a choice: {choice_range(count)}")
    return index


def choice_range(count: int) -> str:
    return f"type a letter from a to {LETTERS[count - 1]}"


def _tokens(response: str, count: int) -> list[str]:
    """Labels in a response: "a,c", "a c" and "ac" all give ["a", "c"]; "3 1 2" gives ["3", "1", "2"].

    Run-together digits ("312") are single labels only while every label is one digit (nine choices or fewer).
    """
    text = response.strip().casefold()
    tokens: list[str] = []
    for part in _SEPARATORS.split(text):
        if part.isalpha() or (part.isdigit() and count <= 9):
            tokens.extend(part)
        elif part:
            tokens.append(part)
    return tokens


def parse_choice(response: str, count: int) -> int:
    """One choice, as "b" (or "2")."""
    tokens = _tokens(response, count)
    if len(tokens) != 1:
        raise InvalidAnswer(f"choose one answer: {choice_range(count)}")
    return _index(tokens[0], count)


def parse_choices(response: str, count: int) -> set[int]:
    """Several choices, as "a,c", "a c" or "ac"."""
    tokens = _tokens(response, count)
    if not tokens:
        raise InvalidAnswer(f"choose one or more letters, e.g. ac ({choice_range(count)})")
    return {_index(token, count) for token in tokens}


def parse_bool(response: str) -> bool:
    word = normalise(response)
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise InvalidAnswer("answer t or f (true/false, y/n)")


def parse_order(response: str, count: int) -> list[int]:
    """A full ordering, as letters "cab" or numbers "3 1 2"."""
    hint = f"give every item once in order, as letters (e.g. {LETTERS[:count][::-1]}) or numbers"
    tokens = _tokens(response, count)
    if len(tokens) != count:
        raise InvalidAnswer(hint)
    order = [_index(token, count) for token in tokens]
    if len(set(order)) != count:
        raise InvalidAnswer(hint)
    return order


def parse_match(response: str, count: int, options: int) -> dict[int, int]:
    """Pairs "1b 2a 3c" (or just the letters in order, "bac") as {left index: right index}."""
    hint = f"pair every number with a letter, e.g. {' '.join(f'{i + 1}{LETTERS[i]}' for i in range(count))}"
    text = response.strip().casefold()
    if text.isalpha() and len(text) == count:
        result = {i: _index(letter, options) for i, letter in enumerate(text)}
    else:
        pairs = _MATCH_PAIR.findall(text)
        if not pairs or _MATCH_PAIR.sub("", text).strip(" ,;") != "":
            raise InvalidAnswer(hint)
        result = {}
        for number, letter in pairs:
            left = int(number) - 1
            if not 0 <= left < count or left in result:
                raise InvalidAnswer(hint)
            result[left] = _index(letter, options)
        if len(result) != count:
            raise InvalidAnswer(hint)
    # Each right side pairs with one left side; a letter given twice is a slip to correct, not an answer.
    if count == options and len(set(result.values())) != count:
        raise InvalidAnswer(f"each letter goes with one number: {hint}")
    return result


def grade_mcq(response: str, shown: list[str], answer: str) -> Grade:
    return RIGHT if shown[parse_choice(response, len(shown))] == answer else WRONG


def grade_multi(response: str, shown: list[str], answers: list[str]) -> Grade:
    chosen = {shown[i] for i in parse_choices(response, len(shown))}
    return RIGHT if chosen == set(answers) else WRONG


def grade_truefalse(response: str, answer: bool) -> Grade:
    return RIGHT if parse_bool(response) == answer else WRONG


def grade_order(response: str, shown: list[str], items: list[str]) -> Grade:
    """``shown`` is the order on screen, ``items`` the right order."""
    return RIGHT if [shown[i] for i in parse_order(response, len(shown))] == items else WRONG


def grade_match(response: str, lefts: list[str], shown_rights: list[str], pairs: list[list[str]]) -> Grade:
    chosen = parse_match(response, len(lefts), len(shown_rights))
    right_of = {left: right for left, right in pairs}
    right = [n for n, left in enumerate(lefts, 1) if shown_rights[chosen[n - 1]] == right_of[left]]
    if len(right) == len(lefts):
        return RIGHT
    if not right:
        return Grade(False, detail=f"No pair right (0 of {len(lefts)}).")
    named = ", ".join(f"{n}{LETTERS[chosen[n - 1]]}" for n in right)
    return Grade(False, detail=f"Pairs right: {named} ({len(right)} of {len(lefts)}).")
