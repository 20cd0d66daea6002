"""The database schema as named migrations, applied in order on open. Never edit one that has shipped: add the next."""

from __future__ import annotations

from collections.abc import Callable

from quizgen.core.sqlite import Database, Migrations

# PRAGMA application_id marks a file as quizgen's ("QGZ1"), so another program's database is never written to.
APPLICATION_ID = 0x51475A31

migrations = Migrations("quizgen")
# The name of every migration this quizgen knows, in order: a database that has applied others is from a newer one.
NAMES: list[str] = []


def migration(fn: Callable[[Database], None]) -> Callable[[Database], None]:
    NAMES.append(fn.__name__)
    return migrations()(fn)


@migration
def m001_initial(db: Database) -> None:
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db["decks"].create(
        {
            "slug": str,
            "name": str,
            "description": str,
            "source_title": str,
            "source_location": str,
            "created": str,
            "modified": str,
        },
        pk="slug",
    )
    db["cards"].create(
        {
            "pk": int,
            "deck": str,
            "card_id": str,
            "kind": str,
            "section": str,
            "data": str,
            "content_hash": str,
            "origin": str,
            "origin_line": int,
            "created": str,
            "modified": str,
            "retired": str,
        },
        pk="pk",
        foreign_keys=[("deck", "decks", "slug")],
        not_null={"deck", "card_id", "kind", "section", "data", "content_hash", "created", "modified"},
    )
    db["cards"].create_index(["deck", "card_id"], unique=True)
    db["cards"].create_index(["deck", "retired"])
    db["sessions"].create(
        {
            "id": int,
            "deck": str,
            "mode": str,
            "seed": int,
            "started": str,
            "ended": str,
            "answered": int,
            "correct": int,
        },
        pk="id",
        foreign_keys=[("deck", "decks", "slug")],
        defaults={"answered": 0, "correct": 0},
    )
    # One row per face of a card. state 0 is "new" (never scheduled); 1-3 are fsrs.State values.
    db["schedule"].create(
        {
            "card_pk": int,
            "face": int,
            "state": int,
            "step": int,
            "stability": float,
            "difficulty": float,
            "due": str,
            "last_review": str,
        },
        pk=("card_pk", "face"),
        foreign_keys=[("card_pk", "cards", "pk")],
        not_null={"state"},
        defaults={"state": 0},
    )
    db["schedule"].create_index(["due"])
    db["reviews"].create(
        {
            "id": int,
            "card_pk": int,
            "face": int,
            "session_id": int,
            "reviewed_at": str,
            "mode": str,
            "rating": int,
            "correct": int,
            "response": str,
            "duration_ms": int,
            "scheduled": int,
            "due_before": str,
            "due_after": str,
        },
        pk="id",
        foreign_keys=[("card_pk", "cards", "pk"), ("session_id", "sessions", "id")],
        not_null={"card_pk", "face", "reviewed_at", "mode", "rating"},
    )
    db["reviews"].create_index(["card_pk", "face"])
    db["reviews"].create_index(["reviewed_at"])
    db["config"].create({"key": str, "value": str}, pk="key")


@migration
def m002_anki_history(db: Database) -> None:
    # An Anki review imported keeps its revlog id, so importing the same package again adds it once; the index is
    # per face because ids are only unique within one Anki collection.
    db["reviews"].add_column("anki_revlog_id", int)
    db["reviews"].create_index(["card_pk", "face", "anki_revlog_id"], unique=True)
    # Anki's manual changes and reschedulings are events, not answers: kept apart so no count of answers sees them.
    db["anki_events"].create(
        {
            "id": int,
            "card_pk": int,
            "face": int,
            "anki_revlog_id": int,
            "happened_at": str,
            "kind": str,
            "interval": int,
        },
        pk="id",
        foreign_keys=[("card_pk", "cards", "pk")],
        not_null={"card_pk", "face", "anki_revlog_id", "happened_at", "kind"},
    )
    db["anki_events"].create_index(["card_pk", "face", "anki_revlog_id"], unique=True)


@migration
def m003_card_actions(db: Database) -> None:
    # What the learner did to a card while studying: suspended (when; never asked until unsuspended), flagged, and
    # buried until a time (the start of the learner's next day).
    db["cards"].add_column("suspended", str)
    db["cards"].add_column("flagged", int, not_null_default=0)
    db["cards"].add_column("buried_until", str)


@migration
def m004_fsrs_parameters(db: Database) -> None:
    # Fitted parameters live in ``config`` (keys "parameters" and "parameters:<deck>"); what FSRS needs of the
    # schema is a face's scheduled reviews in time order with their ratings: the optimizer's histories read from
    # the index alone, and the review before each one for true retention found by one seek.
    db["reviews"].create_index(["card_pk", "face", "scheduled", "reviewed_at", "rating"])


@migration
def m007_stats_speed(db: Database) -> None:
    # ``quizgen stats`` counts every review ever given, and apart from them the practice and exam answers: each from
    # an index of just those rows and the columns counted, a small part of the table it would otherwise read whole.
    # Partial, and led by a column no query seeks by, so no other query's plan changes for them.
    db.execute(
        "CREATE INDEX idx_reviews_scheduled_tally ON reviews (correct, card_pk, scheduled) WHERE scheduled = 1"
    )
    db.execute(
        "CREATE INDEX idx_reviews_unscheduled_tally ON reviews (mode, correct, card_pk, scheduled) WHERE scheduled = 0"
    )


