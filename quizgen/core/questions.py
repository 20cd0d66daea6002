"""Question and deck files (TOML, or JSON of the same shape) read into Decks and Cards, with every problem located.

A question file has ``deck = "<slug>"`` (or a ``[deck]`` table that describes the deck inline) and a ``[[cards]]``
array. A deck file has ``slug``, ``name``, ``description`` and a ``[source]`` table. Problems come back as
``path:line: message``; tomllib gives the line of a syntax error, and for schema errors the line is found by
scanning the text for the card's ``[[cards]]`` header and the offending key.
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache, cached_property, partial
from pathlib import Path
from typing import Any

from quizgen.core.cards import COMMON_OPTIONAL, COMMON_REQUIRED, ID_PATTERN, Card, Deck
from quizgen.core.errors import ImportProblems
from quizgen.core.kinds import KINDS, Kind
from quizgen.core.kinds.base import BOOL, PAIR_LIST, STR, STR_LIST
from quizgen.core.paths import display_path

ERROR = "error"
WARNING = "warning"

SUFFIXES = (".toml", ".json")
DECK_KEYS = {"slug", "name", "description", "source"}
SOURCE_KEYS = {"title", "location"}
QUESTION_FILE_KEYS = {"deck", "cards"}

_TOML_LINE = re.compile(r"\s*\(at line (\d+), column \d+\)$")
_CARDS_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*cards[ \t]*\]\]", re.MULTILINE)
# A key beginning a line of JSON, or after what closes or opens a line: {"id": ..., ], "deck": ...
_JSON_KEY_LINE = re.compile(r'^\s*[\]}]?\s*[{,]?\s*"([A-Za-z0-9_-]+)"\s*:')
_JSON_CARDS = re.compile(r'"cards"\s*:\s*\[')
# A key's line: "key =" or, for a table, its "[key]" header.
_LONG_NUMBER = re.compile(rf"\d{{{sys.get_int_max_str_digits() + 1},}}")
_KEY_LINE = re.compile(r"^\s*(?:\"?([A-Za-z0-9_-]+)\"?\s*=|\[\s*([A-Za-z0-9_-]+)\s*\])")


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    message: str
    severity: str = ERROR

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == WARNING else ""
        return f"{place(self.path, self.line)}: {prefix}{self.message}"


def place(path: str, line: int | None) -> str:
    """``path:line``, or the path alone where no line is known."""
    return f"{path}:{line}" if line else path


@dataclass
class LoadedCard:
    """A card with where it was written, for messages and for retiring cards that leave their file."""

    card: Card
    path: str
    line: int | None

    @property
    def place(self) -> str:
        return place(self.path, self.line)


@dataclass
class Bank:
    """Everything read from a set of files."""

    decks: dict[str, Deck] = field(default_factory=dict)
    cards: list[LoadedCard] = field(default_factory=list)
    question_files: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # The file each name above stands for: a name shows bytes that are not UTF-8 as \xNN, so it may not be one.
    sources: dict[str, Path] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]


class _Lines:
    """Finds the line of a card or a key in a TOML or JSON text, so schema errors point where the person must look."""

    def __init__(self, text: str | None, json_text: bool = False):
        self.text = text or ""
        self.key_line = _JSON_KEY_LINE if json_text else _KEY_LINE
        # Lines are counted at "\n", as tomllib and json count them; the cards are found in one pass over the text.
        self.card_starts: list[int] = []
        # In JSON, top-level keys may come after the cards too: the line of the array's closing bracket, if found.
        self.cards_end: int | None = None
        starts, end = _json_cards(self.text) if json_text else ([m.start() for m in _CARDS_HEADER.finditer(self.text)],
                                                                 None)
        line, position = 1, 0
        for start in starts:
            line += self.text.count("\n", position, start)
            position = start
            self.card_starts.append(line)
        if end is not None:
            self.cards_end = line + self.text.count("\n", position, end)
        self._key_cache: dict[int | None, dict[str, int]] = {}

    @cached_property
    def lines(self) -> list[str]:
        """Split only when a problem needs a key's line."""
        return self.text.split("\n") if self.text else []

    def card(self, index: int) -> int | None:
        """The ``[[cards]]`` line of card ``index``, or the ``cards =`` line for an inline array."""
        if index < len(self.card_starts):
            return self.card_starts[index]
        return self.key("cards") if not self.card_starts else None

    def key(self, key: str, index: int | None = None) -> int | None:
        """The line of ``key =`` inside card ``index`` (or at top level when ``index`` is None)."""
        if not self.lines:
            return None
        found = self._keys(index).get(key)
        if found is None and index is not None:
            return self.card(index)
        return found

    def _keys(self, index: int | None) -> dict[str, int]:
        """Each key's first line within one card (or the top level), scanned once and cached."""
        if index in self._key_cache:
            return self._key_cache[index]
        last = len(self.lines) + 1
        spans: list[tuple[int, int]] = []
        if index is None:
            spans.append((1, self.card_starts[0] if self.card_starts else last))
            if self.cards_end is not None:
                spans.append((self.cards_end, last))
        elif (start := self.card(index)) is not None:
            nxt = self.card(index + 1)
            spans.append((start, nxt if nxt is not None else self.cards_end + 1 if self.cards_end else last))
        keys: dict[str, int] = {}
        for start, end in spans:
            for number in range(start, end):
                match = self.key_line.match(self.lines[number - 1])
                if match and match.lastindex:
                    keys.setdefault(match[match.lastindex], number)
        self._key_cache[index] = keys
        return keys


