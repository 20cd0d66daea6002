"""The figures of ``quizgen stats``: what is studied and due, how reviews went, and where the learner is weakest.

Reviews are the answers that rescheduled a face (review mode); practice and exam answers are counted on a line of
their own and leave accuracy and the weakest sections and cards alone.

Built to stay near a second on 100k cards and 1M reviews: SQLite does the counting (see the store's Stats
methods), so only the faces due within 30 days, for the simulated workload, and one small row per studied face, for
FSRS retrievability, reach Python. Days are the learner's local days: the stored times at which they begin are
worked out once, and SQLite sorts times between them. FSRS runs with the deck's parameters (those of every deck, for
all).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from fsrs import State

from quizgen.core.display import literal, visible
from quizgen.core.store import ScheduleTally, Store
from quizgen.core.time import day_start, from_stored, local_day, to_stored, utc
from quizgen.study.optimize import decay_factor, forecast_reviews
from quizgen.study.schedule import NEW, STATE_NAMES, deck_parameters, own_parameters, setting_value

if TYPE_CHECKING:
    from rich.console import Console

FORECAST_DAYS = 14
WORKLOAD_DAYS = 30
# True retention by the wait before the review, in days: (label, shortest wait) in order.
RETENTION_BANDS = [("1 day", 1), ("2-6 days", 2), ("1-3 weeks", 7), ("3 weeks+", 21)]
HISTORY_DAYS = 30
WEAKEST = 5
BLOCKS = " ▁▂▃▄▅▆▇█"


@dataclass
class SectionStat:
    section: str
    answered: int
    correct: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0


@dataclass
class WeakCard:
    deck: str
    id: str
    face: int
    face_label: str
    prompt: str
    difficulty: float
    retrievability: float
    answered: int
    wrong: int


@dataclass
class RetentionBand:
    band: str
    reviews: int
    recalled: int

    @property
    def retention(self) -> float | None:
        return self.recalled / self.reviews if self.reviews else None


@dataclass
class Workload:
    """Reviews a day over the next 30 days, simulated at one desired retention."""

    retention: float
    days: list[tuple[date, int]]

    @property
    def total(self) -> int:
        return sum(count for _day, count in self.days)


@dataclass
class Stats:
    scope: str
    cards: int = 0
    faces: int = 0
    new: int = 0  # faces of cards neither suspended nor buried, as are learning and review
    learning: int = 0
    review: int = 0
    suspended: int = 0  # faces of suspended cards
    buried: int = 0  # faces of buried cards, until their burial ends
    due: int = 0
    due_week: int = 0
    reviews: int = 0
    reviews_7d: int = 0
    reviews_30d: int = 0
    accuracy: float | None = None
    accuracy_30d: float | None = None
    retrievability: float | None = None
    # Practice and exam answers leave the schedule alone: counted here, apart from the reviews above.
    practice_answers: int = 0
    practice_correct: int = 0
    exam_answers: int = 0
    exam_correct: int = 0
    desired_retention: float = 0.9
    true_retention: list[RetentionBand] = field(default_factory=list)
    forecast: list[tuple[date, int]] = field(default_factory=list)
    workload: list[Workload] = field(default_factory=list)
    history: list[tuple[date, int, int]] = field(default_factory=list)
    weakest_sections: list[SectionStat] = field(default_factory=list)
    weakest_cards: list[WeakCard] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["forecast"] = [{"date": day.isoformat(), "due": count} for day, count in self.forecast]
        data["history"] = [
            {"date": day.isoformat(), "reviews": count, "correct": right} for day, count, right in self.history
        ]
        data["true_retention_30d"] = self.true_retention_total
        for band, figures in zip(self.true_retention, data["true_retention"], strict=True):
            figures["retention"] = band.retention
        data["workload"] = [
            {"retention": w.retention, "total": w.total,
             "days": [{"date": day.isoformat(), "reviews": count} for day, count in w.days]}
            for w in self.workload
        ]
        for section in data["weakest_sections"]:
            section["accuracy"] = section["correct"] / section["answered"] if section["answered"] else 0.0
        return data

    @property
    def true_retention_total(self) -> float | None:
        reviews = sum(b.reviews for b in self.true_retention)
        return sum(b.recalled for b in self.true_retention) / reviews if reviews else None


def retention_percent(retention: float) -> str:
    """A desired retention as a percentage, with the tenth of a percent it has (85.5%), if any."""
    whole = round(retention * 100)
    return f"{whole}%" if abs(retention * 100 - whole) < 1e-9 else f"{retention:.1%}"


def compute(store: Store, deck: str | None, now: datetime, compare_retention: float | None = None) -> Stats:
    """Figures for one deck (by slug) or, with ``deck`` None, for every deck together (or the only one);
    ``compare_retention`` adds the workload forecast at that desired retention beside the current one."""
    decks = store.decks()
    if deck is None and len(decks) == 1:
        deck = decks[0].slug
    scope = store.deck(deck).name if deck is not None else "All decks"
    stats = Stats(scope=scope, desired_retention=setting_value(store.get_config, "retention"))
    stats.cards = store.active_card_count(deck)
    parameters = deck_parameters(store.get_config, deck)
    groups = parameter_groups(store, deck)
    # The answers, the sections and the schedule are counted on connections of their own, in other threads, while
    # this one reads the faces soon due and simulates the workload: SQLite lets go of Python as it counts, and on a
    # large database each of the three takes about as long.
    with store.reader() as answers, store.reader() as sections, store.reader() as schedule, \
            ThreadPoolExecutor(2) as pool:
        counted = [pool.submit(_answer_figures, answers, stats, deck, now),
                   pool.submit(_schedule_tally, schedule, stats, groups, now),
                   pool.submit(_section_figures, sections, stats, deck, now)]
        studied = _schedule_figures(store, stats, deck, groups, now, parameters)
        today = local_day(now)
        # The same retention twice would be the same forecast drawn twice.
        retentions = list(dict.fromkeys([stats.desired_retention, *([compare_retention] if compare_retention else [])]))
        for retention in retentions:
            counts = [sum(day) for day in zip(*(forecast_reviews(faces, group_parameters, retention, WORKLOAD_DAYS)
                                                for faces, group_parameters in studied), strict=True)]
            stats.workload.append(Workload(retention, [(today + timedelta(days=i), n) for i, n in enumerate(counts)]))
        for figures in counted:
            figures.result()
    return stats


def _answer_figures(store: Store, stats: Stats, deck: str | None, now: datetime) -> None:
    _review_figures(store, stats, deck, now)
    _true_retention(store, stats, deck, now)


def day_starts(first: date, count: int) -> list[str]:
    """The stored times at which ``count`` of the learner's days from ``first`` begin: a stored time falls on
    the day of the last start it is not before, as ``local_day`` says."""
    return [to_stored(day_start(first + timedelta(days=i))) for i in range(count)]


Decks = str | list[str] | None


def parameter_groups(store: Store, deck: str | None) -> list[tuple[Decks, list[float]]]:
    """The decks the figures are of (one; or every deck, with ``deck`` None), grouped by the FSRS parameters they
    are scheduled with: the recall and the workload of each group follow its own."""
    if deck is not None:
        return [(deck, deck_parameters(store.get_config, deck))]
    slugs = [d.slug for d in store.decks()]
    own = own_parameters(store.get_config, slugs)
    if not own:
        return [(None, deck_parameters(store.get_config, None))]
    shared = [slug for slug in slugs if slug not in own]
    groups: list[tuple[Decks, list[float]]] = [(shared, deck_parameters(store.get_config, None))] if shared else []
    return groups + list(own.items())


def _schedule_tally(store: Store, stats: Stats, groups: list[tuple[Decks, list[float]]], now: datetime) -> None:
    """The faces by state, how many are due, and their average recall now."""
    # FSRS's forgetting curve by whole days since the last review, as py-fsrs counts them, summed by SQLite.
    tallies = []
    for decks, parameters in groups:
        decay, factor = decay_factor(parameters)
        tallies.append(store.schedule_tally(now, now + timedelta(days=7), factor, decay, decks))
    tally = ScheduleTally._make(sum(column) for column in zip(*tallies, strict=True))
    stats.faces, stats.new, stats.review, stats.suspended, stats.buried, stats.due, stats.due_week = tally[:7]
    stats.learning = tally.faces - tally.new - tally.review - tally.suspended - tally.buried
    stats.retrievability = tally.recall_sum / tally.studied if tally.studied else None


def _schedule_figures(
    store: Store, stats: Stats, deck: str | None, groups: list[tuple[Decks, list[float]]], now: datetime,
    parameters: list[float],
) -> list[tuple[list[tuple[int, int, float, float]], list[float]]]:
    """The due forecast and the weakest cards; returns, for each group of decks, the studied faces falling due
    within the workload's 30 days as ``forecast_reviews`` takes them, with the group's parameters."""
    decay, factor = decay_factor(parameters)
    today = local_day(now)
    # Overdue faces count today; last reviews in whole days of 24 hours back from the start of today.
    starts = day_starts(today, WORKLOAD_DAYS + 1)
    upcoming = [(store.faces_due_by_day(starts, decks), group_parameters) for decks, group_parameters in groups]
    forecast = [0] * FORECAST_DAYS
    for faces, _parameters in upcoming:
        for due_day, *_face in faces:
            if due_day < FORECAST_DAYS:
                forecast[due_day] += 1
    stats.forecast = [(today + timedelta(days=i), count) for i, count in enumerate(forecast)]
    moment = utc(now)
    stats.weakest_cards = [
        _weak_card(store, card_pk, face, difficulty,
                   (1 + factor * max(0, (moment - from_stored(last_review)).days) / stability) ** -decay)
        for card_pk, face, difficulty, stability, last_review in store.hardest_faces(WEAKEST, deck)
    ]
    return upcoming


def _weak_card(store: Store, card_pk: int, face: int, difficulty: float, recall: float) -> WeakCard:
    card, _schedule = store.quiz_face(card_pk, face)
    answered, right = store.face_answer_tally(card_pk, face)
    prompt = card.spec.face_text(card, face)
    label = next(f.label for f in card.faces() if f.number == face) if len(card.faces()) > 1 else ""
    return WeakCard(card.deck, card.id, face, label, prompt, round(difficulty, 2), recall, answered, answered - right)


def _review_figures(store: Store, stats: Stats, deck: str | None, now: datetime) -> None:
    """All-time totals and the last 30 days by local day, each counted by SQLite."""
    total, right = store.answer_tally(deck)
    stats.reviews = total
    stats.accuracy = right / total if total else None
    unscheduled = store.unscheduled_tally(deck)
    stats.practice_answers, stats.practice_correct = unscheduled.get("practice", (0, 0))
    stats.exam_answers, stats.exam_correct = unscheduled.get("exam", (0, 0))

    first_day = local_day(now) - timedelta(days=HISTORY_DAYS - 1)
    by_day = store.answer_tally_from(day_starts(first_day, HISTORY_DAYS), deck)
    stats.history = [(first_day + timedelta(days=i), count, right) for i, (count, right) in enumerate(by_day)]


def _section_figures(store: Store, stats: Stats, deck: str | None, now: datetime) -> None:
    """The last 7 and 30 days' reviews, their accuracy, and the weakest sections, from SQLite's tally by section."""
    tallies = store.section_tally(now - timedelta(days=30), now - timedelta(days=7), deck)
    sections = [(SectionStat(section, answered, correct), recent) for section, answered, correct, recent in tallies]
    stats.reviews_7d = sum(recent for _section, recent in sections)
    stats.reviews_30d = month = sum(section.answered for section, _recent in sections)
    stats.accuracy_30d = sum(section.correct for section, _recent in sections) / month if month else None
    weak = [section for section, _recent in sections if section.correct < section.answered]
    weak.sort(key=lambda s: (s.accuracy, -s.answered, s.section))
    stats.weakest_sections = weak[:WEAKEST]


def _true_retention(store: Store, stats: Stats, deck: str | None, now: datetime) -> None:
    """Share of the last 30 days' scheduled reviews recalled (rated above Again), by the wait before them; reviews
    the same day as the one before (learning steps) are left out, as Anki's true retention leaves them out."""
    least = [days for _label, days in RETENTION_BANDS]
    tallies = store.recall_by_wait(now - timedelta(days=HISTORY_DAYS), least, deck)
    stats.true_retention = [
        RetentionBand(label, reviews, recalled)
        for (label, _least), (reviews, recalled) in zip(RETENTION_BANDS, tallies, strict=True)
    ]


