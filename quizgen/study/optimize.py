"""FSRS fitted to the learner: training items from the stored reviews, the fit, its evaluation, and rescheduling.

The arithmetic is fsrs-rs's (``fsrs_rs_python``), the optimizer Anki runs; the quiz keeps scheduling with py-fsrs
(``fsrs``). Both are FSRS-6 with 21 parameters, so parameters fitted by one schedule the other.

Training items are built as Anki's optimizer builds them from its review log: one history per card face, each review
a rating and the days since the previous review, counted as Anki counts them, in whole days back from its next
rollover at 4 am (0 for same-day reviews and learning steps, which stay in the history as short-term memory); one
item per review after the first that fell on a later day than the one before it, holding the history up to it.
Answers that did not move the schedule (practice, exam) and anything that is not a 1-4 rating are left out. Items are
ordered by the time of their last review, so a time-series split fits on the past and scores on the future.
"""

from __future__ import annotations

import json
import os
import signal
import struct
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from itertools import compress, islice, repeat
from operator import sub
from typing import TYPE_CHECKING

import fsrs_rs_python as rs
from fsrs.scheduler import DEFAULT_PARAMETERS

from quizgen.core.bulk import collector_paused
from quizgen.core.display import literal
from quizgen.core.errors import QuizgenError
from quizgen.core.store import RatingHistory, SeededHistory, Sm2Seed, Store
from quizgen.core.time import AnkiDaysAgo, anki_next_day_at
from quizgen.core.time import now as current_time

if TYPE_CHECKING:
    from rich.console import Console

# The retention Anki's FSRS takes SM-2's intervals to have aimed at (Anki's default), when it starts a face from an
# SM-2 seed.
SM2_RETENTION = 0.9
# Below this many items a fit mostly learns noise; Anki, too, asks for several hundred reviews before optimizing.
MIN_ITEMS = 400
# The quiz's relearning: py-fsrs's default of one relearning step, which fsrs-rs takes into account when fitting.
RELEARNING_STEPS = 1
# fsrs-rs's training as Anki's optimizer sets it: eight epochs over the items, where fsrs-rs's default is five.
ANKI_TRAINING = rs.TrainingConfig(num_epochs=8)
# fsrs-rs's time-series split: six equal segments by time, the first one only ever trained on.
SPLIT_SEGMENTS = 6

Progress = Callable[[str], None]


def format_parameters(values: Sequence[float]) -> str:
    return ", ".join(f"{v:.4f}" for v in values)


def stored_parameters(values: Sequence[float]) -> str:
    return json.dumps(rounded_as_stored(values))


def rounded_as_stored(values: Sequence[float]) -> list[float]:
    return [round(v, 6) for v in values]


# Training items --------------------------------------------------------------------------------------------------


@dataclass
class FaceHistory:
    """One face's rated reviews, oldest first: (Anki's day, counted back from its next rollover, rating)."""

    card_pk: int
    face: int
    reviews: list[tuple[int, int]] = field(default_factory=list)

    def fsrs_reviews(self) -> list[rs.FSRSReview]:
        reviews, previous = [], None
        for days_ago, rating in self.reviews:
            reviews.append(rs.FSRSReview(rating, 0 if previous is None else previous - days_ago))
            previous = days_ago
        return reviews


@dataclass
class TrainingSet:
    """Training items, oldest last review first, and beside each the number of its face (fsrs-rs's card ids): the
    optimizer then runs through a face's whole history once for all of its items, as it does for Anki."""

    items: list[rs.FSRSItem]
    face_numbers: list[int]
    reviews: int
    faces: int
    recalled: int = 0  # items whose last review was rated above Again


def histories(faces: Sequence[RatingHistory], now: datetime) -> list[FaceHistory]:
    """The face histories, each review on the day Anki's FSRS puts it on at ``now``."""
    days_ago = AnkiDaysAgo(anki_next_day_at(now)).of_times
    return [FaceHistory(f.card_pk, f.face, list(zip(days_ago(f.times), f.ratings, strict=True))) for f in faces]