def _json_cards(text: str) -> tuple[list[int], int | None]:
    """Where each object of a JSON text's ``cards`` array begins, and where the array ends (None if it was not read to
    its end), found by decoding the array one element at a time: the json module gives values, not where they were."""
    found = _JSON_CARDS.search(text)
    if found is None:
        return [], None
    decoder, position = json.JSONDecoder(), found.end()
    starts: list[int] = []
    while True:
        position = _after_space(text, position)
        if text.startswith("]", position):
            return starts, position
        try:
            _card, end = decoder.raw_decode(text, position)
        except ValueError:
            return starts, None
        starts.append(position)
        position = _after_space(text, end)
        if text.startswith(",", position):
            position += 1
        elif not text.startswith("]", position):
            return starts, None


def _after_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def find_files(paths: Iterable[Path]) -> tuple[list[Path], list[Problem]]:
    """Expand folders into their ``.toml``/``.json`` files, sorted; report paths that do not exist."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
            if not found:
                problems.append(Problem(display_path(path), None, "no question files (.toml or .json) in this folder"))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(display_path(path), None, "no such file or folder"))
    # One file reached twice (named twice, or through a link) is read once.
    unique = {path.resolve(): path for path in reversed(files)}
    return [path for path in files if unique[path.resolve()] is path], problems


class DuplicateKey(ValueError):
    """A JSON object with a key twice (TOML refuses that itself)."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key

    def line_in(self, text: str) -> int | None:
        """The line of the key's second appearance in one object, found by walking the text's strings and objects:
        the json module does not say where an object was."""
        objects: list[set[str]] = []  # the keys met so far in each object open at this point
        position, end = 0, len(text)
        while position < end:
            char = text[position]
            if char == '"':
                close = position + 1
                while close < end and text[close] != '"':
                    close += 2 if text[close] == "\\" else 1
                after = close + 1
                while after < end and text[after] in " \t\r\n":
                    after += 1
                if objects and text.startswith(":", after):
                    name = json.loads(text[position:close + 1])
                    if name == self.key and name in objects[-1]:
                        return text.count("\n", 0, position) + 1
                    objects[-1].add(name)
                position = close + 1
                continue
            if char == "{":
                objects.append(set())
            elif char == "}" and objects:
                objects.pop()
            position += 1
        return None


def _without_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: set[str] = set()
    for key, _value in pairs:
        if key in seen:
            raise DuplicateKey(key)
        seen.add(key)
    return dict(pairs)