# Drawing ---------------------------------------------------------------------------------------------------------


def render(stats: Stats, console: Console | None = None) -> None:
    """Print the figures and two charts; fits 80 columns. Markup is off: section and card text print as written."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = console or Console(highlight=False, markup=False, emoji=False)

    def percent(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.0%}"

    console.print(literal(stats.scope, style="bold"))
    console.print(f"Cards {stats.cards:,} · faces {stats.faces:,} (glossary asked both ways, cloze once per blank)")
    new, learning, review = (STATE_NAMES[state] for state in (NEW, State.Learning, State.Review))
    aside = "".join(f" · {name} {count:,}" for name, count in (("suspended", stats.suspended),
                                                                 ("buried", stats.buried)) if count)
    console.print(f"Faces by state: {new} {stats.new:,} · {learning} {stats.learning:,} · {review} {stats.review:,}"
                  f"{aside}")
    console.print(f"Due now {stats.due:,} · due within 7 days {stats.due_week:,}")
    console.print(
        f"Reviews {stats.reviews:,} all time · {stats.reviews_7d:,} last 7 days · {stats.reviews_30d:,} last 30 days"
    )
    console.print(
        f"Accuracy {percent(stats.accuracy)} all time · {percent(stats.accuracy_30d)} last 30 days · "
        f"average recall now (FSRS) {percent(stats.retrievability)}"
    )
    if stats.practice_answers or stats.exam_answers:
        parts = [
            f"{label} {answered:,} answer{'' if answered == 1 else 's'}, {percent(correct / answered)} right"
            for label, answered, correct in (
                ("practice", stats.practice_answers, stats.practice_correct),
                ("exam", stats.exam_answers, stats.exam_correct),
            )
            if answered
        ]
        console.print(f"Not counted as reviews: {' · '.join(parts)}")

    total = stats.true_retention_total
    console.print(
        f"Retention: desired {retention_percent(stats.desired_retention)} · true {percent(total)} "
        f"(scheduled reviews recalled, last {HISTORY_DAYS} days)"
    )
    if total is not None:
        bands = [f"{b.band} {percent(b.retention)} of {b.reviews:,}" for b in stats.true_retention if b.reviews]
        # Two bands a line: four of them with their counts pass 80 columns.
        for start in range(0, len(bands), 2):
            console.print(("  by wait: " if start == 0 else " " * 11) + " · ".join(bands[start:start + 2]))

    console.print()
    console.print(Text(f"Due over the next {FORECAST_DAYS} days (today includes overdue)", style="bold"))
    peak = max((count for _day, count in stats.forecast), default=0)
    for day, count in stats.forecast:
        console.print(Text(f"{day:%a %d %b} ") + Text(_bar(count, peak, 50), style="cyan") + Text(f" {count:,}"))

    console.print()
    console.print(Text(f"Reviews over the last {HISTORY_DAYS} days (one column per day, oldest first)", style="bold"))
    counts = [count for _day, count, _right in stats.history]
    for line in _columns(counts, height=4):
        console.print(Text(line, style="green"))
    if stats.history:
        first, last = stats.history[0][0], stats.history[-1][0]
        console.print(f"{first:%d %b}{'':>{max(2 * HISTORY_DAYS - 13, 1)}}{last:%d %b}   peak {max(counts):,} a day")

    for workload in stats.workload:
        console.print()
        console.print(Text(
            f"Simulated reviews a day, next {WORKLOAD_DAYS} days, at {retention_percent(workload.retention)} desired "
            f"retention: {workload.total:,} in all", style="bold",
        ))
        counts = [count for _day, count in workload.days]
        for line in _columns(counts, height=4):
            console.print(Text(line, style="cyan"))
        first, last = workload.days[0][0], workload.days[-1][0]
        console.print(f"{first:%d %b}{'':>{max(2 * WORKLOAD_DAYS - 13, 1)}}{last:%d %b}   peak {max(counts):,} a day")
    if stats.workload and stats.new:
        console.print(f"Of the faces studied so far: the {stats.new:,} new ones are not in it.")

    console.print()
    console.print(Text("Weakest sections (last 30 days)", style="bold"))
    if stats.weakest_sections:
        table = Table("section", "right", "accuracy", box=None, header_style="bold", padding=(0, 1))
        table.columns[0].overflow = "fold"
        for s in stats.weakest_sections:
            table.add_row(literal(s.section), f"{s.correct}/{s.answered}", f"{s.accuracy:.0%}")
        console.print(table)
    else:
        console.print("none: no wrong answers in the last 30 days")

    console.print()
    console.print(Text("Weakest cards (highest FSRS difficulty)", style="bold"))
    if stats.weakest_cards:
        table = Table("card", "difficulty", "wrong", box=None, header_style="bold", padding=(0, 1))
        for column in table.columns[1:]:
            column.no_wrap = True
        table.columns[1].min_width = len("difficulty")
        table.columns[2].min_width = len("10 of 10")
        # The cards get what the two figures leave (each column has a space either side): rich would otherwise give
        # the prompts the figures' width, and cut those. Each card's id is whole on lines of its own (it is what
        # 'quizgen show' takes), folded if it is longer than that; its prompt below, cut short.
        width = max(len("card"), console.width - len("difficulty10 of 10") - 6)
        table.columns[0].width = min(width, max(len(visible(c.id)) + 2 + len(c.prompt) for c in stats.weakest_cards))
        table.columns[0].overflow = "fold"
        for c in stats.weakest_cards:
            prompt = " ".join(((f"({c.face_label}) " if c.face_label else "") + c.prompt).split())
            shown = f"  {prompt}" if len(prompt) + 2 <= width else f"  {prompt[:max(width - 3, 1)]}…"
            table.add_row(literal(f"{c.id}\n{shown}"), f"{c.difficulty:.1f}/10", f"{c.wrong} of {c.answered}")
        console.print(table)
    else:
        console.print("none yet: nothing studied")


def _bar(value: int, peak: int, width: int) -> str:
    """A horizontal bar in eighths of a character."""
    if not peak or not value:
        return ""
    eighths = max(1, round(value / peak * width * 8))
    full, part = divmod(eighths, 8)
    return "█" * full + (BLOCKS[part] if part else "")


def _columns(values: list[int], height: int) -> list[str]:
    """A vertical bar chart, ``height`` rows of block characters, two characters per value."""
    peak = max(values, default=0)
    rows = []
    for level in range(height, 0, -1):
        line = ""
        for value in values:
            eighths = max(1, round(value / peak * height * 8)) if value else 0
            filled = eighths - (level - 1) * 8
            line += (BLOCKS[8] if filled >= 8 else BLOCKS[max(filled, 0)]) + " "
        rows.append(line.rstrip())
    return rows