def training_set(faces: Sequence[RatingHistory], now: datetime) -> TrainingSet:
    """The items Anki's optimizer would build at ``now`` from these faces' reviews."""
    if not faces:
        return TrainingSet([], [], 0, 0)
    days_ago = AnkiDaysAgo(anki_next_day_at(now)).of_times
    longest = max(len(face.times) for face in faces)
    span = days_ago([min(face.times[0] for face in faces)])[0] + 1
    # One FSRSReview for each rating and wait (no wait is longer than the days spanned), shared by every item, and a
    # slice for each length of history.
    review_of = [[], *([rs.FSRSReview(rating, wait) for wait in range(span)] for rating in (1, 2, 3, 4))]
    up_to = [slice(0, end) for end in range(1, longest + 1)]
    item = rs.FSRSItem
    items: list[rs.FSRSItem] = []
    numbers: list[int] = []
    times: list[str] = []
    reviews = recalled = 0
    # Face by face, each step a C loop (map) over its reviews.
    for number, face in enumerate(faces):
        days = days_ago(face.times)
        waits = [0, *map(sub, days, islice(days, 1, None))]
        steps = list(map(list.__getitem__, map(review_of.__getitem__, face.ratings), waits))
        ends = list(compress(up_to, waits))  # a review on a later day than the one before ends an item
        items.extend(map(item, map(steps.__getitem__, ends)))
        numbers.extend(repeat(number, len(ends)))
        times.extend(compress(face.times, waits))
        recalled += sum(map((1).__lt__, compress(face.ratings, waits)))
        reviews += len(steps)
    order = sorted(range(len(items)), key=times.__getitem__)
    return TrainingSet(list(map(items.__getitem__, order)), list(map(numbers.__getitem__, order)), reviews,
                       len(faces), recalled)


def read_training(store: Store, deck: str | list[str] | None, now: datetime) -> tuple[list[RatingHistory],
                                                                                        TrainingSet]:
    """The rated reviews of the deck's faces (of each deck listed; every deck's, with ``deck`` None) and the training
    set they make."""
    with collector_paused():
        faces = store.rating_history(deck)
        return faces, training_set(faces, now)


# Fitting and evaluating ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    log_loss: float
    rmse_bins: float


@dataclass
class Report:
    """What ``quizgen optimize`` found. ``fitted`` is None when there was too little to fit; ``parameters`` are
    the fit, or the current ones when the fit predicts the reviews no better (``kept``: then ``--apply`` writes
    nothing)."""

    scope: str
    reviews: int
    items: int
    current: list[float]
    fitted: list[float] | None = None
    parameters: list[float] | None = None
    current_all: Score | None = None
    fitted_all: Score | None = None
    current_future: Score | None = None
    fitted_future: Score | None = None
    health_check: bool | None = None
    kept: bool = False
    applied: bool = False
    rescheduled: int = 0

    @property
    def enough(self) -> bool:
        return self.items >= MIN_ITEMS

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["enough"] = self.enough
        data["min_items"] = MIN_ITEMS
        return data


def evaluate(parameters: Sequence[float], items: Sequence[rs.FSRSItem]) -> Score:
    result = rs.FSRS(list(parameters)).evaluate(list(items))
    return Score(float(result.log_loss), float(result.rmse_bins))


@contextmanager
def scored_beside(parameters: Sequence[float], items: Sequence[rs.FSRSItem]) -> Iterator[Callable[[], Score]]:
    """Score ``parameters`` on ``items`` in a forked copy of this process, so that the scoring runs on another core
    while this one fits (fsrs-rs holds the GIL, so a thread would wait its turn); yields the function that waits for
    the score. The copy shares the items already built, and only runs fsrs-rs and writes two numbers to a pipe.
    Scored here instead, when asked, where that cannot help or is not safe (one core; no fork, or a fork that system
    libraries forbid, as on macOS), or when the copy fails."""
    if sys.platform != "linux" or len(os.sched_getaffinity(0)) < 2:
        yield lambda: evaluate(parameters, items)
        return
    reading, writing = os.pipe()
    try:
        with warnings.catch_warnings():
            # Python warns of forking a process with threads (a progress bar's): the copy never meets their locks.
            warnings.simplefilter("ignore", DeprecationWarning)
            child = os.fork()
    except OSError:
        os.close(reading)
        os.close(writing)
        yield lambda: evaluate(parameters, items)
        return
    if child == 0:
        try:
            os.close(reading)
            scored = evaluate(parameters, items)
            os.write(writing, struct.pack("dd", scored.log_loss, scored.rmse_bins))
        finally:
            os._exit(0)  # nothing of this process's own (buffers, exit handlers, the database) runs twice
    os.close(writing)
    with os.fdopen(reading, "rb") as pipe:
        finished = False

        def score() -> Score:
            nonlocal finished
            sent = pipe.read()
            os.waitpid(child, 0)
            finished = True
            if len(sent) != struct.calcsize("dd"):
                return evaluate(parameters, items)
            return Score(*struct.unpack("dd", sent))

        try:
            yield score
        finally:
            if not finished:  # the fit failed or was interrupted: the score is not wanted
                os.kill(child, signal.SIGKILL)
                os.waitpid(child, 0)


