"""The browsing and deck commands as a learner reads them: show, cards, decks, the command list, and deck delete,
reset and fork."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pexpect
import pytest

from quizgen.cli import cli
from quizgen.core import importing, paths
from quizgen.core.store import Answer, Store
from quizgen.core.time import day_start, local_day
from quizgen.core.time import now as current_time

BUNDLED = "stopping-hormone-therapy"
LONG_ID = "a-card-whose-identifier-is-rather-long-indeed"

DECK = '''[deck]
slug = "body"
name = "The Body"

[[cards]]
id = "gland-under-brain"
kind = "typed"
section = "Glands"
prompt = "Which gland sits under the brain?"
answer = "pituitary"

[[cards]]
id = "gloss-hormone"
kind = "glossary"
section = "Glossary"
term = "hormone"
definition = "a chemical messenger carried in the blood"

[[cards]]
id = "cloze-axis"
kind = "cloze"
section = "Glands"
text = "The {{c1::hypothalamus}} signals the {{c2::pituitary}}."

[[cards]]
id = "a-card-whose-identifier-is-rather-long-indeed"
kind = "truefalse"
section = "Glands"
prompt = "The thyroid sits in the neck."
answer = true
'''


pytestmark = pytest.mark.usefixtures("utc_days")


@pytest.fixture
def body(tmp_path, db_path):
    source = tmp_path / "body.toml"
    source.write_text(DECK, encoding="utf-8")
    store = Store.open(db_path)
    importing.import_paths(store, [source])
    yield store
    store.close()


def card_pk(store: Store, card_id: str) -> int:
    return store.card(f"body/{card_id}").pk


def answer(store: Store, card_id: str, face: int, at: datetime, rating: int, *, response: str = "pituitary",
           due: datetime | None = None, due_before: datetime | None = None, seconds: float = 4.2) -> None:
    """Store one review-mode answer given ``at``, leaving the face in FSRS's Review state, due ``due``."""
    pk = card_pk(store, card_id)
    schedule = {"state": 2, "step": None, "stability": 5.0, "difficulty": 6.5 if rating == 1 else 4.0,
                "due": (due or at + timedelta(days=5)).isoformat(), "last_review": at.isoformat()}
    session = store.start_session("body", "review", 0, at)
    store.record_answer(session, Answer(
        pk, face, at, "review", rating, rating > 1, response, int(seconds * 1000),
        due_before.isoformat() if due_before else None, schedule))


def day_month(moment: datetime) -> str:
    return f"{moment.day} {moment:%b}"


def noon_in(days: int) -> datetime:
    """Midday of the learner's day ``days`` from today: "due in N days" then holds at any hour the tests run."""
    return day_start(local_day(current_time()) + timedelta(days=days)) + timedelta(hours=12)


# show ------------------------------------------------------------------------------------------------------------


def test_show_prints_when_a_face_is_due_and_last_seen_and_its_answers_newest_last(body, run):
    now = current_time()
    answer(body, "gland-under-brain", 0, now - timedelta(days=9), 1, response="thyroid", seconds=7.5,
           due=now - timedelta(days=8))
    answer(body, "gland-under-brain", 0, noon_in(-2), 3, due=noon_in(3), due_before=now - timedelta(days=8))
    result = run("show", "body/gland-under-brain")
    assert result.exit_code == 0, result.output
    lines = [line.strip() for line in result.stdout.splitlines()]
    assert f"due in 3 days, on {day_month(noon_in(3))}" in lines
    assert f"last reviewed 2 days ago, on {day_month(now - timedelta(days=2))} at" in result.stdout
    assert "interval 5 d · difficulty 4.0/10 · lapses 0" in lines
    log = result.stdout[result.stdout.index("reviews (2, newest last):"):].splitlines()[1:]
    assert log[0].split() == [*day_month(now - timedelta(days=9)).split(), log[0].split()[2], "review", "Again",
                              "wrong", '"thyroid"', "7.5", "s"]
    assert log[1].split()[3:] == ["review", "Good", "right", '"pituitary"', "4.2", "s"]


