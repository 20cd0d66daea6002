"""The kinds of card, by name: each is one object that owns everything its kind does differently.

A new kind is a module here with a ``Kind`` subclass, and one line in ``KINDS``.
"""

from __future__ import annotations

from quizgen.core.errors import QuizgenError
from quizgen.core.kinds.base import Kind
from quizgen.core.kinds.cloze import Cloze
from quizgen.core.kinds.flashcard import Flashcard
from quizgen.core.kinds.glossary import Glossary
from quizgen.core.kinds.match import Match
from quizgen.core.kinds.mcq import Mcq
from quizgen.core.kinds.multi import Multi
from quizgen.core.kinds.order import Order
from quizgen.core.kinds.truefalse import TrueFalse
from quizgen.core.kinds.typed import Typed

# In the order help texts list them.
KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (Mcq(), Multi(), TrueFalse(), Typed(), Cloze(), Order(), Match(), Glossary(), Flashcard())
}


class UnknownKind(QuizgenError):
    """No kind has this name."""


def kind_named(name: str) -> Kind:
    """The kind called ``name``; UnknownKind, naming the kinds there are, if there is none."""
    try:
        return KINDS[name]
    except KeyError:
        raise UnknownKind(f"unknown kind {name!r} (kinds: {', '.join(KINDS)})") from None