def read_document(path: Path) -> tuple[dict[str, Any] | None, str | None, list[Problem]]:
    """Parse one file into a dict (and its text, for line lookups), or report why it cannot be read."""
    name = display_path(path)
    try:
        raw = path.read_bytes()
    except OSError as ex:
        return None, None, [Problem(name, None, f"cannot read: {ex.strerror or ex}")]
    try:
        # Some editors begin a UTF-8 file with a byte order mark; it is not part of the text.
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as ex:
        bad_line = raw[: ex.start].count(b"\n") + 1
        return None, None, [Problem(name, bad_line, "not UTF-8 text (save the file as UTF-8)")]
    try:
        if path.suffix == ".json":
            data = json.loads(text, object_pairs_hook=_without_duplicate_keys)
            # JSON can spell a lone UTF-16 surrogate ("\ud800"), which no UTF-8 text can hold.
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        else:
            data = tomllib.loads(text)
    except json.JSONDecodeError as ex:
        return None, text, [Problem(name, ex.lineno, f"invalid JSON: {ex.msg}")]
    except DuplicateKey as ex:
        return None, text, [Problem(name, ex.line_in(text), f'"{ex.key}" is given twice in one object (JSON readers '
                                                            "differ on which one counts: give it once)")]
    except tomllib.TOMLDecodeError as ex:
        message = str(ex)
        match = _TOML_LINE.search(message)
        toml_line = int(match[1]) if match else None
        message = _TOML_LINE.sub("", message)
        return None, text, [Problem(name, toml_line, f"invalid TOML: {message}")]
    except UnicodeEncodeError:
        return None, text, [Problem(name, None, "a string holds an unpaired surrogate escape (\\uD800-\\uDFFF)")]
    except RecursionError:
        return None, text, [Problem(name, None, "nested too deeply to read")]
    except ValueError as ex:
        # Python refuses to read integers of more than sys.get_int_max_str_digits() digits.
        if "digits" not in str(ex):
            raise
        match = _LONG_NUMBER.search(text)
        number_line = text.count("\n", 0, match.start()) + 1 if match else None
        limit = sys.get_int_max_str_digits()
        return None, text, [Problem(name, number_line, f"a number has more than {limit} digits, too many to read")]
    if not isinstance(data, dict):
        return None, text, [Problem(name, 1, "expected a table/object at the top of the file")]
    return data, text, []


def load(paths: Iterable[Path], known_decks: dict[str, Deck] | None = None) -> Bank:
    """Read deck and question files, validate them, and collect every problem.

    Args:
        paths: files or folders.
        known_decks: decks that exist already (the database's or the bundled ones), so a question file may name them.
    """
    bank = Bank()
    files, bank.problems = find_files(paths)
    documents = []
    for path in files:
        data, text, problems = read_document(path)
        bank.problems.extend(problems)
        if data is not None:
            bank.sources[display_path(path)] = path
            documents.append((display_path(path), data, _Lines(text, json_text=path.suffix == ".json")))

    # Deck files first, so question files anywhere in the set may refer to them.
    for name, data, lines in documents:
        if "cards" not in data and "slug" in data:
            deck = _deck_from(name, data, lines, None, bank.problems)
            if deck:
                _add_deck(bank, deck, name, lines.key("slug"))
    for name, data, lines in documents:
        if "cards" in data or "deck" in data:
            _read_question_file(bank, name, data, lines, known_decks or {})
        elif "slug" not in data:
            bank.problems.append(
                Problem(name, 1, "neither a question file (deck = ..., [[cards]]) nor a deck file (slug = ...)")
            )
    _check_duplicate_ids(bank)
    return bank


def _add_deck(bank: Bank, deck: Deck, name: str, line: int | None) -> None:
    if deck.slug in bank.decks and bank.decks[deck.slug] != deck:
        bank.problems.append(Problem(name, line, f"deck '{deck.slug}' is described twice, differently"))
    bank.decks[deck.slug] = deck


def _deck_from(
    name: str, data: dict[str, Any], lines: _Lines, table: str | None, problems: list[Problem]
) -> Deck | None:
    """Validate a deck description (a whole deck file, or the ``[deck]`` table of a question file)."""
    where = (lambda key: lines.key(key)) if table is None else (lambda key: lines.key(table))
    before = len(problems)
    for key in data:
        if key not in DECK_KEYS:
            problems.append(
                Problem(name, where(key), f"unknown deck key '{key}' (expected: {', '.join(sorted(DECK_KEYS))})")
            )
    for key in ("slug", "name"):
        if key not in data:
            problems.append(Problem(name, where(key) or 1, f"deck is missing '{key}'"))
    for key in ("slug", "name", "description"):
        if key in data:
            _check_string(data[key], f"deck '{key}'", name, where(key), problems)
    slug = data.get("slug")
    if isinstance(slug, str) and slug and not ID_PATTERN.fullmatch(slug):
        problems.append(
            Problem(name, where("slug"), f"deck slug '{slug}' must be lowercase letters, digits and dashes")
        )
    source = data.get("source", {})
    if not isinstance(source, dict):
        problems.append(Problem(name, where("source"), "deck 'source' must be a table with 'title' and 'location'"))
    else:
        for key, value in source.items():
            if key not in SOURCE_KEYS:
                problems.append(
                    Problem(name, where("source"), f"unknown source key '{key}' (expected: title, location)")
                )
            elif not isinstance(value, str):
                problems.append(Problem(name, where("source"), f"source '{key}' must be a string"))
    if len(problems) > before:
        return None
    return Deck.from_dict(data)