def fit_parameters(training: TrainingSet) -> list[float]:
    """The parameters fsrs-rs fits to the items, starting from FSRS's defaults, trained as Anki trains them."""
    fitted = rs.FSRS(list(DEFAULT_PARAMETERS)).compute_parameters(
        training.items, card_ids=training.face_numbers, enable_short_term=True,
        num_relearning_steps=RELEARNING_STEPS, training_config=ANKI_TRAINING,
    )
    # As they would be stored, so the figures shown for a fit are those that --apply stores, to the last digit.
    return rounded_as_stored([float(v) for v in fitted])


def fit(training: TrainingSet, current: Sequence[float], scope: str, progress: Progress | None = None) -> Report:
    """Fit parameters to ``training`` and score them and ``current`` on all the items: what Anki's optimizer does.
    Too few items: a report that says so, with nothing fitted."""
    report = Report(scope, training.reviews, len(training.items), list(current))
    if not report.enough:
        return report
    items = training.items
    step = progress or (lambda _stage: None)
    step("fitting")
    with scored_beside(current, items) as current_score:
        report.fitted = fit_parameters(training)
        step("scoring")
        report.fitted_all = evaluate(report.fitted, items)
        report.current_all = current_score()
    # As Anki does: a fit that predicts the reviews no better than what is in use is not worth switching to.
    report.kept = report.fitted_all.log_loss >= report.current_all.log_loss
    report.parameters = list(current) if report.kept else report.fitted
    return report


