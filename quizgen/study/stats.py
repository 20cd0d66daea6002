"""The figures of ``quizgen stats``: what is studied and due, how reviews went, and where the learner is weakest.

Built to stay under a second on 100k cards and 1M reviews: one pass over the schedule computes the state counts,
the 14-day forecast, FSRS retrievability and the weakest cards; reviews are read by one scan for the totals and by
the ``reviewed_at`` index for the last 30 days. Days are the learner's local days.
"""

from __future__ import annotations

import heapq
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from quizgen.core.store import Store, iso
from quizgen.study.schedule import NEW, FaceScheduler, day_start, local_day

if TYPE_CHECKING:
    from rich.console import Console

FORECAST_DAYS = 14
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
class Stats:
    scope: str
    cards: int = 0
    faces: int = 0
    new: int = 0
    learning: int = 0
    review: int = 0
    due: int = 0
    due_week: int = 0
    reviews: int = 0
    reviews_7d: int = 0
    reviews_30d: int = 0
    accuracy: float | None = None
    accuracy_30d: float | None = None
    retrievability: float | None = None
    forecast: list[tuple[date, int]] = field(default_factory=list)
    history: list[tuple[date, int, int]] = field(default_factory=list)
    weakest_sections: list[SectionStat] = field(default_factory=list)
    weakest_cards: list[WeakCard] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["forecast"] = [{"date": day.isoformat(), "due": count} for day, count in self.forecast]
        data["history"] = [
            {"date": day.isoformat(), "reviews": count, "correct": right} for day, count, right in self.history
        ]
        for section in data["weakest_sections"]:
            section["accuracy"] = section["correct"] / section["answered"] if section["answered"] else 0.0
        return data


def compute(store: Store, deck: str | None, now: datetime) -> Stats:
    """Figures for one deck (by slug) or, with ``deck`` None, for every deck together (or the only one)."""
    decks = store.decks()
    if deck is None and len(decks) == 1:
        deck = decks[0].slug
    scope = store.deck(deck).name if deck else "All decks"
    stats = Stats(scope=scope)
    card_filter, card_params = ("AND c.deck = ?", [deck]) if deck else ("", [])
    stats.cards = store.db.execute(
        f"SELECT count(*) FROM cards c WHERE c.retired IS NULL {card_filter}", card_params
    ).fetchone()[0]
    _schedule_figures(store, stats, card_filter, card_params, now)
    _review_figures(store, stats, deck, now)
    return stats


def _schedule_figures(store: Store, stats: Stats, card_filter: str, params: list[Any], now: datetime) -> None:
    today = local_day(now)
    now_text = iso(now)
    week_text = iso(now + timedelta(days=7))
    horizon_text = iso(day_start(today + timedelta(days=FORECAST_DAYS)))
    forecast = {today + timedelta(days=i): 0 for i in range(FORECAST_DAYS)}
    scheduler = FaceScheduler(fuzz=False)
    moment = now.astimezone(timezone.utc)
    recall_sum, studied, hardest = 0.0, 0, []
    rows = store.db.execute(
        f"""SELECT s.card_pk, s.face, s.state, s.stability, s.difficulty, s.due, s.last_review
            FROM schedule s JOIN cards c ON c.pk = s.card_pk WHERE c.retired IS NULL {card_filter}""",
        params,
    )
    for card_pk, face, state, stability, difficulty, due, last_review in rows:
        stats.faces += 1
        if state == NEW:
            stats.new += 1
            continue
        if state == 2:
            stats.review += 1
        else:
            stats.learning += 1
        if due <= week_text:
            stats.due_week += 1
            stats.due += due <= now_text
        if due < horizon_text:
            forecast[max(local_day(datetime.fromisoformat(due)), today)] += 1
        recall = scheduler.recall(stability, datetime.fromisoformat(last_review), moment)
        recall_sum += recall
        studied += 1
        entry = (difficulty, -stability, card_pk, face, recall)
        if len(hardest) < WEAKEST:
            heapq.heappush(hardest, entry)
        elif entry > hardest[0]:
            heapq.heapreplace(hardest, entry)
    stats.forecast = sorted(forecast.items())
    stats.retrievability = recall_sum / studied if studied else None
    stats.weakest_cards = [_weak_card(store, *entry) for entry in sorted(hardest, reverse=True)]


def _weak_card(store: Store, difficulty: float, _stability: float, card_pk: int, face: int, recall: float) -> WeakCard:
    card, _schedule = store.quiz_face(card_pk, face)
    answered, right = store.db.execute(
        "SELECT count(*), coalesce(sum(correct), 0) FROM reviews WHERE card_pk = ? AND face = ?", [card_pk, face]
    ).fetchone()
    prompt = card.spec.face_text(card, face)
    label = next(f.label for f in card.faces() if f.number == face) if len(card.faces()) > 1 else ""
    return WeakCard(card.deck, card.id, face, label, prompt, round(difficulty, 2), recall, answered, answered - right)


