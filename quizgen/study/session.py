"""The quiz as a pure state machine: which face comes next, how it is shown, how an answer is graded and rated.

Nothing here reads the clock, draws from the global random generator, touches the database or the terminal: the
clock, a ``random.Random``, the scheduler (whose interval fuzzing tests turn off) and a ``fetch`` function (card and
schedule of a face) are passed in, so a test pins every choice. Which faces to ask is the plan's (``plan``); the
caller stores each ``Outcome`` (``Outcome.record()``) before asking for the next question.

States (``SessionState``): idle -> asking -> (revealed, for self-rated kinds) -> answered -> idle ... -> done.

In review mode a face rated Again comes back at the end of the queue; a face left in (re)learning by another
rating is kept aside with its due time, and asked as soon as it is due, or, when nothing else is left, if it falls
due within the learn-ahead limit (as Anki does); so is a face another quiz has studied since the session was
planned. The learner may also take back the last answer (``undo``), set a
card aside for the rest of the session (``set_aside``: buried or suspended) and ask a face again as edited
(``reask``).
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, NamedTuple

from fsrs import Rating

from quizgen.core.cards import Card
from quizgen.core.errors import UnknownCard
from quizgen.core.kinds.base import Shown
from quizgen.core.kinds.grading import Grade
from quizgen.core.store import Answer
from quizgen.core.time import utc
from quizgen.study.schedule import LEARNING_STATES, NEW, FaceScheduler, applied_at, due_at

REVIEW, PRACTICE, EXAM = "review", "practice", "exam"
MODES = (REVIEW, PRACTICE, EXAM)


class Entry(NamedTuple):
    """One face of one card in a queue."""

    card_pk: int
    face: int


@dataclass
class Item:
    """A face ready to ask: its card and its schedule row as stored."""

    card_pk: int
    face: int
    card: Card
    schedule: dict[str, Any]

    @property
    def is_new(self) -> bool:
        return bool(self.schedule["state"] == NEW)


# Questions and outcomes ------------------------------------------------------------------------------------------


@dataclass
class Question:
    """One face as shown: shuffled choices fixed, the text to show, and the right answer in the shown labels.

    ``options`` are the lettered lines (mcq and multi choices, order items, match right sides); ``lefts`` the
    numbered lines of a match card; ``back`` what a self-rated card reveals.
    """

    number: int
    total: int
    item: Item
    text: str
    options: list[str]
    lefts: list[str]
    back: str
    expected: str
    shown_at: datetime

    @property
    def card(self) -> Card:
        return self.item.card

    @property
    def kind(self) -> str:
        return self.item.card.kind

    @property
    def self_rated(self) -> bool:
        return self.item.card.spec.rated_by_learner(self.item.card)


@dataclass
class Outcome:
    """An answered question: the verdict, the proposed and chosen ratings, and the schedule it leads to.

    ``schedule_after`` is None when the mode leaves the schedule alone (practice, exam).
    """

    question: Question
    mode: str
    response: str
    correct: bool
    typo: bool
    slow: bool
    proposed: Rating
    rating: Rating
    reviewed_at: datetime
    duration_ms: int
    previews: dict[Rating, dict[str, Any]]
    schedule_after: dict[str, Any] | None
    # More about the verdict for the feedback: which pairs were right, what was accepted.
    detail: str = ""

    def interval(self, rating: Rating | None = None) -> timedelta | None:
        """Wait until the next review after ``rating`` (default: the chosen one); None if not scheduled."""
        row = self.previews.get(rating or self.rating) if self.previews else None
        due = due_at(row) if row else None
        return due - self.reviewed_at if due else None

    def record(self) -> Answer:
        """The answer as the store keeps it (``Store.record_answer``, and ``Store.amend_answer`` after a new rating)."""
        item = self.question.item
        return Answer(
            card_pk=item.card_pk,
            face=item.face,
            reviewed_at=self.reviewed_at,
            mode=self.mode,
            rating=int(self.rating),
            correct=self.correct,
            response=self.response,
            duration_ms=self.duration_ms,
            due_before=item.schedule["due"],
            schedule=self.schedule_after,
            schedule_before=item.schedule,
        )


@dataclass
class SectionScore:
    correct: int = 0
    answered: int = 0

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0


@dataclass
class Summary:
    mode: str
    started: datetime
    ended: datetime
    answered: int
    correct: int
    skipped: int
    remaining: int
    by_section: dict[str, SectionScore] = field(default_factory=dict)
    missed: list[Outcome] = field(default_factory=list)
    # Faces still being learnt that the session left for later (due beyond the learn-ahead limit), and the soonest.
    learning: int = 0
    next_learning: datetime | None = None

    @property
    def elapsed(self) -> timedelta:
        return self.ended - self.started

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0


class NotAsked(Exception):
    """Raised by a session's ``fetch`` for a new face no longer to be asked today (another quiz has used up the
    day's new cards): the session moves on to the next."""