def _read_question_file(
    bank: Bank, name: str, data: dict[str, Any], lines: _Lines, known_decks: dict[str, Deck]
) -> None:
    problems = bank.problems
    for key in data:
        if key not in QUESTION_FILE_KEYS:
            problems.append(Problem(name, lines.key(key), f"unknown top-level key '{key}' (expected: deck, cards)"))
    deck_value = data.get("deck")
    slug: str | None = None
    if deck_value is None:
        problems.append(Problem(name, 1, "missing top-level 'deck' (the slug of the deck these cards belong to)"))
    elif isinstance(deck_value, dict):
        deck = _deck_from(name, deck_value, lines, "deck", problems)
        if deck:
            _add_deck(bank, deck, name, lines.key("deck"))
            slug = deck.slug
    elif isinstance(deck_value, str) and deck_value.strip():
        slug = deck_value
        if slug not in bank.decks and slug not in known_decks:
            problems.append(
                Problem(name, lines.key("deck"), f"unknown deck '{slug}' (no deck file for it and not in the database)")
            )
            slug = None
    else:
        problems.append(Problem(name, lines.key("deck"), "'deck' must be a deck slug (string) or a [deck] table"))

    cards = data.get("cards")
    if cards is None:
        problems.append(Problem(name, 1, "no [[cards]] in this file"))
        return
    if not isinstance(cards, list):
        problems.append(Problem(name, lines.key("cards"), "'cards' must be an array of tables ([[cards]])"))
        return
    bank.question_files.append(name)
    for index, raw in enumerate(cards):
        card = _card_from(name, index, raw, lines, slug or "", problems)
        if card and slug:
            bank.cards.append(LoadedCard(card, name, lines.card(index)))


Line = int | None | Callable[[], int | None]


def _resolve(line: Line) -> int | None:
    """Lines of valid cards are never needed, so card checks pass a function that finds the line on failure."""
    return line() if callable(line) else line


def _check_string(value: Any, what: str, name: str, line: Line, problems: list[Problem]) -> bool:
    if not isinstance(value, str):
        problems.append(Problem(name, _resolve(line), f"{what} must be a string, not {_type_name(value)}"))
        return False
    if not value.strip():
        problems.append(Problem(name, _resolve(line), f"{what} is empty"))
        return False
    return True


def _type_name(value: Any) -> str:
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def _check_shape(value: Any, shape: str, key: str, name: str, line: Line, problems: list[Problem]) -> bool:
    if shape == STR:
        return _check_string(value, f"'{key}'", name, line, problems)
    if shape == BOOL:
        if not isinstance(value, bool):
            problems.append(Problem(name, _resolve(line), f"'{key}' must be true or false, not {_type_name(value)}"))
            return False
        return True
    if shape == STR_LIST:
        if not isinstance(value, list):
            problems.append(
                Problem(name, _resolve(line), f"'{key}' must be a list of strings, not {_type_name(value)}")
            )
            return False
        return all(_check_string(item, f"an item of '{key}'", name, line, problems) for item in value)
    if shape == PAIR_LIST:
        if not isinstance(value, list):
            problems.append(Problem(name, _resolve(line), f"'{key}' must be a list of [left, right] pairs"))
            return False
        ok = True
        for pair in value:
            if not (isinstance(pair, list) and len(pair) == 2):
                problems.append(
                    Problem(name, _resolve(line), f"each item of '{key}' must be a [left, right] pair of strings")
                )
                ok = False
            else:
                ok = all(_check_string(s, f"a side of a pair in '{key}'", name, line, problems) for s in pair) and ok
        return ok
    raise AssertionError(shape)


@cache
def _allowed_keys(kind: Kind) -> frozenset[str]:
    return frozenset({*COMMON_REQUIRED, *COMMON_OPTIONAL, *kind.required, *kind.optional})


def _has_shape(value: Any, shape: str) -> bool:
    """Whether ``_check_shape`` finds nothing wrong with ``value``, without making its messages."""
    if shape == STR:
        return isinstance(value, str) and bool(value.strip())
    if shape == BOOL:
        return isinstance(value, bool)
    if shape == STR_LIST:
        return isinstance(value, list) and all(isinstance(item, str) and item.strip() for item in value)
    if shape == PAIR_LIST:
        return isinstance(value, list) and all(
            isinstance(pair, list) and len(pair) == 2 and all(isinstance(s, str) and s.strip() for s in pair)
            for pair in value
        )
    raise AssertionError(shape)