@migration
def m008_review_elapsed(db: Database) -> None:
    # True retention counts each review by the days since its face's previous scheduled review: kept on the review
    # (the store sets it as reviews are written), so ``quizgen stats`` reads the last 30 days from one index instead
    # of seeking each review's previous one. Set only on the reviews true retention counts: scheduled ones the face
    # was due for (it had a due time) that follow another. The index holds what stats counts of recent reviews.
    db["reviews"].add_column("elapsed_days", float)
    (cache,) = db.execute("PRAGMA cache_size").fetchone()
    # Every review row grows: with the table's pages kept in memory each is written once, a third of the time.
    db.execute("PRAGMA cache_size = -262144")
    try:
        db.execute(
            """UPDATE reviews SET elapsed_days = julianday(reviewed_at) - julianday(
                 (SELECT max(p.reviewed_at) FROM reviews p WHERE p.card_pk = reviews.card_pk AND p.face = reviews.face
                  AND p.scheduled = 1 AND p.reviewed_at < reviews.reviewed_at))
               WHERE scheduled = 1 AND due_before IS NOT NULL"""
        )
    finally:
        db.execute(f"PRAGMA cache_size = {int(cache)}")
    db.execute(
        "CREATE INDEX idx_reviews_recent ON reviews (reviewed_at, card_pk, correct, rating, elapsed_days, scheduled) "
        "WHERE scheduled = 1"
    )
    # The hardest faces stats shows, in the order it shows them: the first few of the index, not a sort of all.
    db.execute(
        "CREATE INDEX idx_schedule_hardest ON schedule (difficulty DESC, stability, card_pk DESC, face DESC) "
        "WHERE state > 0"
    )


@migration
def m009_reviews_index_trim(db: Database) -> None:
    # Every lookup of a face's reviews by (card_pk, face) is served as well by the indexes that begin with those two
    # columns (m002's unique one and m004's); a third copy only slowed every write of a review.
    db.execute("DROP INDEX IF EXISTS idx_reviews_card_pk_face")


@migration
def m010_face_history_starts(db: Database) -> None:
    # Where a face's FSRS history begins, for the faces whose history does not begin at their first review: Anki
    # fits and replays a card from its last run of learning steps (after a reset to new, the earlier reviews are of
    # another card, in effect), and leaves out a card whose log has none (its history was cut short). An Anki import
    # says which faces; ``starts_at`` is a stored time, or one later than any for a face with no usable history.
    db["face_history_starts"].create(
        {"card_pk": int, "face": int, "starts_at": str},
        pk=("card_pk", "face"),
        foreign_keys=[("card_pk", "cards", "pk")],
        not_null={"starts_at"},
        if_not_exists=True,
    )


@migration
def m011_anki_review_kinds(db: Database) -> None:
    # What Anki logged an imported answer as (learn, review, relearn, filtered): a lapse is Again on a review, and
    # Anki's learning steps may be a day or more apart, so the wait before an answer cannot tell a learning step from
    # a review. Null for quizgen's own answers, and for Anki answers imported before this (importing the file again
    # fills it in).
    if "anki_kind" not in db["reviews"].columns_dict:
        db["reviews"].add_column("anki_kind", str)


@migration
def m012_face_sm2_seeds(db: Database) -> None:
    # The SM-2 state FSRS starts from for a face whose Anki log has no learning steps (cut short, or reviewed without
    # ever being learnt), as Anki's FSRS starts it: the ease and interval (days) SM-2 gave its first answer after any
    # reset (``seeded_at``), whose memory state they stand for; later answers are replayed from there. Set by an
    # Anki import, beside the face's ``face_history_starts`` row that keeps such a face out of fitting.
    db["face_sm2_seeds"].create(
        {"card_pk": int, "face": int, "seeded_at": str, "ease": float, "interval_days": float},
        pk=("card_pk", "face"),
        foreign_keys=[("card_pk", "cards", "pk")],
        not_null={"seeded_at", "ease", "interval_days"},
        if_not_exists=True,
    )


@migration
def m013_anki_sm2(db: Database) -> None:
    # What SM-2 says of each face imported from Anki: the ease factor (2.5 is 250%) and interval in days Anki gave it,
    # and the due date it came with. FSRS has no use for them, but an SM-2 user's cards exported back take them along
    # while the schedule is still Anki's (due as it came), instead of starting again at Anki's default ease.
    db["anki_sm2"].create(
        {"card_pk": int, "face": int, "ease": float, "interval_days": int, "due": str},
        pk=("card_pk", "face"),
        foreign_keys=[("card_pk", "cards", "pk")],
        not_null={"ease", "interval_days"},
        if_not_exists=True,
    )


@migration
def m014_suspended_unshowable(db: Database) -> None:
    # 1 for a card an Anki import suspended because a side of it is only media the terminal cannot show (or empty),
    # not because the learner or Anki did: exported back to Anki, such a card is not suspended there.
    if "suspended_unshowable" not in db["cards"].columns_dict:
        db["cards"].add_column("suspended_unshowable", int)