class SessionError(RuntimeError):
    """A method was called in a state that does not allow it (a bug in the caller, not the learner's doing)."""


class SessionState(Enum):
    IDLE = "idle"
    ASKING = "asking"
    REVEALED = "revealed"
    ANSWERED = "answered"
    DONE = "done"


CLAIM_MARK = "!"
CLAIMED = "Counted as right: you marked your answer with '!'."


def claims_right(response: str) -> tuple[bool, str]:
    """Whether the learner marked the answer right themselves ("pitutary!", as Quizlet's "I was right": the only
    remedy when the grader misses a synonym), and the answer to grade without the mark."""
    text = response.rstrip()
    if text.endswith(CLAIM_MARK) and text[:-1].strip():
        return True, text[:-1]
    return False, response


def propose_rating(correct: bool, typo: bool, slow: bool) -> Rating:
    """Wrong is Again; right with a typo or slowly is Hard; right is Good."""
    if not correct:
        return Rating.Again
    return Rating.Hard if typo or slow else Rating.Good


class Session:
    """One quiz session over a fixed queue.

    Args:
        mode: review (answers reschedule), practice (feedback, schedule untouched) or exam (schedule untouched,
            feedback only in the summary).
        queue: the faces to ask, in order.
        fetch: the card and schedule row of a face.
        clock: now, timezone-aware.
        rng: shuffles choices.
        scheduler: computes the next schedule in review mode.
        learning: faces in (re)learning to keep for this session, with their due times.
        learn_ahead: how far ahead of its due time a face being learnt is asked when nothing else is left.
    """

    def __init__(
        self,
        mode: str,
        queue: list[Entry],
        fetch: Callable[[Entry], Item],
        clock: Callable[[], datetime],
        rng: random.Random,
        scheduler: FaceScheduler | None = None,
        learning: list[tuple[Entry, datetime]] | None = None,
        learn_ahead: timedelta = timedelta(0),
        deck_schedulers: dict[str, FaceScheduler] | None = None,
    ):
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        if mode == REVIEW and scheduler is None:
            raise ValueError("review mode needs a scheduler")
        self.mode = mode
        self.queue = [Entry(*e) for e in queue]
        self.fetch = fetch
        self.clock = lambda: utc(clock())
        self.rng = rng
        self.scheduler = scheduler
        self.deck_schedulers = deck_schedulers or {}
        self.started = self.clock()
        self.outcomes: list[Outcome] = []
        self.skipped = 0
        self.state = SessionState.IDLE
        self.position = 0
        self._question: Question | None = None
        self.revealed_at: datetime | None = None
        self._updated: dict[Entry, dict[str, Any]] = {}
        self._ended: datetime | None = None
        self._unanswered = 0
        self.learn_ahead = learn_ahead
        self._learning: dict[Entry, datetime] = {}
        # The same faces, soonest first; entries no longer in ``_learning`` (or due otherwise now) are passed over.
        self._learning_heap: list[tuple[datetime, Entry]] = []
        for entry, due in learning or []:
            self._keep_learning(Entry(*entry), utc(due))
        self._set_aside: set[int] = set()

    @property
    def question(self) -> Question:
        """The question shown last; SessionError before the first."""
        if self._question is None:
            raise SessionError("no question has been shown yet")
        return self._question

    def _scheduler_for(self, item: Item) -> FaceScheduler:
        """The scheduler of the item's deck: decks may have FSRS parameters of their own."""
        scheduler = self.deck_schedulers.get(item.card.deck, self.scheduler)
        if scheduler is None:
            raise SessionError("only review sessions schedule")
        return scheduler

    def _expect(self, *states: SessionState) -> None:
        if self.state not in states:
            expected = " or ".join(state.value for state in states)
            raise SessionError(f"session is {self.state.value}, expected {expected}")

    def next_question(self) -> Question | None:
        """Move on: the next face, shown; None when the queue is done (or the session was quit)."""
        self._expect(SessionState.IDLE, SessionState.ANSWERED, SessionState.DONE)
        if self.state == SessionState.DONE:
            return None
        if self.state == SessionState.ANSWERED:
            self._keep_if_learning(self.outcomes[-1])
        while True:
            self._take_learning()
            if self.position >= len(self.queue):
                self._finish()
                return None
            entry = self.queue[self.position]
            self.position += 1
            if entry.card_pk in self._set_aside:
                continue
            try:
                item = self.fetch(entry)
            except (UnknownCard, NotAsked):
                # Retired, or the face removed, by an import while this session ran, suspended or buried by another
                # quiz, or no longer to be asked today.
                continue
            due = due_at(item.schedule) if self.mode == REVIEW and entry not in self._updated else None
            if due is None or self._askable(due):
                break
            # Another quiz has studied the face since this one was planned: it comes back when due, as one being
            # learnt here does.
            self._keep_learning(entry, due)
        if entry in self._updated:
            item = replace(item, schedule=self._updated[entry])
        self._question = self._present(item)
        self.revealed_at = None
        self.state = SessionState.ASKING
        return self._question

    def _keep_if_learning(self, outcome: Outcome) -> None:
        """In review mode a face rated Again comes back at the end of the session, from its relearning state; one
        left in (re)learning otherwise is kept to be asked when due."""
        after = outcome.schedule_after
        entry = Entry(outcome.question.item.card_pk, outcome.question.item.face)
        if after is None or entry.card_pk in self._set_aside:
            return
        if outcome.rating == Rating.Again:
            self.queue.append(entry)
        elif after["state"] in LEARNING_STATES and (due := due_at(after)) is not None:
            self._keep_learning(entry, due)

    def _keep_learning(self, entry: Entry, due: datetime) -> None:
        self._learning[entry] = due
        heapq.heappush(self._learning_heap, (due, entry))

    def _take_learning(self) -> None:
        """Put the soonest face being learnt next in the queue if it is due, or if nothing else is left and it falls
        due within the learn-ahead limit."""
        heap = self._learning_heap
        while heap and self._learning.get(heap[0][1]) != heap[0][0]:
            heapq.heappop(heap)
        if not heap:
            return
        due, entry = heap[0]
        if self._askable(due):
            heapq.heappop(heap)
            del self._learning[entry]
            self.queue.insert(self.position, entry)

    def _askable(self, due: datetime) -> bool:
        """Whether a face falling due at ``due`` is asked now: when due, or, if nothing else is left, when it falls
        due within the learn-ahead limit."""
        now = self.clock()
        return due <= now or (self.position >= len(self.queue) and due <= now + self.learn_ahead)

    def _present(self, item: Item) -> Question:
        shown = item.card.spec.present(item.card, item.face, self.rng)
        # Counted by what the learner has been through, so a face asked again after an undo keeps its number.
        number = len(self.outcomes) + self.skipped + 1
        return Question(
            number=number, total=number + len(self.queue) - self.position, item=item, text=shown.text,
            options=shown.options, lefts=shown.lefts, back=shown.back, expected=shown.expected, shown_at=self.clock(),
        )

    def _grade(self, response: str) -> Grade:
        q = self.question
        assert q is not None, "answer() grades only while asking"
        kind = q.card.spec
        if q.self_rated:
            raise SessionError(f"this {kind.name} card is self-rated: reveal, then rate")
        shown = Shown(q.text, q.options, q.lefts, q.back, q.expected)
        return kind.grade(q.card, q.item.face, shown, response)

    def answer(self, response: str) -> Outcome:
        """Grade a typed answer and propose a rating.

        Raises:
            grading.InvalidAnswer: the response cannot be read as an answer of this kind; ask again.
        """
        self._expect(SessionState.ASKING)
        if self.question.self_rated:
            raise SessionError("self-rated cards are revealed and rated, not answered")
        claimed, graded = claims_right(response)
        verdict = self._grade(graded)
        if claimed and not verdict.correct:
            verdict = Grade(True, detail=CLAIMED)
        now = self.clock()
        took = now - self.question.shown_at
        limit = self.question.card.spec.slow_seconds
        slow = verdict.correct and limit is not None and took.total_seconds() > limit
        proposed = propose_rating(verdict.correct, verdict.typo, slow)
        outcome = self._conclude(response, verdict.correct, verdict.typo, slow, proposed, now, took)
        outcome.detail = verdict.detail
        return outcome

    def waits(self) -> dict[Rating, timedelta]:
        """The wait until the next review each rating would give the current face (review mode; else empty), to show
        before a self-rated card is rated: worked out when it was revealed, and given from the rating."""
        if self.mode != REVIEW or self.scheduler is None:
            return {}
        now = self.revealed_at if self.state == SessionState.REVEALED and self.revealed_at else self.clock()
        item = self.question.item
        previews = self._scheduler_for(item).preview(item.schedule, now, (item.card_pk, item.face))
        waits = {}
        for rating, row in previews.items():
            due = due_at(row)
            if due is not None:
                waits[rating] = due - now
        return waits

    def reveal(self) -> Question:
        """Show the back of a self-rated card; the time to recall ends here."""
        self._expect(SessionState.ASKING)
        if not self.question.self_rated:
            raise SessionError("only self-rated cards are revealed")
        self.revealed_at = self.clock()
        self.state = SessionState.REVEALED
        return self.question

    def refresh(self, stored: dict[str, Any]) -> bool:
        """Take up the schedule the face shown has in the store now, before its waits are shown (review mode, the
        one that shows them); True if another quiz has answered the face since it was shown, changing it."""
        self._expect(SessionState.ASKING, SessionState.REVEALED)
        question = self.question
        if self.mode != REVIEW or stored == question.item.schedule:
            return False
        self._question = replace(question, item=replace(question.item, schedule=stored))
        return True

    def rate(self, rating: Rating | int) -> Outcome:
        """Rate a revealed self-rated card, or override the rating proposed for the last answer: right or wrong then
        follows the rating (Again is wrong, any other rating right), as a grader that missed a synonym needs."""
        rating = Rating(rating)
        self._expect(SessionState.REVEALED, SessionState.ANSWERED)
        if self.state == SessionState.REVEALED:
            assert self.revealed_at is not None  # set by reveal(), the only way into REVEALED
            took = self.revealed_at - self.question.shown_at
            # The waits shown on revealing are the ones given, from the rating, however long it took (4 am may have
            # passed since, changing the day FSRS counts).
            return self._conclude("", rating != Rating.Again, False, False, rating, self.clock(), took, rating,
                                  waits_from=self.revealed_at)
        last = self.outcomes[-1]
        schedule_after = last.previews[rating] if last.previews else None
        overridden = replace(last, rating=rating, correct=rating != Rating.Again, schedule_after=schedule_after)
        self.outcomes[-1] = overridden
        self._remember(overridden)
        return overridden

    def _conclude(
        self, response: str, correct: bool, typo: bool, slow: bool, proposed: Rating, now: datetime,
        took: timedelta, rating: Rating | None = None, waits_from: datetime | None = None,
    ) -> Outcome:
        """The outcome of an answer at ``now``; with ``waits_from``, its schedule is the one worked out then (when
        the waits were shown), taken up at ``now``."""
        item = self.question.item
        reschedules = self.mode == REVIEW and self.scheduler is not None
        face = (item.card_pk, item.face)
        at = waits_from or now
        previews = self._scheduler_for(item).preview(item.schedule, at, face) if reschedules else {}
        previews = {chosen: applied_at(row, at, now) for chosen, row in previews.items()}
        chosen = rating or proposed
        outcome = Outcome(
            question=self.question, mode=self.mode, response=response, correct=correct, typo=typo, slow=slow,
            proposed=proposed, rating=chosen, reviewed_at=now, duration_ms=int(took.total_seconds() * 1000),
            previews=previews, schedule_after=previews.get(chosen),
        )
        self.outcomes.append(outcome)
        self._remember(outcome)
        self.state = SessionState.ANSWERED
        return outcome

    def rebase(self, schedule: dict[str, Any]) -> Outcome:
        """The last answer worked out again from the face's schedule as it is stored now (another quiz answered the
        face since it was shown): the same rating, with the schedule and waits it gives from there."""
        self._expect(SessionState.ANSWERED)
        last = self.outcomes[-1]
        item = replace(last.question.item, schedule=schedule)
        question = replace(last.question, item=item)
        previews = self._scheduler_for(item).preview(schedule, last.reviewed_at, (item.card_pk, item.face))
        rebased = replace(last, question=question, previews=previews, schedule_after=previews.get(last.rating))
        self.outcomes[-1] = rebased
        self._question = question
        self._remember(rebased)
        return rebased

    def _remember(self, outcome: Outcome) -> None:
        if outcome.schedule_after is not None:
            item = outcome.question.item
            self._updated[Entry(item.card_pk, item.face)] = outcome.schedule_after

    def undo(self, ask_again: bool = True, schedule: dict[str, Any] | None = None) -> Outcome | None:
        """Take back the last answer: the face it answered is asked again next (before the one shown, if any), from
        ``schedule`` (default: its schedule before the answer), or, unless ``ask_again`` (another quiz has answered
        it since, and its schedule is that answer's), when fetched as due. Returns the outcome taken back, whose
        ``question.item.schedule`` is the face's schedule before it; None if nothing was answered yet."""
        self._expect(SessionState.ASKING, SessionState.REVEALED, SessionState.ANSWERED)
        if not self.outcomes:
            return None
        outcome = self.outcomes.pop()
        item = outcome.question.item
        entry = Entry(item.card_pk, item.face)
        answered = self.state == SessionState.ANSWERED
        # Answered: that face is the one before ``position``. Asking: the face shown goes back to come after it.
        if ask_again or not answered:
            self.position -= 1
        if not answered:
            # What moving on from the answer did (``_keep_if_learning``) is undone too.
            self._learning.pop(entry, None)
            again = outcome.schedule_after is not None and outcome.rating == Rating.Again
            if again and self.queue[-1] == entry and len(self.queue) > self.position:
                self.queue.pop()
            if ask_again:
                self.queue.insert(self.position, entry)
        if ask_again:
            self._updated[entry] = schedule or item.schedule
        else:
            self._updated.pop(entry, None)
        self.state = SessionState.IDLE
        return outcome

    def set_aside(self, card_pk: int) -> None:
        """Ask no more faces of this card in this session (it was buried or suspended); the face shown, if any, is
        left unanswered, and an answer already given stands."""
        self._expect(SessionState.ASKING, SessionState.REVEALED, SessionState.ANSWERED)
        self._set_aside.add(card_pk)
        self._learning = {entry: due for entry, due in self._learning.items() if entry.card_pk != card_pk}
        if self.state != SessionState.ANSWERED:
            self.state = SessionState.IDLE

    def reask(self) -> None:
        """Show the face being asked again from the start, read afresh (after its card was edited)."""
        self._expect(SessionState.ASKING, SessionState.REVEALED)
        self.position -= 1
        self.state = SessionState.IDLE

    def skip(self) -> None:
        """Leave the current face unanswered (in review mode it stays due)."""
        self._expect(SessionState.ASKING, SessionState.REVEALED)
        self.skipped += 1
        self.state = SessionState.IDLE

    def quit(self) -> None:
        """End now; what was answered stands."""
        self._finish()

    def _finish(self) -> None:
        if self._ended is None:
            self._ended = self.clock()
        if self.state in (SessionState.ASKING, SessionState.REVEALED):
            self._unanswered = 1
        self.state = SessionState.DONE

    def summary(self) -> Summary:
        # Every face left in (re)learning, those rated Again (queued to come back in this session) among them.
        learning = {
            entry: due for entry, row in self._updated.items()
            if entry.card_pk not in self._set_aside and row["state"] in LEARNING_STATES
            and (due := due_at(row)) is not None
        }
        unasked = len(self.queue) - self.position + self._unanswered
        if self.state in (SessionState.ASKING, SessionState.REVEALED):
            unasked += 1
        by_section: dict[str, SectionScore] = {}
        for outcome in self.outcomes:
            score = by_section.setdefault(outcome.question.card.section, SectionScore())
            score.answered += 1
            score.correct += int(outcome.correct)
        return Summary(
            mode=self.mode,
            started=self.started,
            ended=self._ended or self.clock(),
            answered=len(self.outcomes),
            correct=sum(1 for o in self.outcomes if o.correct),
            skipped=self.skipped,
            remaining=unasked,
            by_section=dict(sorted(by_section.items())),
            missed=[o for o in self.outcomes if not o.correct],
            learning=len(learning),
            next_learning=min(learning.values(), default=None),
        )