def check_on_later_reviews(report: Report, training: TrainingSet, progress: Progress | None = None) -> None:
    """The health check: fitted on earlier items only and scored on the later ones (beside the current parameters
    on the same later items), judged as Anki judges it."""
    if report.fitted is None:
        return
    items, current = training.items, report.current
    (progress or (lambda _stage: None))("checking on later reviews")
    future = rs.evaluate_with_time_series_splits(
        items, card_ids=training.face_numbers, enable_short_term=True, num_relearning_steps=RELEARNING_STEPS,
        training_config=ANKI_TRAINING,
    )
    report.fitted_future = Score(float(future.log_loss), float(future.rmse_bins))
    report.current_future = evaluate(current, items[len(items) // SPLIT_SEGMENTS:])
    report.health_check = is_healthy(report.fitted_future, training.recalled / len(items), len(items))


def is_healthy(future: Score, recalled: float, items: int) -> bool:
    """Anki's health check of a fit scored on later reviews: its log loss and RMSE(bins) are set against what FSRS
    reaches for learners who recall as often (``recalled``, the share of items answered above Again) with as many
    items, and it passes when either is at most a little worse. (Any fit beats poor current parameters, so beating
    them proves nothing. Answers at random mostly fail, on log loss; with RMSE(bins) alone enough to pass, as in
    Anki, some pass all the same.)"""
    expected_log_loss: float = 0.623 * (4 * recalled * (1 - recalled)) ** 0.738
    expected_rmse: float = 0.0135 / (recalled**0.504 - 1.14) + 0.176 / ((items / 1000) ** 0.825 + 2.22) + 0.101
    return future.log_loss <= 1.11 * expected_log_loss or future.rmse_bins <= 1.53 * expected_rmse


# Rescheduling ----------------------------------------------------------------------------------------------------


def decay_factor(parameters: Sequence[float]) -> tuple[float, float]:
    """FSRS-6's forgetting curve R(t) = (1 + factor * t / S) ** -decay, from w[20]."""
    decay = parameters[20]
    return decay, 0.9 ** (-1 / decay) - 1


def interval_days(stability: float, retention: float, parameters: Sequence[float], maximum: int = 36500) -> int:
    """Days until recall falls to ``retention``, rounded and at least a day, as py-fsrs schedules a review."""
    decay, factor = decay_factor(parameters)
    days = stability / factor * (retention ** (-1 / decay) - 1)
    return int(min(max(round(days), 1), maximum))


def memory_states(faces: Sequence[RatingHistory], parameters: Sequence[float], now: datetime
                  ) -> list[tuple[float, float]]:
    """The memory state (stability, difficulty) each face's rated reviews lead to under ``parameters``, as Anki's
    FSRS computes it from a card's log."""
    if not faces:
        return []
    items = [rs.FSRSItem(history.fsrs_reviews()) for history in histories(faces, now)]
    return [(float(state.stability), float(state.difficulty))
            for state in rs.FSRS(list(parameters)).memory_state_batch(items)]


def seed_state(fsrs: rs.FSRS, seed: Sm2Seed) -> rs.MemoryState:
    """The memory state an SM-2 seed stands for, as Anki's FSRS takes it."""
    state = fsrs.memory_state_from_sm2(seed.ease, seed.interval_days, SM2_RETENTION)
    if seed.ease <= 1.1:  # an ease this low was logged by Anki's FSRS, which keeps the difficulty there
        return rs.MemoryState(state.stability, (seed.ease - 0.1) * 9 + 1)
    return state


def seeded_memory_states(faces: Sequence[SeededHistory], parameters: Sequence[float], now: datetime
                         ) -> list[tuple[float, float]]:
    """The memory state (stability, difficulty) of each face FSRS starts from an SM-2 seed: the seed's, carried
    through the answers after it under ``parameters``, as Anki's FSRS computes a log without learning steps."""
    fsrs = rs.FSRS(list(parameters))
    states = [seed_state(fsrs, face.seed) for face in faces]
    answered = [i for i, face in enumerate(faces) if face.times]
    if answered:
        # The seed's answer is where the first wait counts from; it is the seed, so it is not replayed.
        days = histories([RatingHistory(faces[i].card_pk, faces[i].face, [faces[i].seed.seeded_at, *faces[i].times],
                                        [3, *faces[i].ratings]) for i in answered], now)
        items = [rs.FSRSItem(history.fsrs_reviews()[1:]) for history in days]
        replayed = fsrs.memory_state_batch(items, [states[i] for i in answered])
        for i, state in zip(answered, replayed, strict=True):
            states[i] = state
    return [(float(state.stability), float(state.difficulty)) for state in states]


@dataclass(frozen=True)
class Rescheduled:
    card_pk: int
    face: int
    stability: float
    difficulty: float
    due: datetime


def reschedule(
    faces: Sequence[FaceHistory], parameters: Sequence[float], retention: float, last_reviews: dict[tuple[int, int],
                                                                                                     datetime]
) -> list[Rescheduled]:
    """New memory states of the faces in review (``last_reviews``: their last review time) from their whole history
    under ``parameters``, and the due dates those give; faces still in (re)learning keep their short steps."""
    chosen = [h for h in faces if (h.card_pk, h.face) in last_reviews]
    if not chosen:
        return []
    states = rs.FSRS(list(parameters)).memory_state_batch([rs.FSRSItem(h.fsrs_reviews()) for h in chosen])
    result = []
    for history, state in zip(chosen, states, strict=True):
        last = last_reviews[(history.card_pk, history.face)]
        days = interval_days(state.stability, retention, parameters)
        result.append(Rescheduled(history.card_pk, history.face, float(state.stability), float(state.difficulty),
                                  last + timedelta(days=days)))
    return result


# Reading and writing the store -----------------------------------------------------------------------------------


class NothingToFit(QuizgenError):
    """Nothing to fit. ``report``: when the decks to fit have no reviews, the report of that (no reviews, too little
    to fit), which ``--json`` prints so that a script reads the same fields as for a short history; None when every
    deck has parameters of its own."""

    def __init__(self, message: str, report: Report | None = None):
        super().__init__(message)
        self.report = report


def run(store: Store, deck: str | None, apply: bool, progress: Progress | None = None, now: datetime | None = None
        ) -> Report:
    """Fit the deck's reviews, or with ``deck`` None those of every deck without parameters of its own (the decks the
    shared parameters schedule, as Anki fits each preset to its own decks), and, with ``apply``, store the
    parameters and reschedule those decks' faces in review from their history under them. Nothing is written
    without ``apply``, when there was too little to fit, nor when the current parameters are kept (stored, they
    would tie the deck to what it now only inherits)."""
    from quizgen.study.schedule import deck_parameters, parameters_key, setting_value

    now = now or current_time()
    found = store.deck(deck) if deck is not None else None
    slug = found.slug if found is not None else None
    scope = found.name if found is not None else "All decks"
    fitted_decks: str | list[str] | None = slug
    if found is None:
        slugs = [d.slug for d in store.decks()]
        shared = [name for name in slugs if store.get_config(parameters_key(name)) is None]
        if slugs and not shared:
            raise NothingToFit(
                "nothing to fit: every deck has parameters of its own (fit one with 'quizgen optimize DECK')"
            )
        if len(shared) < len(slugs):
            fitted_decks, scope = shared, f"Decks without parameters of their own: {', '.join(shared)}"
    reviews, training = read_training(store, fitted_decks, now)
    current = deck_parameters(store.get_config, slug)
    if not reviews:
        where = (f"deck '{slug}' has" if slug else "the database has" if fitted_decks is None
                 else "the decks without parameters of their own have")
        raise NothingToFit(f"nothing to fit: {where} no reviews from review mode yet", Report(scope, 0, 0, current))
    report = fit(training, current, scope, progress)
    check_on_later_reviews(report, training, progress)
    if not apply or report.parameters is None or report.kept:
        return report
    retention = setting_value(store.get_config, "retention")
    by_deck: dict[str, list[FaceHistory]] = {}
    decks = store.card_decks(slug)
    for history in histories(reviews, now):
        by_deck.setdefault(decks[history.card_pk], []).append(history)
    rows = []
    in_review = store.faces_in_review(slug)
    for name, deck_faces in by_deck.items():
        if slug is None and store.get_config(parameters_key(name)) is not None:
            continue  # its own parameters did not change, nor does its schedule
        rows.extend(reschedule(deck_faces, report.parameters, retention, in_review))
    # Faces whose Anki log has no learning steps: out of the fit, but rescheduled from their SM-2 seed, as in Anki.
    seeded = [face for face in store.seeded_histories(fitted_decks) if (face.card_pk, face.face) in in_review]
    for face, (stability, difficulty) in zip(seeded, seeded_memory_states(seeded, report.parameters, now), strict=True):
        last = in_review[(face.card_pk, face.face)]
        due = last + timedelta(days=interval_days(stability, retention, report.parameters))
        rows.append(Rescheduled(face.card_pk, face.face, stability, difficulty, due))
    store.set_parameters_and_memory_states(parameters_key(slug), stored_parameters(report.parameters),
                                           [(r.card_pk, r.face, r.stability, r.difficulty, r.due) for r in rows])
    report.applied, report.rescheduled = True, len(rows)
    return report


def render(report: Report, console: Console | None = None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = console or Console(highlight=False, markup=False, emoji=False)
    console.print(literal(report.scope, style="bold"))
    console.print(f"{report.reviews:,} reviews from review mode; {report.items:,} training items (one per review on "
                  "a later day than the one before)")
    if not report.enough:
        console.print(f"Too little history to fit: FSRS needs at least {MIN_ITEMS} items. The current parameters "
                      "are kept.")
        return
    table = Table("parameters", "scored on", "log loss", "RMSE(bins)", box=None, header_style="bold",
                  padding=(0, 1))
    rows = [("current", "all reviews", report.current_all), ("fitted", "all reviews", report.fitted_all),
            ("current", "later reviews", report.current_future),
            ("fitted on earlier", "later reviews", report.fitted_future)]
    for name, scored, score in rows:
        assert score is not None
        table.add_row(name, scored, f"{score.log_loss:.4f}", f"{score.rmse_bins:.2%}")
    console.print(table)
    if report.health_check:
        console.print("Health check passed: fitted on earlier reviews only, the parameters predict the later ones "
                      "about as well as FSRS does for learners who recall as often (Anki's check).")
    else:
        console.print("Health check failed: fitted on earlier reviews only, the parameters predict the later ones "
                      "much worse than FSRS does for learners who recall as often (Anki's check). Your answers may "
                      "be too few or too uneven to fit yet.")
    assert report.fitted is not None and report.parameters is not None
    # One line however narrow the terminal (it wraps it), so it is copied or found whole.
    console.print(f"Fitted parameters: {format_parameters(report.fitted)}", soft_wrap=True)
    if report.kept:
        console.print("Nothing applied: the fit is no better than the current parameters, which are kept.")
    elif report.applied:
        console.print(f"Applied: parameters stored; {report.rescheduled:,} faces in review rescheduled.")
        if not report.health_check:
            console.print("They failed the health check: 'quizgen config parameters default' goes back to FSRS's "
                          "own (with --deck, to every deck's).")
    else:
        console.print("Nothing changed: run again with --apply to use them.")


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[Progress]:
    """A bar on stderr through the stages of a fit, when stderr is a terminal; drawn only once a stage runs long
    enough to notice (rich waits before the first refresh) and cleared afterwards."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    if not enabled or not console.is_terminal:
        yield lambda _stage: None
        return
    stages = ["fitting", "scoring", "checking on later reviews"]
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("reading reviews", total=len(stages))

        def step(stage: str) -> None:
            bar.update(task, description=stage, completed=stages.index(stage))

        yield step


# Workload forecast -----------------------------------------------------------------------------------------------


def forecast_reviews(
    faces: Iterable[tuple[int, int, float, float]], parameters: Sequence[float], retention: float, days: int,
    seed: int = 0,
) -> list[int]:
    """Reviews a day over the next ``days`` days, for the studied ``faces``, each as the day it falls due (0 today,
    overdue included), the day of its last review (negative: before today) and its memory state (stability,
    difficulty). Every face is taken to be reviewed the day it falls due and recalled with the probability FSRS
    gives (drawn from a seeded generator, so the same cards give the same forecast): a recalled face is rated Good
    and waits the interval ``retention`` gives; a forgotten one Again, and comes back next day."""
    import random

    rng = random.Random(seed)
    draw, next_states, memory_state = rng.random, rs.FSRS(list(parameters)).next_states, rs.MemoryState
    decay, factor = decay_factor(parameters)
    # interval_days inline, for the tens of thousands of reviews simulated: its cap of a hundred years lies far past
    # any window, so it is left out.
    to_retention = retention ** (-1 / decay) - 1
    counts = [0] * days
    # Buckets by day, so a face reviewed again within the window is picked up on its new day.
    pending: list[list[tuple[int, float, float]]] = [[] for _ in range(days)]
    for due_day, last_day, stability, difficulty in faces:
        if due_day < days:
            pending[max(due_day, 0)].append((last_day, stability, difficulty))
    for day in range(days):
        counts[day] = len(pending[day])
        for last_day, stability, difficulty in pending[day]:
            elapsed = day - last_day if day > last_day else 0
            if draw() < (1 + factor * elapsed / stability) ** -decay:
                # Good never lowers stability: a face whose present interval already ends after the window is not
                # back within it, and needs no new memory state.
                if day + (round(stability / factor * to_retention) or 1) >= days:
                    continue
                memory = next_states(memory_state(stability, difficulty), retention, elapsed).good.memory
                wait = round(memory.stability / factor * to_retention) or 1
            else:
                if day + 1 >= days:
                    continue
                memory = next_states(memory_state(stability, difficulty), retention, elapsed).again.memory
                wait = 1
            if day + wait < days:
                pending[day + wait].append((day, memory.stability, memory.difficulty))
    return counts