def _is_valid(raw: dict[str, Any]) -> bool:
    """Whether the full check of ``_card_from`` would find no problem in the card. Most cards have none: this
    answers for them without locating lines or making messages, and the full check runs only for the rest."""
    kind = raw.get("kind")
    spec = KINDS.get(kind) if isinstance(kind, str) else None
    card_id = raw.get("id")
    if spec is None or not isinstance(card_id, str) or not ID_PATTERN.fullmatch(card_id):
        return False
    if "section" not in raw or not _has_shape(raw["section"], STR) or not _allowed_keys(spec).issuperset(raw):
        return False
    for shapes, required in ((COMMON_OPTIONAL, False), (spec.required, True), (spec.optional, False)):
        for key, shape in shapes.items():
            if key in raw:
                if not _has_shape(raw[key], shape):
                    return False
            elif required:
                return False
    return not spec.problems(raw)


def _card_from(
    name: str, index: int, raw: Any, lines: _Lines, deck: str, problems: list[Problem]
) -> Card | None:
    if isinstance(raw, dict) and _is_valid(raw):
        return Card.from_dict(deck, raw)
    card_line = lines.card(index)
    if not isinstance(raw, dict):
        problems.append(Problem(name, card_line, f"card {index + 1} must be a table"))
        return None
    before = len(problems)
    label = f"card '{raw['id']}'" if isinstance(raw.get("id"), str) else f"card {index + 1}"

    def line(key: str) -> int | None:
        return lines.key(key, index)

    for key in COMMON_REQUIRED:
        if key not in raw:
            problems.append(Problem(name, card_line, f"{label} is missing '{key}'"))
    kind = raw.get("kind")
    spec = None
    if "kind" in raw:
        if not isinstance(kind, str) or kind not in KINDS:
            problems.append(
                Problem(name, line("kind"), f"{label} has unknown kind {kind!r} (expected one of: {', '.join(KINDS)})")
            )
        else:
            spec = KINDS[kind]
    for key in ("id", "section"):
        if key in raw:
            _check_string(raw[key], f"{label} '{key}'", name, partial(line, key), problems)
    card_id = raw.get("id")
    if isinstance(card_id, str) and card_id.strip() and not ID_PATTERN.fullmatch(card_id):
        problems.append(
            Problem(name, line("id"), f"card id '{card_id}' must be lowercase letters, digits and single dashes")
        )
    for key, shape in COMMON_OPTIONAL.items():
        if key in raw:
            _check_shape(raw[key], shape, key, name, partial(line, key), problems)

    if spec is not None:
        allowed = _allowed_keys(spec)
        for key in raw:
            if key not in allowed:
                problems.append(
                    Problem(name, line(key), f"{label}: unknown key '{key}' for kind '{kind}' "
                            f"(expected: {', '.join(sorted(allowed - set(COMMON_REQUIRED)))})")
                )
        valid = True
        for key, shape in spec.required.items():
            if key not in raw:
                problems.append(Problem(name, card_line, f"{label} ({kind}) is missing '{key}'"))
                valid = False
            else:
                valid = _check_shape(raw[key], shape, key, name, partial(line, key), problems) and valid
        for key, shape in spec.optional.items():
            if key in raw:
                valid = _check_shape(raw[key], shape, key, name, partial(line, key), problems) and valid
        if valid:
            for message, key in spec.problems(raw):
                problems.append(Problem(name, line(key), f"{label}: {message}"))

    if len(problems) > before:
        return None
    return Card.from_dict(deck, raw)


def card_from(name: str, index: int, raw: Any, deck: str, problems: list[Problem]) -> Card | None:
    """A card of ``deck`` from its question-file form (written by a program, so without lines), or None with the
    problems found added to ``problems``."""
    return _card_from(name, index, raw, _Lines(None), deck, problems)


def _check_duplicate_ids(bank: Bank) -> None:
    seen: dict[tuple[str, str], LoadedCard] = {}
    keep: list[LoadedCard] = []
    for loaded in bank.cards:
        key = (loaded.card.deck, loaded.card.id)
        if key in seen:
            first = seen[key]
            bank.problems.append(
                Problem(loaded.path, loaded.line,
                        f"duplicate card id '{loaded.card.id}' in deck '{loaded.card.deck}' "
                        f"(first at {first.place})")
            )
        else:
            seen[key] = loaded
            keep.append(loaded)
    bank.cards = keep


def load_strict(paths: Iterable[Path], known_decks: dict[str, Deck] | None = None) -> Bank:
    """Load, raising ``ImportProblems`` if any file has an error (warnings pass)."""
    bank = load(paths, known_decks)
    if bank.errors:
        raise ImportProblems(bank.errors)
    return bank