def test_a_review_due_at_the_start_of_its_day_shows_its_interval_in_days(body, run):
    """Anki dates a review card's due at the start of its due day (4 am): answered yesterday afternoon and due this
    morning, the interval is a day, as Anki shows it, not the hours in between."""
    today = local_day(current_time())
    answered = day_start(today - timedelta(days=1)) + timedelta(hours=13)
    answer(body, "gland-under-brain", 0, answered, 3, due=day_start(today) + timedelta(hours=4))
    lines = [line.strip() for line in run("show", "body/gland-under-brain").stdout.splitlines()]
    assert "interval 1 d · difficulty 4.0/10 · lapses 0" in lines


def test_show_names_each_face_and_a_card_never_studied_says_so(body, run):
    out = run("show", "gloss-hormone").stdout
    assert "  term to definition: new, never reviewed" in out.splitlines()
    assert "  definition to term: new, never reviewed" in out.splitlines()
    assert "reviews: none yet" in out
    cloze = run("show", "cloze-axis").stdout.splitlines()
    assert "  c1: new, never reviewed" in cloze and "  c2: new, never reviewed" in cloze


def test_answers_to_a_deletion_since_removed_stay_in_the_log_labelled_as_removed(body, run, tmp_path):
    answer(body, "cloze-axis", 2, noon_in(-1), 3)
    source = tmp_path / "body.toml"
    source.write_text(DECK.replace("the {{c2::pituitary}}", "the pituitary"), encoding="utf-8")
    importing.import_paths(body, [source])
    out = run("show", "body/cloze-axis").stdout
    log = out[out.index("reviews (1, newest last):"):].splitlines()
    assert log[1].split()[3:6] == ["review", "c2", "(removed)"]


def test_show_json_keeps_the_stored_fields_and_adds_each_face_and_the_review_log(body, run):
    now = current_time()
    answer(body, "gloss-hormone", 1, now - timedelta(days=1), 3, response="", due=now + timedelta(days=4))
    data = json.loads(run("show", "gloss-hormone", "--json").stdout)
    assert data["reviews"] == 1 and len(data["schedule"]) == 2
    faces = {face["label"]: face for face in data["faces"]}
    assert faces["term to definition"]["state"] == "new" and faces["term to definition"]["due"] is None
    studied = faces["definition to term"]
    assert (studied["state"], studied["interval_days"], studied["lapses"]) == ("review", 5.0, 0)
    assert datetime.fromisoformat(studied["due"]) == now + timedelta(days=4)
    [review] = data["review_log"]
    assert (review["face"], review["mode"], review["rating"], review["correct"]) == (1, "review", 3, 1)


def test_a_card_is_found_by_the_start_of_its_id_and_an_ambiguous_start_lists_the_candidates(body, run):
    assert run("show", "gland").stdout.startswith("body/gland-under-brain  (typed, active)")
    assert run("show", "body/cloze").stdout.startswith("body/cloze-axis  (cloze, active)")
    result = run("show", "g")
    assert result.exit_code == 1
    assert result.stderr == "Error: 'g' is the start of 2 card ids: gland-under-brain, gloss-hormone\n"
    assert run("show", "zzz").stderr == "Error: no card 'zzz'\n"


# cards -----------------------------------------------------------------------------------------------------------


@pytest.fixture
def studied(body):
    now = current_time()
    answer(body, "gland-under-brain", 0, now - timedelta(days=7), 3, due=now - timedelta(days=2))
    answer(body, "cloze-axis", 2, now - timedelta(days=20), 3, due=now - timedelta(days=12))
    # Forgot it once learnt (a lapse), then again on a relearning step, which is not one.
    answer(body, "cloze-axis", 2, now - timedelta(days=11), 1, due=now - timedelta(days=11) + timedelta(minutes=10),
           due_before=now - timedelta(days=12))
    answer(body, "cloze-axis", 2, now - timedelta(days=10), 1, due=noon_in(3),
           due_before=now - timedelta(days=11) + timedelta(minutes=10))
    return body