def _review_figures(store: Store, stats: Stats, deck: str | None, now: datetime) -> None:
    """All-time totals from one plain scan; everything about the last 30 days from one pass over that range."""
    today = local_day(now)
    week_ago = iso(now - timedelta(days=7))
    month_ago = iso(now - timedelta(days=30))
    history_start = iso(day_start(today - timedelta(days=HISTORY_DAYS - 1)))
    # The unary + keeps SQLite on a plain scan (or the reviewed_at index) instead of a million card_pk lookups.
    only_deck = deck is not None and len(store.decks()) > 1
    review_filter, review_params = (
        ("AND +r.card_pk IN (SELECT pk FROM cards WHERE deck = ?)", [deck]) if only_deck else ("", [])
    )
    total, right = store.db.execute(
        f"SELECT count(*), coalesce(sum(correct), 0) FROM reviews r WHERE 1 {review_filter}", review_params
    ).fetchone()
    stats.reviews = total
    stats.accuracy = right / total if total else None

    card_filter, card_params = ("WHERE deck = ?", [deck]) if deck else ("", [])
    section_of = dict(store.db.execute(f"SELECT pk, section FROM cards {card_filter}", card_params).fetchall())
    offset = now.astimezone().utcoffset() or timedelta(0)
    shift = f"{int(offset.total_seconds() // 60):+d} minutes"
    by_day: dict[str, list[int]] = {}
    by_section: dict[str, SectionStat] = {}
    week = month = month_right = 0
    rows = store.db.execute(
        f"""SELECT card_pk, correct, reviewed_at, date(reviewed_at, ?) FROM reviews r
            WHERE reviewed_at >= ? {review_filter}""",
        [shift, min(history_start, month_ago), *review_params],
    )
    for card_pk, correct, reviewed_at, day in rows:
        if reviewed_at >= history_start:
            tally = by_day.setdefault(day, [0, 0])
            tally[0] += 1
            tally[1] += correct
        if reviewed_at >= month_ago:
            month += 1
            month_right += correct
            week += reviewed_at >= week_ago
            section = section_of[card_pk]
            score = by_section.get(section)
            if score is None:
                score = by_section[section] = SectionStat(section, 0, 0)
            score.answered += 1
            score.correct += correct
    stats.reviews_7d, stats.reviews_30d = week, month
    stats.accuracy_30d = month_right / month if month else None
    stats.history = [
        (day, *by_day.get(day.isoformat(), (0, 0)))
        for day in (today - timedelta(days=HISTORY_DAYS - 1 - i) for i in range(HISTORY_DAYS))
    ]
    weak = [s for s in by_section.values() if s.correct < s.answered]
    weak.sort(key=lambda s: (s.accuracy, -s.answered, s.section))
    stats.weakest_sections = weak[:WEAKEST]


# Drawing ---------------------------------------------------------------------------------------------------------


def render(stats: Stats, console: Console | None = None) -> None:
    """Print the figures and two charts; fits 80 columns. Markup is off: section and card text print as written."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = console or Console(highlight=False, markup=False, emoji=False)

    def percent(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.0%}"

    console.print(Text(stats.scope, style="bold"))
    console.print(f"Cards {stats.cards:,} · faces {stats.faces:,} (glossary asked both ways, cloze once per blank)")
    console.print(f"Faces by state: new {stats.new:,} · learning {stats.learning:,} · review {stats.review:,}")
    console.print(f"Due now {stats.due:,} · due within 7 days {stats.due_week:,}")
    console.print(
        f"Reviews {stats.reviews:,} all time · {stats.reviews_7d:,} last 7 days · {stats.reviews_30d:,} last 30 days"
    )
    console.print(
        f"Accuracy {percent(stats.accuracy)} all time · {percent(stats.accuracy_30d)} last 30 days · "
        f"average recall now (FSRS) {percent(stats.retrievability)}"
    )

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

    console.print()
    console.print(Text("Weakest sections (last 30 days)", style="bold"))
    if stats.weakest_sections:
        table = Table("section", "right", "accuracy", box=None, header_style="bold", padding=(0, 1))
        table.columns[0].overflow = "fold"
        for s in stats.weakest_sections:
            table.add_row(s.section, f"{s.correct}/{s.answered}", f"{s.accuracy:.0%}")
        console.print(table)
    else:
        console.print("none: no wrong answers in the last 30 days")

    console.print()
    console.print(Text("Weakest cards (highest FSRS difficulty)", style="bold"))
    if stats.weakest_cards:
        table = Table("card", "prompt", "difficulty", "wrong", box=None, header_style="bold", padding=(0, 1))
        for column in table.columns:
            column.no_wrap = True
            column.overflow = "ellipsis"
        # The figures keep their width on an 80-column terminal; the id and prompt give way.
        table.columns[0].max_width = 24
        table.columns[1].max_width = 28
        table.columns[2].min_width = len("difficulty")
        table.columns[3].min_width = len("10 of 10")
        for c in stats.weakest_cards:
            name = c.id + (f" ({c.face_label})" if c.face_label else "")
            table.add_row(name, c.prompt, f"{c.difficulty:.1f}/10", f"{c.wrong} of {c.answered}")
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
