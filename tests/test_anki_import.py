"""``quizgen import`` of Anki packages and collections, with their history: built, studied and exported by the real
anki library, imported through the command line."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from anki.collection import Collection, ExportAnkiPackageOptions
from fsrs import Rating, Scheduler, State
from fsrs.scheduler import UPPER_BOUNDS_PARAMETERS

from quizgen.core.store import UNSHOWABLE, Store
from quizgen.core.time import to_stored
from quizgen.exchange.anki_in import card_id_base
from quizgen.study.schedule import FaceScheduler
from tests.test_anki_in import Source, answer, build
from tests.test_anki_progress import RATED, anki_card, import_into_anki, quizgen, shown, studied  # noqa: F401


def export_apkg(collection_path: Path, out: Path) -> Path:
    col = Collection(str(collection_path))
    try:
        col.export_anki_package(
            out_path=str(out),
            options=ExportAnkiPackageOptions(with_scheduling=True, with_deck_configs=True, with_media=False,
                                             legacy=False),
            limit=None,
        )
    finally:
        col.close()
    return out


@pytest.fixture(scope="module")
def anki_source(tmp_path_factory) -> tuple[Source, Path]:
    """A studied Anki collection (FSRS on) and its .apkg."""
    base = tmp_path_factory.mktemp("anki-source")
    (base / "collection").mkdir()
    source = build(base / "collection" / "collection.anki2", fsrs=True)
    return source, export_apkg(source.path, base / "deck.apkg")


def collection_copy(source: Source, folder: Path) -> Collection:
    """The source collection copied into ``folder`` (made), opened: to change as the learner would in Anki."""
    folder.mkdir()
    copy = folder / "collection.anki2"
    copy.write_bytes(source.path.read_bytes())
    return Collection(str(copy))


def imported_json(run, path: Path) -> dict:
    result = run("import", str(path), "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def shown_card(run, reference: str) -> dict:
    result = run("show", reference, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def anki_card_id(source: Source, label: str) -> str:
    from quizgen.exchange.anki_in import card_id_base

    return card_id_base(source.notes[label].guid)


def rated_revlog(source: Source, label: str, index: int = 0) -> int:
    col = Collection(str(source.path))
    try:
        return int(col.db.scalar(
            "SELECT count(*) FROM revlog WHERE cid = ? AND ease BETWEEN 1 AND 4 AND type BETWEEN 0 AND 3",
            source.card_ids[label][index],
        ))
    finally:
        col.close()


def database_rows(db: Path) -> dict[str, list]:
    conn = sqlite3.connect(db)
    try:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
            for table in ("decks", "cards", "schedule", "reviews", "anki_events")
        }
    finally:
        conn.close()


def test_an_apkg_becomes_cards_with_their_reviews_and_schedule(run, anki_source):
    source, package = anki_source
    before = hashlib.sha256(package.read_bytes()).hexdigest()
    report = imported_json(run, package)

    assert report["notes"] == {"new": 15, "updated": 0, "unchanged": 0, "linked": 0, "skipped": 2}
    assert report["decks"] == ["languages", "science"]
    assert report["suspended"] == 1 and report["buried"] == 1
    assert report["suspended_unshowable"] == 1
    assert report["media_skipped"] == {"audio": 1, "image": 2, "latex": 1}
    # Every answer in the revlog is a review; the due date set by hand is an event, not an answer.
    assert report["reviews_added"] == sum(source.revlog_per_card.values()) - 1
    assert report["events_added"] == 1
    assert hashlib.sha256(package.read_bytes()).hexdigest() == before

    basic = shown_card(run, f"languages/{anki_card_id(source, 'basic')}")
    assert (basic["kind"], basic["front"], basic["back"]) == ("flashcard", "hablar", "to speak")
    assert basic["section"] == "Languages > Spanish"
    assert sorted(basic["tags"]) == ["lesson::one", "verbs"]
    assert basic["reviews"] == rated_revlog(source, "basic")
    (face,) = basic["schedule"]
    # Anki's due day (set by hand to 9 days on) and its FSRS memory state carry on.
    anki_due = source.due[source.card_ids["basic"][0]]
    due_day = datetime.fromtimestamp(source.next_day_at - (source.today - anki_due + 1) * 86400, UTC)
    assert face["due"] == due_day.isoformat(timespec="microseconds")
    stability, difficulty = source.memory[source.card_ids["basic"][0]]
    assert (face["stability"], face["difficulty"]) == (pytest.approx(stability), pytest.approx(difficulty))

    reversed_card = shown_card(run, f"languages/{anki_card_id(source, 'reversed')}")
    assert reversed_card["kind"] == "glossary"
    assert [row["state"] for row in reversed_card["schedule"]] == [2, 1]  # review one way, learning the other
    cloze = shown_card(run, f"science/{anki_card_id(source, 'cloze')}")
    assert [row["state"] for row in cloze["schedule"]] == [2, 1, 0]
    # Its image cannot be shown here: the card comes with its review, out of the quiz until unsuspended.
    image_only = shown_card(run, f"science/{anki_card_id(source, 'image-only')}")
    assert (image_only["front"], image_only["reviews"], image_only["marks"]) == ("[image: dog.jpg]", 1, [UNSHOWABLE])

    stats = json.loads(run("stats", "--json").stdout)
    assert stats["reviews"] == report["reviews_added"]


@pytest.mark.parametrize("name", ["deck-download", "collection.anki2.bak", "shared deck.zip"])
def test_an_anki_file_named_otherwise_is_imported_as_the_anki_file_it_is(run, anki_source, tmp_path, name):
    """Downloads and backups lose their names: a package or collection is known by what it begins with."""
    source, package = anki_source
    renamed = tmp_path / name
    renamed.write_bytes((source.path if name.startswith("collection") else package).read_bytes())
    report = imported_json(run, renamed)
    assert report["notes"]["new"] == 15 and report["reviews_added"] > 0


def test_the_report_says_what_became_of_every_note(run, anki_source):
    _source, package = anki_source
    result = run("import", str(package))
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{package}: notes 15 new, 0 updated, 0 unchanged, 0 linked to quizgen cards; ")
    assert "2 notes or cards skipped" in lines[0] and "1 other Anki event added" in lines[0]
    assert any("the front is empty once its HTML is made text" in line for line in lines)
    assert "1 card suspended, as in Anki ('quizgen unsuspend CARD' to study one)" in lines
    assert any(line.startswith("1 card buried in Anki, due here as usual") for line in lines)
    assert not any("no suspension" in line for line in lines)
    assert any(line.startswith("media skipped") and "2 image" in line for line in lines)
    assert "1 card suspended, with its history: a side is only media the terminal cannot show, or empty in Anki" \
        " ('quizgen unsuspend CARD' to study one all the same)" in lines


def test_importing_the_same_package_again_changes_nothing(run, anki_source, db_path):
    _source, package = anki_source
    imported_json(run, package)
    rows = database_rows(db_path)
    report = imported_json(run, package)
    assert report["notes"] == {"new": 0, "updated": 0, "unchanged": 15, "linked": 0, "skipped": 2}
    assert (report["reviews_added"], report["events_added"], report["schedules_updated"]) == (0, 0, 0)
    assert database_rows(db_path) == rows


def test_an_updated_package_updates_cards_in_place_keeping_their_reviews(run, anki_source, tmp_path):
    source, package = anki_source
    imported_json(run, package)
    card_ref = f"languages/{anki_card_id(source, 'basic')}"
    first = shown_card(run, card_ref)

    col = collection_copy(source, tmp_path / "studied")
    note = col.get_note(source.notes["basic"].id)
    note["Back"] = "to talk"
    col.update_note(note)
    col.remove_notes([source.notes["renamed"].id])
    answer(col, source.card_ids["basic"][0], 3)
    col.close()
    report = imported_json(run, export_apkg(tmp_path / "studied" / "collection.anki2", tmp_path / "deck-v2.apkg"))

    assert report["notes"]["updated"] == 1 and report["notes"]["new"] == 0
    assert report["reviews_added"] == 1
    updated = shown_card(run, card_ref)
    assert updated["back"] == "to talk"
    assert updated["reviews"] == first["reviews"] + 1
    assert updated["schedule"][0]["last_review"] > first["schedule"][0]["last_review"]
    # Under another file name the removed note's card stays: it is the first file's.
    assert run("show", f"science/{anki_card_id(source, 'renamed')}").exit_code == 0


def test_without_a_memory_state_fsrs_computes_it_from_the_answers(run, tmp_path):
    (tmp_path / "sm2").mkdir()
    source = build(tmp_path / "sm2" / "collection.anki2", fsrs=False)
    imported_json(run, export_apkg(source.path, tmp_path / "sm2.apkg"))
    (face,) = shown_card(run, f"languages/{anki_card_id(source, 'basic')}")["schedule"]
    # One Easy answer: FSRS's initial stability for Easy is several days, its difficulty low.
    assert face["state"] == 2 and face["stability"] > 3 and 1 <= face["difficulty"] < 5


def a_deck_with_an_fsrs_preset(path: Path, key: str, parameters: list[float], retention: float) -> Path:
    """A collection, FSRS on, whose one deck's options preset has these fitted parameters (under Anki's key for
    their FSRS version) and desired retention."""
    col = Collection(str(path))
    try:
        col.set_config("fsrs", True)
        deck = col.decks.id("Geography")
        note = col.new_note(col.models.by_name("Basic"))
        note["Front"], note["Back"] = "Capital of Peru?", "Lima"
        col.add_note(note, deck)
        preset = col.decks.config_dict_for_deck_id(deck)
        preset[key], preset["desiredRetention"] = parameters, retention
        col.decks.update_config(preset)
    finally:
        col.close()
    return path


FITTED_IN_ANKI = [0.3, 1.4, 3.5, 16.0, 7.0, 0.6, 1.7, 0.01, 1.6, 0.15, 1.1, 1.8, 0.1, 0.3, 2.2, 0.25, 2.9, 0.5, 0.4,
                  0.1, 0.3]


def test_a_new_deck_takes_the_fsrs_parameters_fitted_in_anki_and_is_told_of_its_desired_retention(run, tmp_path):
    collection = a_deck_with_an_fsrs_preset(tmp_path / "collection.anki2", "fsrsParams6", FITTED_IN_ANKI, 0.8)
    path = export_apkg(collection, tmp_path / "geography.apkg")  # a package of decks, with their presets
    result = run("import", str(path))
    assert result.exit_code == 0, result.stderr
    assert "FSRS parameters fitted in Anki taken for Geography" in result.stdout
    assert ("desired retention in Anki: Geography 80%; quizgen's is 90% for every deck ('quizgen config retention "
            "0.8' to aim as Anki did)") in result.stdout
    listed = run("config", "parameters", "--deck", "geography").stdout.strip()
    assert [float(v) for v in listed.split(", ")] == pytest.approx(FITTED_IN_ANKI, abs=1e-4)
    # Set back to the defaults in quizgen, they stay so: the deck is no longer new to quizgen.
    assert run("config", "parameters", "--deck", "geography", "default").exit_code == 0
    again = imported_json(run, path)
    assert again["fsrs_parameters_taken"] == [] and again["desired_retention_in_anki"] == {}
    assert run("config", "parameters", "--deck", "geography").stdout == run("config", "parameters").stdout


def test_parameters_of_an_older_fsrs_are_converted_as_fsrs_rs_converts_them(run, tmp_path):
    """FSRS-5's 19 parameters are FSRS-6's with no short-term term and its fixed decay."""
    path = a_deck_with_an_fsrs_preset(tmp_path / "collection.anki2", "fsrsParams5", FITTED_IN_ANKI[:19], 0.9)
    report = imported_json(run, path)
    assert report["fsrs_parameters_taken"] == ["Geography"] and report["desired_retention_in_anki"] == {}
    listed = run("config", "parameters", "--deck", "geography").stdout.strip()
    assert [float(v) for v in listed.split(", ")] == pytest.approx([*FITTED_IN_ANKI[:19], 0.0, 0.5], abs=1e-4)


def test_older_parameters_converted_beyond_fsrs_6_s_bounds_are_brought_within_them(run, tmp_path):
    """FSRS-4.5's 17 weights, converted, can put w[4] past FSRS-6's bound: it is taken at the bound, as fsrs-rs
    clips it, and the report says so."""
    weights = [0.4872, 1.4003, 3.7145, 13.8206, 8.0, 1.5, 1.2298, 0.0302, 1.5421, 0.1, 1.0, 1.9395, 0.11, 0.29605,
               2.2698, 0.2315, 2.9898]
    path = a_deck_with_an_fsrs_preset(tmp_path / "collection.anki2", "fsrsWeights", weights, 0.9)
    result = run("import", str(path))
    assert result.exit_code == 0, result.stderr
    assert "those of Geography brought within FSRS's bounds" in result.stdout
    listed = [float(v) for v in run("config", "parameters", "--deck", "geography").stdout.split(", ")]
    assert listed[4] == UPPER_BOUNDS_PARAMETERS[4]


def test_a_card_in_learning_goes_on_from_as_many_steps_before_the_end_as_anki_had_left(run, tmp_path):
    """Two Goods into Anki's three learning steps, one step is left: here it is at the last of ours, so Good
    graduates it, as Good would in Anki; a card just begun has every step before it."""
    path = tmp_path / "collection.anki2"
    col = Collection(str(path))
    try:
        deck = col.decks.id("Geography")
        preset = col.decks.config_dict_for_deck_id(deck)
        preset["new"]["delays"] = [1.0, 10.0, 60.0]
        col.decks.update_config(preset)
        cards = {}
        for front in ("Capital of Peru?", "Capital of Chile?"):
            note = col.new_note(col.models.by_name("Basic"))
            note["Front"], note["Back"] = front, "Lima"
            col.add_note(note, deck)
            cards[front] = (card_id_base(note.guid), note.cards()[0].id)
        for _answer in range(2):
            answer(col, cards["Capital of Peru?"][1], 3)
        answer(col, cards["Capital of Chile?"][1], 1)
        left = {front: col.get_card(cid).left % 1000 for front, (_id, cid) in cards.items()}
    finally:
        col.close()
    assert left == {"Capital of Peru?": 1, "Capital of Chile?": 3}
    imported_json(run, path)
    steps = Scheduler().learning_steps
    for front, expected in (("Capital of Peru?", len(steps) - 1), ("Capital of Chile?", 0)):
        (face,) = shown_card(run, f"geography/{cards[front][0]}")["schedule"]
        assert (face["state"], face["step"]) == (int(State.Learning), expected), front
    (peru,) = shown_card(run, f"geography/{cards['Capital of Peru?'][0]}")["schedule"]
    graduated = FaceScheduler(fuzz=False).review(peru, Rating.Good, datetime.now(UTC) + timedelta(hours=2))
    assert graduated["state"] == int(State.Review)


def test_a_deck_taken_into_a_json_file_is_edited_there_keeping_its_history(run, anki_source, tmp_path):
    source, package = anki_source
    imported_json(run, package)
    card_ref = f"languages/{anki_card_id(source, 'basic')}"
    reviews = shown_card(run, card_ref)["reviews"]
    deck_file = tmp_path / "languages.json"
    assert run("export", "languages", "-o", str(deck_file)).exit_code == 0
    document = json.loads(deck_file.read_text())
    card = next(c for c in document["cards"] if c["id"] == anki_card_id(source, "basic"))
    card["back"] = "to speak, to talk"
    deck_file.write_text(json.dumps(document))

    result = run("import", str(deck_file))
    assert result.exit_code == 0, result.stderr
    assert "1 updated" in result.stdout
    edited = shown_card(run, card_ref)
    assert (edited["back"], edited["reviews"]) == ("to speak, to talk", reviews)

    # The file owns the cards now: the package brings no text over the edit, and no review twice.
    report = imported_json(run, package)
    assert report["kept_by_question_files"] == len(document["cards"])
    assert report["reviews_added"] == 0
    assert shown_card(run, card_ref)["back"] == "to speak, to talk"
    # The one card whose text the file and Anki now disagree on is named, not counted as unchanged in silence.
    assert report["differ_from_question_files"] == [card_ref]
    assert run("import", str(deck_file)).exit_code == 0
    # So is one edited in Anki since.
    col = collection_copy(source, tmp_path / "edited")
    note = col.get_note(source.notes["typed"].id)
    note["Back"] = "el agua"
    col.update_note(note)
    col.close()
    edited_in_anki = imported_json(run, export_apkg(tmp_path / "edited" / "collection.anki2", tmp_path / "edited.apkg"))
    typed_ref = f"languages/{anki_card_id(source, 'typed')}"
    assert edited_in_anki["differ_from_question_files"] == sorted([card_ref, typed_ref])
    assert shown_card(run, typed_ref)["answer"] == "agua"


def test_a_round_trip_through_anki_brings_the_anki_reviews_back_to_our_cards(studied, tmp_path):  # noqa: F811
    before = {card_id: shown(card_id) for card_id in RATED}
    package = studied / "baking.apkg"
    quizgen("export", "baking", "-o", str(package))
    col = import_into_anki(studied, package)
    try:
        # Studied in Anki: gas (reviewed in quizgen, due in days) is answered Good today.
        gas = anki_card(col, "gas")
        assert col.db.scalar("SELECT count(*) FROM revlog WHERE cid = ?", gas.id) == 1
        answer(col, gas.id, 3)
        gas = col.get_card(gas.id)
        anki_due_in_days = gas.due - col.sched.today
        anki_collection = Path(col.path)
    finally:
        col.close()
    back = export_apkg(anki_collection, tmp_path / "from-anki.apkg")

    cards_before = [card["id"] for card in json.loads(quizgen("cards", "--json").stdout)]
    first = json.loads(quizgen("import", str(back), "--json").stdout)
    second = json.loads(quizgen("import", str(back), "--json").stdout)

    assert first["notes"]["new"] == 0 and first["notes"]["linked"] > 0
    assert first["reviews_added"] == 1 and first["schedules_updated"] == 1
    assert (second["reviews_added"], second["schedules_updated"]) == (0, 0)
    # No anki-* copies of our cards.
    assert [card["id"] for card in json.loads(quizgen("cards", "--json").stdout)] == cards_before
    gas_now = shown("gas")
    assert gas_now["reviews"] == 2  # ours, then Anki's: each once after two imports
    due = datetime.fromisoformat(gas_now["schedule"][0]["due"])
    ours_in_days = (due.astimezone().date() - datetime.now(UTC).astimezone().date()).days
    assert abs(ours_in_days - anki_due_in_days) <= 1
    assert gas_now["schedule"][0]["last_review"] > before["gas"]["schedule"][0]["last_review"]
    for card_id in ("proteins", "salt", "done-temp"):  # studied here only: untouched
        assert shown(card_id)["reviews"] == 1
        assert shown(card_id)["schedule"] == before[card_id]["schedule"]
    stats = json.loads(quizgen("stats", "baking", "--json").stdout)
    assert stats["reviews"] == len(RATED) + 1  # the four answers of the review session, and Anki's


# The first bytes of a zstd frame, as a current package's collection begins.
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.apkg", None, "no such file"),
        ("text.apkg", b"just some text", "not an Anki package"),
        ("truncated.apkg", b"PK\x03\x04" + b"\x00" * 40, "damaged or truncated"),
        ("collection.anki2", b"SQLite format 3\x00" + b"\x00" * 200, "not an Anki collection"),
        # A current package whose compressed collection is damaged, and one whose description of itself is.
        ("frames.apkg", {"collection.anki21b": ZSTD_MAGIC + bytes(range(200)), "meta": b"\x08\x03"},
         "a damaged Anki package"),
        ("meta.apkg", {"collection.anki21b": ZSTD_MAGIC + bytes(200), "meta": b"\x0e\xff\xff"},
         "a damaged Anki package"),
    ],
)
def test_bad_anki_input_is_one_line_and_writes_nothing(run, db_path, tmp_path, name, content, message):
    path = tmp_path / name
    if isinstance(content, dict):
        with zipfile.ZipFile(path, "w") as archive:
            for member, data in content.items():
                archive.writestr(member, data)
    elif content is not None:
        path.write_bytes(content)
    result = run("import", str(path))
    assert result.exit_code == 1
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "{" not in result.stderr  # none of the Anki reader's internal error structures
    assert not db_path.exists()


def test_the_stand_in_collection_of_an_unzipped_package_is_refused_for_the_real_one(run, anki_source, tmp_path):
    """An unzipped package holds a one-note collection.anki2 for old versions of Anki beside the real collection."""
    _source, package = anki_source
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(package) as archive:
        archive.extractall(folder)
    assert (folder / "collection.anki21b").is_file()
    refused = run("import", str(folder / "collection.anki2"))
    assert refused.exit_code == 1
    assert refused.stderr.strip().endswith("the cards are in collection.anki21b beside it: import that, or the package "
                                           "itself")
    assert imported_json(run, folder / "collection.anki21b")["notes"]["new"] > 5


def test_the_stand_in_collection_moved_away_from_its_package_is_refused(run, db_path, anki_source, tmp_path):
    _source, package = anki_source
    with zipfile.ZipFile(package) as archive:
        (tmp_path / "deck.anki2").write_bytes(archive.read("collection.anki2"))
    refused = run("import", str(tmp_path / "deck.anki2"))
    assert refused.exit_code == 1
    assert refused.stderr.strip().endswith("the stand-in Anki puts in a package for old versions of Anki, not a "
                                           "deck's cards: import the package it came from")
    assert not db_path.exists()


def test_an_sqlite_file_that_is_not_anki_is_refused(run, db_path, tmp_path):
    other = tmp_path / "other.anki2"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    result = run("import", str(other))
    assert result.exit_code == 1 and "not an Anki collection" in result.stderr
    assert not db_path.exists()


def test_a_collection_whose_tables_are_not_ankis_is_refused_in_plain_words(run, db_path, tmp_path):
    lookalike = tmp_path / "lookalike.anki2"
    conn = sqlite3.connect(lookalike)
    for table in ("col", "notes", "cards", "revlog"):
        conn.execute(f"CREATE TABLE {table} (id INTEGER)")
    conn.commit()
    conn.close()
    result = run("import", str(lookalike))
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Error: {lookalike}: not an Anki collection (a SQLite database whose tables are not Anki's)"
    )
    assert not db_path.exists()


def test_an_anki_file_is_imported_on_its_own(run, anki_source, tmp_path):
    _source, package = anki_source
    result = run("import", str(package), str(tmp_path / "cards.toml"))
    assert result.exit_code == 2 and "one Anki file at a time" in result.stderr


def test_each_review_keeps_its_anki_time_and_the_wait_anki_gave_it(run, anki_source, db_path):
    source, package = anki_source
    imported_json(run, package)
    col = Collection(str(source.path))
    try:
        intervals = dict(col.db.all("SELECT id, ivl FROM revlog"))
    finally:
        col.close()
    conn = sqlite3.connect(db_path)
    try:
        rows = conn.execute(
            "SELECT card_pk, face, anki_revlog_id, reviewed_at, due_before, due_after FROM reviews "
            "ORDER BY card_pk, face, anki_revlog_id"
        ).fetchall()
    finally:
        conn.close()
    assert len(rows) == sum(source.revlog_per_card.values()) - 1
    previous: dict[tuple[int, int], str | None] = {}
    for card_pk, face, revlog_id, reviewed_at, due_before, due_after in rows:
        at = datetime.fromtimestamp(revlog_id / 1000, UTC)
        assert reviewed_at == to_stored(at)
        interval = intervals[revlog_id]
        wait = timedelta(days=interval) if interval > 0 else timedelta(seconds=-interval)
        assert due_after == (to_stored(at + wait) if interval else None)
        # Each answer was due when the one before it said; the first was due at no time.
        assert due_before == previous.get((card_pk, face))
        previous[(card_pk, face)] = due_after


def test_each_answer_counts_for_true_retention_with_its_wait_since_the_one_before(run, anki_source, db_path):
    """What ``stats`` bands true retention by: the days from each answer to the face's answer before it, for the
    answers that were due."""
    _source, package = anki_source
    imported_json(run, package)
    conn = sqlite3.connect(db_path)
    try:
        rows = conn.execute(
            "SELECT card_pk, face, anki_revlog_id, due_before, elapsed_days FROM reviews "
            "ORDER BY card_pk, face, anki_revlog_id"
        ).fetchall()
    finally:
        conn.close()
    previous: dict[tuple[int, int], int] = {}
    waits = 0
    for card_pk, face, revlog_id, due_before, elapsed_days in rows:
        before = previous.get((card_pk, face))
        if before is None or due_before is None:
            assert elapsed_days is None
        else:
            assert elapsed_days == pytest.approx((revlog_id - before) / 86_400_000, abs=1e-6)
            waits += 1
        previous[(card_pk, face)] = revlog_id
    assert waits > 0


def test_a_first_import_leaves_the_indexes_of_a_new_database(run, anki_source, db_path, tmp_path):
    _source, package = anki_source
    assert imported_json(run, package)["reviews_added"] > 0
    fresh = tmp_path / "fresh.db"
    Store.open(fresh).close()

    def indexes(path: Path) -> list[tuple[str, str]]:
        conn = sqlite3.connect(path)
        try:
            return conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name").fetchall()
        finally:
            conn.close()

    assert indexes(db_path) == indexes(fresh)