@pytest.mark.parametrize("columns", [50, 80, 100, 200])
def test_cards_fit_the_terminal_with_every_id_whole_and_when_each_is_due(studied, run, monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", str(columns))
    result = run("cards", "body")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert all(len(line.rstrip()) <= columns for line in lines)
    words = result.stdout.split()
    for card_id in ("gland-under-brain", "gloss-hormone", "cloze-axis", LONG_ID):
        assert card_id in words
    row = {line.split()[0]: line for line in lines if line.split() and line.split()[0] in words}
    assert "overdue 2 d" in row["gland-under-brain"] and "5 d" in row["gland-under-brain"]
    assert "in 3 d" in row["cloze-axis"]
    assert "new" in row["gloss-hormone"].split()
    assert result.stderr == "4 card(s)\n"


def test_cards_sort_by_due_lapses_and_difficulty(studied, run):
    def order(*args: str) -> list[str]:
        return [card["id"] for card in json.loads(run("cards", "body", "--json", *args).stdout)]

    assert order() == ["gland-under-brain", "gloss-hormone", "cloze-axis", LONG_ID]
    assert order("--sort", "due")[:2] == ["gland-under-brain", "cloze-axis"]
    assert order("--sort", "lapses")[0] == "cloze-axis"
    assert order("--sort", "difficulty")[:2] == ["cloze-axis", "gland-under-brain"]


def test_cards_json_has_the_schedule_of_every_face(studied, run):
    cards = {card["id"]: card for card in json.loads(run("cards", "body", "--json").stdout)}
    cloze = cards["cloze-axis"]
    assert cloze["lapses"] == 1
    assert [(f["face"], f["label"], f["state"]) for f in cloze["faces"]] == [(1, "c1", "new"), (2, "c2", "review")]
    assert set(cloze["faces"][1]) >= {"due", "last_review", "interval_days", "stability", "difficulty", "lapses"}
    assert [f["label"] for f in cards["gloss-hormone"]["faces"]] == ["term to definition", "definition to term"]


def test_retired_cards_show_the_word_in_a_status_column(body, run, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")
    (tmp_path / "body.toml").write_text(DECK.split("[[cards]]\nid = \"gloss-hormone\"")[0], encoding="utf-8")
    assert run("import", str(tmp_path / "body.toml")).exit_code == 0
    lines = run("cards", "body", "--retired").stdout.splitlines()
    assert lines[0].split()[:3] == ["id", "status", "kind"]
    retired = next(line for line in lines if "gloss-hormone" in line)
    assert retired.split()[:3] == ["gloss-hormone", "retired", "glossary"]


def test_stats_shows_the_weakest_cards_ids_whole(body, run, monkeypatch):
    now = current_time()
    answer(body, LONG_ID, 0, now - timedelta(days=1), 1,
           due=now + timedelta(days=1))
    for columns in (80, 120):
        monkeypatch.setenv("COLUMNS", str(columns))
        out = run("stats", "body").stdout
        weakest = out[out.index("Weakest cards"):]
        assert LONG_ID in weakest.split()
        assert "The thyroid sits in the neck." in weakest
        assert all(len(line) <= columns for line in out.splitlines())


# decks and the command list --------------------------------------------------------------------------------------


def test_decks_says_it_counts_cards_and_faces(run):
    result = run("decks")
    header = next(line for line in result.stdout.splitlines() if "deck" in line and "name" in line)
    assert [cell.strip() for cell in header.strip("┃ ").split("┃")] == ["deck", "name", "cards", "new faces",
                                                                      "due faces"]
    note = " ".join(result.stdout.split("┘")[-1].split())
    assert note == ("A face is one way a card is asked: a glossary card has two (term to definition and back), a "
                    "cloze card one per blank; new and due count faces.")


@pytest.mark.parametrize("columns", ["60", "80"])
def test_decks_never_cut_a_decks_slug(run, monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", columns)
    out = run("decks").stdout
    assert "│ stopping-hormone-therapy │" in out
    below = out.split("┘")[-1].splitlines()
    assert below and max(map(len, below)) <= int(columns)  # the note under the table wraps too


def test_the_command_list_shows_every_summary_whole(run):
    out = " ".join(run("--help").stdout.split())
    for name, command in cli.commands.items():
        summary = " ".join(command.help.split("\n\n")[0].split())
        assert f"{name} {summary}" in out


# deck delete and reset -------------------------------------------------------------------------------------------


def counts(db_path: Path, deck: str) -> tuple[int, ...]:
    with sqlite3.connect(db_path) as conn:
        return tuple(conn.execute(sql, [deck]).fetchone()[0] for sql in (
            "SELECT count(*) FROM decks WHERE slug = ?",
            "SELECT count(*) FROM cards WHERE deck = ?",
            "SELECT count(*) FROM reviews r JOIN cards c ON c.pk = r.card_pk WHERE c.deck = ?",
            "SELECT count(*) FROM sessions WHERE deck = ?",
            "SELECT count(*) FROM schedule s JOIN cards c ON c.pk = s.card_pk WHERE c.deck = ? AND s.state > 0",
        ))


def test_deck_delete_removes_the_deck_and_all_it_holds(studied, run, db_path):
    assert counts(db_path, "body") == (1, 4, 4, 4, 2)
    result = run("deck", "delete", "body", "--yes")
    assert result.exit_code == 0
    assert result.stdout == "deleted deck 'body': 4 cards, 4 answers\n"
    assert counts(db_path, "body") == (0, 0, 0, 0, 0)
    assert json.loads(run("decks", "--json").stdout) == []


def test_deleting_the_bundled_deck_lasts_until_import_brings_it_back(run):
    result = run("deck", "delete", BUNDLED, "--yes")
    assert result.exit_code == 0
    assert "'quizgen import' brings it back" in result.stdout
    assert json.loads(run("decks", "--json").stdout) == []
    assert run("import").exit_code == 0
    assert [deck["slug"] for deck in json.loads(run("decks", "--json").stdout)] == [BUNDLED]


def test_deck_commands_without_a_terminal_need_yes(studied, run, db_path):
    for action in ("delete", "reset"):
        result = run("deck", action, "body")
        assert result.exit_code == 1
        assert result.stderr == "Error: not asking without a terminal: add --yes to go ahead\n"
    assert counts(db_path, "body") == (1, 4, 4, 4, 2)
    unknown = run("deck", "delete", "planets", "--yes")
    assert unknown.exit_code == 1 and unknown.stderr.startswith("Error: no deck 'planets'")


def test_deck_delete_asks_in_a_terminal(studied, db_path):
    child = pexpect.spawn(sys.executable, ["-m", "quizgen", "deck", "delete", "body"], env=dict(os.environ),
                          encoding="utf-8", timeout=20)
    child.expect(r"Delete deck 'body' with its 4 cards and 4 answers\? It cannot be undone \[y/N\]: ")
    child.sendline("n")
    child.expect("nothing was changed")
    child.expect(pexpect.EOF)
    assert counts(db_path, "body")[0] == 1
    child = pexpect.spawn(sys.executable, ["-m", "quizgen", "deck", "delete", "body"], env=dict(os.environ),
                          encoding="utf-8", timeout=20)
    child.expect(r"\[y/N\]: ")
    child.sendline("y")
    child.expect("deleted deck 'body'")
    child.expect(pexpect.EOF)
    assert counts(db_path, "body") == (0, 0, 0, 0, 0)


def test_deck_reset_makes_every_face_new_and_keeps_the_cards(studied, run, db_path):
    result = run("deck", "reset", "body", "--yes")
    assert result.exit_code == 0
    assert result.stdout == "reset deck 'body': 4 answers forgotten, every face new\n"
    assert counts(db_path, "body") == (1, 4, 0, 0, 0)
    [deck] = [d for d in json.loads(run("decks", "--json").stdout) if d["slug"] == "body"]
    assert (deck["cards"], deck["new"], deck["due"]) == (4, 6, 0)
    assert "new, never reviewed" in run("show", "gland-under-brain").stdout


# deck fork -------------------------------------------------------------------------------------------------------

FIRST_CARD = "fund-protocols-started-for-symptoms"
FIRST_PROMPT = ("According to the article, people usually take up a hormonal optimization protocol to address specific "
                "what, and so get back to a better state of well-being? (one word)")


def test_importing_a_copy_of_a_bundled_file_names_the_fork(run, tmp_path):
    copy = tmp_path / "1-fundamentals.toml"
    shutil.copy(paths.bundled_root() / "questions" / "1-fundamentals.toml", copy)
    result = run("import", str(copy))
    assert result.exit_code == 1
    assert (f"card '{FIRST_CARD}' of deck '{BUNDLED}' already comes from bundled:questions/1-fundamentals.toml; a card "
            f"belongs to one file (to edit the bundled deck, fork it: quizgen deck fork {BUNDLED} FOLDER, then edit "
            "and import FOLDER)") in result.stderr


def test_a_forked_deck_is_edited_through_its_files_and_the_bundled_sync_leaves_it_alone(run, db_path, tmp_path):
    store = Store.open(db_path)
    importing.seed(store)
    pk = store.card(FIRST_CARD).pk
    answer_at = current_time() - timedelta(days=1)
    session = store.start_session(BUNDLED, "review", 0, answer_at)
    store.record_answer(session, Answer(pk, 0, answer_at, "review", 3, True, "a", 2000, None, None))
    store.close()

    fork = tmp_path / "my-deck"
    result = run("deck", "fork", BUNDLED, str(fork))
    assert result.exit_code == 0, result.output
    assert f"wrote {fork / 'questions' / '1-fundamentals.toml'}" in result.stdout
    assert sorted(p.relative_to(fork).as_posix() for p in fork.rglob("*.toml")) == [
        f"decks/{BUNDLED}.toml", "questions/1-fundamentals.toml", "questions/2-intermediate.toml",
        "questions/3-academic.toml", "questions/4-glossary.toml"]
    assert json.loads(run("import", "--json", str(fork)).stdout)["unchanged"] == 216
    assert run("check", str(fork)).exit_code == 0

    first = fork / "questions" / "1-fundamentals.toml"
    first.write_text(first.read_text(encoding="utf-8").replace(FIRST_PROMPT, "Why do people start hormone therapy?"),
                     encoding="utf-8")
    report = json.loads(run("import", "--json", str(fork)).stdout)
    assert (report["updated"], report["added"], report["retired"]) == (1, 0, 0)
    shown = json.loads(run("show", FIRST_CARD, "--json").stdout)
    assert shown["prompt"] == "Why do people start hormone therapy?" and shown["reviews"] == 1

    bundled = run("import")
    assert bundled.exit_code == 0, bundled.stderr
    assert bundled.stderr == ""
    assert json.loads(run("show", FIRST_CARD, "--json").stdout)["prompt"] == "Why do people start hormone therapy?"
    assert run("check").exit_code == 0
    assert len(json.loads(run("cards", "--json").stdout)) == 216


def test_fork_never_replaces_files(run, tmp_path):
    fork = tmp_path / "mine"
    (fork / "questions").mkdir(parents=True)
    (fork / "questions" / "2-intermediate.toml").write_text("# my notes\n")
    result = run("deck", "fork", BUNDLED, str(fork))
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {fork / 'questions' / '2-intermediate.toml'} already exists; fork into a new or "
                             "empty folder\n")
    assert (fork / "questions" / "2-intermediate.toml").read_text() == "# my notes\n"
    assert sorted(fork.rglob("*.toml")) == [fork / "questions" / "2-intermediate.toml"]


def test_a_deck_is_named_by_its_slug_or_by_its_name_in_any_case(run, tmp_path):
    by_slug = json.loads(run("cards", BUNDLED, "--json").stdout)
    by_name = run("cards", "stopping hormone THERAPY", "--json")
    assert by_name.exit_code == 0 and json.loads(by_name.stdout) == by_slug
    exported = run("export", "Stopping Hormone Therapy", "-o", str(tmp_path / "deck.csv"))
    assert exported.exit_code == 0 and f"card(s) of {BUNDLED} written" in exported.stdout
    assert run("stats", "Stopping Hormone Therapy", "--json").exit_code == 0


def test_a_name_two_decks_share_asks_for_a_slug(run, tmp_path):
    for slug in ("tides-one", "tides-two"):
        (tmp_path / f"{slug}.toml").write_text(
            f'[deck]\nslug = "{slug}"\nname = "Tides"\n\n[[cards]]\nid = "t"\nkind = "flashcard"\n'
            f'section = "S"\nfront = "What pulls the tides?"\nback = "The moon"\n', encoding="utf-8"
        )
        assert run("import", str(tmp_path / f"{slug}.toml")).exit_code == 0
    result = run("cards", "tides")
    assert result.exit_code == 1
    assert result.stderr == "Error: several decks are named 'tides': give the slug of one (tides-one, tides-two)\n"
    assert run("cards", "tides-two").exit_code == 0
