"""Generated databases for the benchmarks: many cards of every kind, a schedule, and a long review history.

``make_large_db(path, cards, reviews)`` writes rows straight into the schema (created by our migrations through
``open_database``) with ``executemany`` in one transaction, so 100k cards and 1M reviews take seconds, not the
minutes that importing question files and answering would. The content is filler in the shape of real cards.
"""

from __future__ import annotations

import json
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from quizgen.core.cards import Card, hash_of
from quizgen.core.store import ELAPSED_DAYS, open_database
from quizgen.core.time import to_stored

DECK = "generated"
DECK_NOTE = "Generated filler for benchmarks, not for study."
KINDS = ["mcq", "typed", "truefalse", "multi", "cloze", "order", "match", "glossary", "flashcard"]


def card_fields(kind: str, n: int) -> dict:
    """The kind's keys for generated card ``n``."""
    if kind == "mcq":
        return {"prompt": f"Which value belongs to item {n}?", "choices": [f"value {n + i}" for i in range(4)],
                "answer": f"value {n}"}
    if kind == "multi":
        return {"prompt": f"Which values belong to set {n}?", "choices": [f"member {n + i}" for i in range(5)],
                "answer": [f"member {n}", f"member {n + 2}"]}
    if kind == "truefalse":
        return {"prompt": f"Statement {n} holds.", "answer": n % 2 == 0}
    if kind == "typed":
        return {"prompt": f"Name the element numbered {n}.", "answer": f"element{n}", "accept": [f"elem{n}"]}
    if kind == "cloze":
        return {"text": f"The fact numbered {n} is {{{{c1::answer{n}}}}} in the generated set."}
    if kind == "order":
        return {"prompt": f"Put the steps of process {n} in order.", "items": [f"step {i} of {n}" for i in range(1, 5)]}
    if kind == "match":
        return {
            "prompt": f"Match the parts of group {n}.",
            "pairs": [[f"left {i}.{n}", f"right {i}.{n}"] for i in range(3)],
        }
    if kind == "glossary":
        return {"term": f"term{n}", "definition": f"The generated definition of term number {n}."}
    return {"front": f"Front of card {n}", "back": f"Back of card {n}"}


def make_large_db(
    path: Path, cards: int = 100_000, reviews: int = 1_000_000, seed: int = 0, now: datetime | None = None
) -> Path:
    """Write a database of ``cards`` cards (75% studied, about a tenth of those due) and ``reviews`` reviews over a
    year."""
    rng = random.Random(seed)
    now = (now or datetime.now(UTC)).astimezone(UTC)
    stamp = to_stored(now)
    db, _writable = open_database(Path(path))
    conn = db.conn
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    conn.execute(
        "INSERT INTO decks (slug, name, description, source_title, source_location, created, modified) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [DECK, "Generated deck", f"Cards made up for measuring.\n{DECK_NOTE}", "none", "generated", stamp, stamp],
    )
    card_rows, face_rows = [], []
    for pk in range(1, cards + 1):
        kind = KINDS[pk % len(KINDS)]
        section = f"Part {pk % 7} > Topic {pk % 40}"
        card = Card.from_dict(DECK, {"id": f"card-{pk}", "kind": kind, "section": section, **card_fields(kind, pk)})
        card_rows.append(
            (pk, DECK, card.id, kind, section, json.dumps(card.to_dict()), hash_of(card.to_json()), "generated", pk,
             stamp, stamp)
        )
        face_rows.extend((pk, face.number) for face in card.faces())
    conn.executemany(
        "INSERT INTO cards (pk, deck, card_id, kind, section, data, content_hash, origin, origin_line, created, "
        "modified) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        card_rows,
    )
    del card_rows
    schedule_rows, studied = [], []
    for pk, face in face_rows:
        if rng.random() < 0.25:
            schedule_rows.append((pk, face, 0, None, None, None, None, None))
            continue
        stability = rng.uniform(0.5, 200)
        last = now - timedelta(days=rng.uniform(0, stability * 1.1))
        due = last + timedelta(days=stability)
        state = 2 if rng.random() < 0.9 else rng.choice((1, 3))
        step = None if state == 2 else 0
        schedule_rows.append((pk, face, state, step, stability, rng.uniform(1, 10), to_stored(due), to_stored(last)))
        studied.append((pk, face))
    conn.executemany(
        "INSERT INTO schedule (card_pk, face, state, step, stability, difficulty, due, last_review) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        schedule_rows,
    )
    del schedule_rows
    # Oldest first, as a real history grows: index pages fill in order, which keeps the insert fast.
    year = 365 * 86400
    offsets = sorted((rng.uniform(0, year) for _ in range(reviews)), reverse=True)
    three_days = timedelta(days=3)
    batch = []
    for offset in offsets:
        pk, face = studied[rng.randrange(len(studied))]
        at = now - timedelta(seconds=offset)
        when = at.isoformat(timespec="microseconds")
        correct = rng.random() < 0.85
        rating = rng.choice((2, 3, 3, 3, 4)) if correct else 1
        batch.append((pk, face, when, "review", rating, int(correct), "generated", 4000, 1, when,
                      (at + three_days).isoformat(timespec="microseconds")))
        if len(batch) >= 50_000:
            _insert_reviews(conn, batch)
            batch = []
    _insert_reviews(conn, batch)
    # What the store sets on each review it writes, set here for all at once.
    conn.execute("PRAGMA cache_size = -262144")
    conn.execute(f"UPDATE reviews SET elapsed_days = {ELAPSED_DAYS} WHERE scheduled = 1 AND due_before IS NOT NULL")
    conn.execute("COMMIT")
    conn.execute("PRAGMA synchronous = FULL")
    db.close()
    return Path(path)


def _insert_reviews(conn, rows: list[tuple]) -> None:
    conn.executemany(
        "INSERT INTO reviews (card_pk, face, reviewed_at, mode, rating, correct, response, duration_ms, scheduled, "
        "due_before, due_after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


def shared_large_db(workdir: Path, cards: int, reviews: int) -> Path:
    """One generated database per size for the whole benchmark run (beside each module's own folder), made once."""
    path = Path(workdir).parent / "shared" / f"large-{cards}-{reviews}.db"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        make_large_db(partial, cards, reviews)
        partial.rename(path)
    return path


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "large.db")
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    history = int(sys.argv[3]) if len(sys.argv) > 3 else 1_000_000
    print(make_large_db(target, size, history))
