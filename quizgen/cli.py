"""The ``quizgen`` command line: thin commands over the library."""

from __future__ import annotations

import codecs
import contextlib
import errno
import io
import json
import os
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import click

from quizgen.core import paths
from quizgen.core.display import json_escaped, visible
from quizgen.core.errors import QuizgenError, Terminated
from quizgen.core.store import Store, describe_sqlite_error


class UndecodableArgument(click.ClickException):
    exit_code = 2


def whole_summary(command: click.Command) -> str:
    """A command's summary in the list of commands: the first paragraph of its help, whole (click would cut it at
    45 characters, in the middle of what it says)."""
    if command.short_help:
        return command.short_help
    # click has already cleaned the docstring's indentation (inspect.getdoc).
    first = (command.help or "").strip().split("\n\n")[0]
    return " ".join(first.split())


class QuizgenCommand(click.Command):
    """Refuses text arguments and options that are not valid UTF-8, before they reach the database or the screen."""

    def get_short_help_str(self, limit: int = 45) -> str:
        return whole_summary(self)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        rest = super().parse_args(ctx, args)
        for param in self.params:
            value = ctx.params.get(param.name or "")
            if isinstance(param.type, click.types.StringParamType) and value is not None:
                values = value if isinstance(value, tuple) else (value,)
                if any(isinstance(v, str) and not _encodable(v) for v in values):
                    raise UndecodableArgument(f"{_shown_name(param)} is not valid UTF-8 text")
        return rest


def _encodable(text: str) -> bool:
    """False for text holding lone surrogates: the bytes of an argument that were not UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class QuizgenGroup(click.Group):
    """Turns every error a user can cause into one line on stderr and a non-zero exit, never a traceback."""

    command_class = QuizgenCommand
    group_class = type

    def get_short_help_str(self, limit: int = 45) -> str:
        return whole_summary(self)

    def invoke(self, ctx: click.Context) -> Any:
        if sys.stdout is None:
            raise click.ClickException("standard output is closed")
        _escape_what_the_output_cannot_encode()
        try:
            result = super().invoke(ctx)
            # A full disk or a closed pipe shows here, not as an ignored error when the interpreter exits.
            sys.stdout.flush()
            return result
        except QuizgenError as ex:
            raise click.ClickException(visible(str(ex))) from None
        except sqlite3.Error as ex:
            raise click.ClickException(visible(describe_sqlite_error(ex, ctx.obj.db_path_label()))) from None
        except KeyboardInterrupt:
            click.echo("", err=True)
            ctx.exit(130)
        except Terminated as ex:
            # What was being written is removed by now; exit as the shell reports a process the signal ended.
            with contextlib.suppress(OSError):  # after SIGHUP the terminal may be gone
                click.echo(f"Error: {ex}", err=True)
            ctx.exit(128 + ex.signum)
        except OSError as ex:
            if ex.filename is not None:
                raise click.ClickException(visible(f"{ex.filename}: {ex.strerror}")) from None
            _drop_output()
            if ex.errno == errno.EPIPE:
                # The reader went away (``| head``): stop quietly with status 1, as click and rich do.
                ctx.exit(1)
            raise click.ClickException(f"cannot write the output: {ex.strerror}") from None


def _escape_what_the_output_cannot_encode() -> None:
    """An output whose encoding cannot hold every character (``PYTHONIOENCODING=ascii``, say) shows the ones it
    cannot as escapes (``\\xb7``), where Python would stop with an error at the first."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and codecs.lookup(stream.encoding).name != "utf-8":
            stream.reconfigure(errors="backslashreplace")


def _drop_output() -> None:
    """Point standard output at /dev/null, so what is still buffered for it cannot fail again at exit."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


# From how many stored reviews an upgrade of the database takes long enough (seconds) to say so before it starts.
UPGRADE_NOTICE_REVIEWS = 100_000


def _say_upgrading(reviews: int) -> None:
    if reviews >= UPGRADE_NOTICE_REVIEWS:
        click.echo(
            f"quizgen: upgrading the database for this version ({reviews:,} reviews); this is done once and may take "
            "a while",
            err=True,
        )


class Context:
    def __init__(self, db_path: Path | None):
        self.db_path = db_path
        self._store: Store | None = None

    def store(self) -> Store:
        """The database, opened on first use; a new one gets the bundled decks."""
        if self._store is None:
            if self.db_path is None:
                moved = paths.move_old_database()
                if moved:
                    click.echo(f"quizgen: moved the database from {moved[0]} to {moved[1]}", err=True)
            self._store = Store.open(self.db_path, on_upgrade=_say_upgrading)
            if self._store.is_empty():
                # Only then is the question-file reader needed: every other start stays without it.
                from quizgen.core import importing

                importing.seed(self._store)
        return self._store

    def db_path_label(self) -> str:
        return str(self.db_path or paths.default_db_path()[0])


def _shown_name(param: click.Parameter) -> str:
    return param.opts[0] if isinstance(param, click.Option) else param.human_readable_name


class DeckArgument(click.ParamType):
    """A deck, by its slug or by its name (any case), as ``quizgen decks`` lists them: passed on as the slug."""

    name = "deck"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        if not _encodable(text):  # looked up in the database, so checked here rather than after parsing
            raise UndecodableArgument(f"{_shown_name(param) if param else 'DECK'} is not valid UTF-8 text")
        context = ctx.find_object(Context) if ctx is not None else None
        return context.store().deck_slug(text) if context is not None else text


DECK = DeckArgument()


def echo_json(data: Any) -> None:
    click.echo(json_escaped(json.dumps(data, indent=2, ensure_ascii=False)))


STDOUT = "-"
"""The output name that means stdout, for text exports and drafts."""


@contextlib.contextmanager
def data_on_stdout() -> Iterator[TextIO]:
    """Stdout as UTF-8 text, newlines untranslated, for data rather than messages; a reader that stops early
    (``| head``) ends the command quietly, as ``QuizgenGroup`` does for any closed output."""
    sys.stdout.flush()
    out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
    try:
        yield out
        out.flush()
    finally:
        out.detach()


def _db_path(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Path | None:
    if value == "":  # which Path() would take for the current folder
        raise click.BadParameter("an empty name is no file; give the database's file name")
    return Path(value) if value is not None else None


@click.group(cls=QuizgenGroup)
@click.version_option(package_name="quizgen")
@click.option(
    "--db",
    "db_path",
    type=click.Path(),
    envvar="QUIZGEN_DB",
    callback=_db_path,
    help="Database file (default: $QUIZGEN_DB, else quizgen.db in the user data folder).",
)
@click.pass_context
def cli(ctx: click.Context, db_path: Path | None) -> None:
    """Quizzes and flashcards from articles, scheduled by FSRS.

    Run 'quizgen quiz' to study the bundled deck.
    """
    ctx.obj = Context(db_path)
    ctx.call_on_close(lambda: ctx.obj._store and ctx.obj._store.close())


@cli.group(name="db")
def db_group() -> None:
    """Where the database is."""


@db_group.command(name="path")
@click.pass_obj
def db_path_command(obj: Context) -> None:
    """Print the path of the database file."""
    click.echo(obj.db_path_label())


@cli.command(name="check")
@click.argument("paths_", metavar="[PATH]...", nargs=-1, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.pass_obj
def check_command(obj: Context, paths_: tuple[Path, ...], strict: bool) -> None:
    """Validate question and deck files (default: the bundled ones); write nothing.

    Every problem is printed as PATH:LINE: MESSAGE. Exits 1 on errors (or on warnings with --strict).
    """
    from quizgen.core import importing, lint, questions

    targets = list(paths_) or paths.bundled_paths()
    # Read against the database, if there is one, so that what import would refuse is reported here too.
    with importing.reading(Path(obj.db_path_label())) as stored:
        stored_decks = {deck.slug: deck for deck in stored.decks()} if stored else {}
        known = {**stored_decks, **questions.load(paths.bundled_paths()).decks} if paths_ else {}
        loaded = questions.load(targets, known_decks=known)
        if stored and not paths_:
            loaded = importing.leave_forked(stored, loaded)
        refused = importing.plan_import(stored, loaded).refusals if stored else []
    problems = loaded.problems + refused + lint.lint(loaded)
    for problem in problems:
        click.echo(visible(str(problem)))
    errors = sum(1 for p in problems if p.severity == questions.ERROR)
    warnings = len(problems) - errors
    click.echo(
        f"{len(loaded.cards)} cards in {len(loaded.question_files)} question file(s): "
        f"{errors} error(s), {warnings} warning(s)",
        err=True,
    )
    if errors or (strict and warnings):
        sys.exit(1)


@cli.command(name="import")
@click.argument("paths_", metavar="[PATH]...", nargs=-1, type=click.Path(path_type=Path))
@click.option("json_", "--json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def import_command(obj: Context, paths_: tuple[Path, ...], json_: bool) -> None:
    """Import question files or folders (default: re-sync the bundled decks), or one Anki file.

    All or nothing: if any file has an error, nothing is written. Edited cards keep their id, reviews and
    schedule; cards removed from their file are retired and come back if they return. An Anki package (.apkg,
    .colpkg) or collection (collection.anki2, .anki21, .anki21b) brings its notes as cards with their review
    history and schedule; the file is only read.
    """
    from quizgen.core import importing
    from quizgen.exchange import anki_import

    if any(anki_import.is_anki_file(path) for path in paths_):
        if len(paths_) > 1:
            raise click.UsageError("import one Anki file at a time, and question files separately")
        _import_anki(obj, paths_[0], json_)
        return
    store = obj.store()
    report = importing.import_paths(store, list(paths_)) if paths_ else importing.import_bundled(store)
    if json_:
        echo_json(report.to_dict())
    else:
        click.echo(f"{', '.join(report.decks) or 'imported'}: {report.summary()}")
    for card_id in report.new_note_type:
        click.echo(
            f"warning: card '{card_id}' changed to a kind Anki keeps in another note type; Anki will not update "
            "its note from a new export (delete the note there, or give the card a new id)",
            err=True,
        )


def _import_anki(obj: Context, path: Path, json_: bool) -> None:
    from quizgen.exchange import anki_import, anki_in

    # Read before the database is opened: a file that cannot be read leaves no new database behind.
    imported = anki_in.read_anki(path)
    report = anki_import.import_anki(obj.store(), path, imported)
    if json_:
        echo_json(report.to_dict())
        return
    for line in report.summary():
        click.echo(visible(line))


@cli.command(name="decks")
@click.option("json_", "--json", is_flag=True, help="Print as JSON.")
@click.pass_obj
def decks_command(obj: Context, json_: bool) -> None:
    """List decks: their cards, and how many faces are new and due now.

    A face is one way a card is asked: most cards have one, a glossary card two, a cloze card one per blank.
    """
    rows = obj.store().deck_summaries()
    if json_:
        echo_json(rows)
        return
    from quizgen import views

    views.table(
        ["deck", "name", "cards", "new faces", "due faces"],
        [[r["slug"], r["name"], r["cards"], r["new"], r["due"]] for r in rows],
    )
    views.console().print("A face is one way a card is asked: a glossary card has two (term to definition and back), "
                          "a cloze card one per blank; new and due count faces.")


@cli.command(name="cards")
@click.argument("deck", type=DECK, required=False)
@click.option("--kind", "kinds", help="Only these kinds (comma-separated), e.g. mcq,typed.")
@click.option("--section", help="Only sections containing this text.")
@click.option("--search", help="Only cards containing this text.")
@click.option("--retired", is_flag=True, help="Include retired cards.")
@click.option(
    "--sort", "sort_by", type=click.Choice(["due", "lapses", "difficulty"]),
    help="due: soonest first, new cards last; lapses: most often forgotten (Again on a learnt face) first; "
    "difficulty: highest FSRS difficulty first. Default: the order the cards were written in.",
)
@click.option("json_", "--json", is_flag=True, help="Print as JSON, with the schedule of each face.")
@click.pass_obj
def cards_command(
    obj: Context,
    deck: str | None,
    kinds: str | None,
    section: str | None,
    search: str | None,
    retired: bool,
    sort_by: str | None,
    json_: bool,
) -> None:
    """List cards, optionally filtered, with when each is due and its interval."""
    from quizgen import views
    from quizgen.core import time

    kind_list = parse_kinds(kinds)
    store = obj.store()
    rows = store.cards(deck, kind_list, section, search, include_retired=retired)
    faces = store.listed_faces(deck, kind_list, section, search, include_retired=retired)
    now = time.now()
    marks = store.card_marks(now)
    rows = views.sorted_cards(rows, faces, sort_by, now)
    if json_:
        echo_json([{**views.card_record(s, faces.get(s.pk, [])), "marks": marks.get(s.pk, [])} for s in rows])
        return
    views.card_list(rows, faces, now, marks)
    click.echo(f"{len(rows)} card(s)", err=True)


def parse_kinds(kinds: str | None) -> list[str] | None:
    from quizgen.core.kinds import KINDS

    if not kinds:
        return None
    chosen = [k.strip() for k in kinds.split(",") if k.strip()]
    unknown = [k for k in chosen if k not in KINDS]
    if unknown:
        raise click.BadParameter(f"unknown kind {unknown[0]!r} (kinds: {', '.join(KINDS)})", param_hint="--kind")
    return chosen


@cli.command(name="show")
@click.argument("card_ref", metavar="CARD_ID")
@click.option("json_", "--json", is_flag=True, help="Print as JSON.")
@click.pass_obj
def show_command(obj: Context, card_ref: str, json_: bool) -> None:
    """Show one card in full, its schedule and every answer given to it.

    CARD_ID may be DECK/CARD_ID, or the start of an id that only one card's id starts with.
    """
    from quizgen import views
    from quizgen.core import time

    store = obj.store()
    stored = store.card(card_ref)
    faces = store.card_faces(stored.pk)
    reviews = store.card_reviews(stored.pk)
    now = time.now()
    marks = store.card_marks(now, stored.pk).get(stored.pk, [])
    if json_:
        echo_json(
            {**stored.card.to_dict(), "deck": stored.card.deck, "retired": stored.retired,
             "modified": stored.modified, "reviews": len(reviews), "schedule": store.schedule_rows(stored.pk),
             "faces": views.card_record(stored, faces)["faces"],
             "review_log": [review._asdict() for review in reviews],
             "marks": marks}
        )
        return
    views.card_detail(stored, faces, reviews, now, marks)


@cli.group(name="deck")
def deck_group() -> None:
    """Delete, reset or fork a whole deck."""


def confirm(question: str, yes: bool) -> None:
    """Go on when the user said --yes or answers yes; a command run without a terminal to ask at needs --yes."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise click.ClickException("not asking without a terminal: add --yes to go ahead")
    if not click.confirm(question, default=False):
        raise click.ClickException("nothing was changed")


@deck_group.command(name="delete")
@click.argument("deck", type=DECK)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def deck_delete_command(obj: Context, deck: str, yes: bool) -> None:
    """Delete a deck with its cards, their schedule and answers, and its sessions.

    Asks first (or give --yes). A deck that comes with quizgen comes back, new, with 'quizgen import'.
    """
    from quizgen.core import questions

    store = obj.store()
    cards, answers = store.deck_contents(deck)
    confirm(visible(f"Delete deck '{deck}' with its {cards} cards and {answers} answers? It cannot be undone"), yes)
    store.delete_deck(deck)
    click.echo(visible(f"deleted deck '{deck}': {cards} cards, {answers} answers"))
    if deck in questions.load(paths.bundled_paths()).decks:
        click.echo("it comes with quizgen: 'quizgen import' brings it back, every card new")


@deck_group.command(name="reset")
@click.argument("deck", type=DECK)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def deck_reset_command(obj: Context, deck: str, yes: bool) -> None:
    """Forget a deck's answers, sessions and schedule: every face is new again. The cards stay.

    Asks first (or give --yes).
    """
    store = obj.store()
    _cards, answers = store.deck_contents(deck)
    confirm(visible(f"Forget all {answers} answers to deck '{deck}' and its schedule? It cannot be undone"), yes)
    store.reset_deck(deck)
    click.echo(visible(f"reset deck '{deck}': {answers} answers forgotten, every face new"))


@deck_group.command(name="fork")
@click.argument("deck", type=DECK)
@click.argument("folder", type=click.Path(path_type=Path))
@click.pass_obj
def deck_fork_command(obj: Context, deck: str, folder: Path) -> None:
    """Copy a deck into question files of your own in FOLDER, and make them the cards' source.

    This is how to edit the bundled deck: its cards keep their ids, reviews and schedule. Edit the files, then run
    'quizgen import FOLDER'; 'quizgen import' with no argument leaves the forked cards alone from then on.
    """
    from quizgen.core import importing

    for path in importing.fork(obj.store(), deck, folder):
        click.echo(f"wrote {paths.display_path(path)}")
    where = paths.display_path(folder)
    click.echo(visible(f"deck '{deck}' now comes from {where}: edit the files there, then 'quizgen import {where}'"))


@cli.command(name="unsuspend")
@click.argument("card_ref", metavar="CARD_ID")
@click.pass_obj
def unsuspend_command(obj: Context, card_ref: str) -> None:
    """Let a suspended card be asked again (CARD_ID, or DECK/CARD_ID)."""
    store = obj.store()
    stored = store.card(card_ref)
    label = f"{stored.card.deck}/{stored.card.id}"
    if store.unsuspend_card(stored.pk):
        click.echo(visible(f"{label} is no longer suspended"))
    else:
        click.echo(visible(f"{label} was not suspended"))


@cli.command(name="export")
@click.argument("deck", type=DECK, required=False)
@click.option(
    "-o", "--output", "output", required=True, type=click.Path(path_type=Path),
    help="File to write: .apkg (Anki), .csv or .tsv (front, back, tags), .json (a question file); "
    "'-' writes CSV, TSV or JSON (give --format) to stdout.",
)
@click.option("format_", "--format", type=click.Choice(["apkg", "csv", "tsv", "json"]),
              help="Format, if not the output's extension.")
@click.option("--kind", "kinds", help="Only these kinds (comma-separated), e.g. mcq,typed.")
@click.option("--section", help="Only sections containing this text.")
@click.option("--flat", is_flag=True, help="Anki: one deck, no subdeck per top-level section.")
@click.option("--force", is_flag=True, help="Overwrite the output even if it is not a previous export.")
@click.option(
    "--progress/--no-progress", default=True, show_default=True,
    help="Anki: give studied cards their schedule and review history (taken by Anki's \"Import any learning "
    "progress\"); with --no-progress every card arrives new.",
)
@click.pass_obj
def export_command(
    obj: Context, deck: str | None, output: Path, format_: str | None, kinds: str | None, section: str | None,
    flat: bool, force: bool, progress: bool,
) -> None:
    """Export a deck's cards (DECK may be left out when there is one deck).

    Retired cards are left out. Re-importing a new .apkg into Anki updates the notes of changed cards in place
    and adds no duplicates.
    """
    from quizgen.exchange import export
    from quizgen.study.schedule import setting_value

    if str(output) == STDOUT:
        with data_on_stdout() as out:
            result = export.export_stream(obj.store(), out, format_, deck, parse_kinds(kinds), section)
        click.echo(f"{result.cards} card(s) of {result.deck} written to stdout ({result.format})", err=True)
        return
    store = obj.store()
    retention = setting_value(store.get_config, "retention") if progress else None
    result = export.export(
        store, output, deck, format_, parse_kinds(kinds), section, flat=flat, force=force, retention=retention
    )
    click.echo(f"{result.cards} card(s) of {result.deck} written to {result.path} ({result.format})")


@cli.command(name="quiz")
@click.argument("deck", type=DECK, nargs=-1)
@click.option(
    "-n", "count", type=click.IntRange(min=1),
    help="Ask N cards (exam default 20); in review mode a card you miss comes back at the end.",
)
@click.option(
    "--mode", type=click.Choice(["review", "practice", "exam"]), default="review", show_default=True,
    help="review: due cards, then new ones, rescheduled by FSRS; practice: any cards, with feedback, schedule "
    "untouched; exam: random cards, score at the end, schedule untouched.",
)
@click.option("--kind", "kinds", help="Only these kinds (comma-separated), e.g. mcq,typed.")
@click.option("--section", help="Only sections containing this text.")
@click.option("--seed", type=int, help="Seed for the order and the shuffled choices, to repeat a session.")
@click.option(
    "--new-limit",
    type=click.IntRange(min=0),
    help="New cards per day in review mode (default: 'quizgen config new-limit', 20).",
)
@click.pass_obj
def quiz_command(
    obj: Context, deck: tuple[str, ...], count: int | None, mode: str, kinds: str | None, section: str | None,
    seed: int | None, new_limit: int | None,
) -> None:
    """Study the decks named, or every deck together, in the terminal.

    Due cards come first, across the decks; then each deck's new cards, up to its daily limit.

    Keys at any prompt: ? help, s skip, q quit; Ctrl-C and Ctrl-D end the session too. Card actions: :u undo the
    last answer, :b bury the card until tomorrow, :s suspend it, :f flag it, :e edit it in $EDITOR. Every answer
    and action is saved before the next question.
    """
    from quizgen.study import plan, tui

    options = plan.QuizOptions(list(deck), mode, count, parse_kinds(kinds), section, seed, new_limit)
    tui.run_quiz(obj.store(), options)


@cli.command(name="stats")
@click.argument("deck", type=DECK, required=False)
@click.option("json_", "--json", is_flag=True, help="Print as JSON.")
# Text, checked as 'quizgen config retention' checks it, so a wrong value is refused in the same one line.
@click.option("--retention", metavar="FLOAT", help="Also forecast the workload at this desired retention (0.70-0.99).")
@click.pass_obj
def stats_command(obj: Context, deck: str | None, json_: bool, retention: str | None) -> None:
    """Progress: cards by state, due forecast, review history, accuracy, true and desired retention, a simulated
    30-day workload, weakest sections and cards.

    Without DECK: the only deck, or every deck together.
    """
    from quizgen.core import time
    from quizgen.study import schedule, stats

    forecast = float(schedule.check_setting("retention", retention)) if retention is not None else None
    figures = stats.compute(obj.store(), deck, time.now(), forecast)
    if json_:
        echo_json(figures.to_dict())
    else:
        stats.render(figures)


# A VALUE such as -1 is the value, not an unknown option: the setting's own check says what is wrong with it.
@cli.command(name="config", context_settings={"ignore_unknown_options": True})
@click.argument("key", required=False)
@click.argument("value", required=False)
@click.option(
    "--deck", type=DECK,
    help="With 'parameters': that deck's own FSRS parameters rather than every deck's; 'default' then takes them "
    "away, and the deck uses every deck's again.",
)
@click.option(
    "json_", "--json", is_flag=True,
    help="Print every setting as JSON, the FSRS parameters of every deck and of each deck with its own included.",
)
@click.pass_obj
def config_command(obj: Context, key: str | None, value: str | None, deck: str | None, json_: bool) -> None:
    """Show or change settings: 'quizgen config', 'quizgen config retention', 'quizgen config retention 0.85'.

    Settings: retention (desired retention for FSRS, 0.70-0.99, default 0.9); new-limit (new cards a day, 0-9999,
    default 20); learn-ahead (minutes ahead a card still being learnt is asked when nothing else is left, 0-1440,
    default 20); parameters (the 21 FSRS parameters, as 'quizgen optimize --apply' fits them), for every deck or,
    with --deck, for one. 'quizgen config parameters default' restores FSRS's own for every deck without parameters
    of its own; with --deck DECK it takes DECK's own away, and DECK then follows every deck's.
    """
    from quizgen.study import optimize, schedule

    if key is not None and key.startswith("--"):
        raise click.UsageError(f"no such option: {visible(key)}")
    if json_ and (key is not None or deck is not None):
        raise click.UsageError("--json shows every setting: give no KEY or --deck with it")
    store = obj.store()
    if json_:
        settings: dict[str, Any] = {
            spec.key: schedule.setting_value(store.get_config, spec.key) for spec in schedule.SETTINGS.values()
        }
        settings["parameters"] = schedule.deck_parameters(store.get_config, None)
        settings["deck_parameters"] = schedule.own_parameters(store.get_config, [d.slug for d in store.decks()])
        echo_json(settings)
        return
    if key is None and deck is not None:
        raise click.UsageError("--deck goes with 'parameters': quizgen config parameters --deck DECK [VALUE]")
    if key is None:
        for spec in schedule.SETTINGS.values():
            click.echo(f"{spec.key} = {schedule.setting_value(store.get_config, spec.key)}  # {spec.help}")
        parameters = optimize.format_parameters(schedule.deck_parameters(store.get_config, None))
        click.echo(f"parameters = {parameters}  # FSRS parameters of every deck without its own")
        for own_deck, own in schedule.own_parameters(store.get_config, [d.slug for d in store.decks()]).items():
            click.echo(f"parameters --deck {visible(own_deck)} = {optimize.format_parameters(own)}")
        return
    if key == schedule.PARAMETERS_KEY:
        slug = store.deck(deck).slug if deck is not None else None
        if value is not None and slug and schedule.means_default(value):
            store.delete_config(schedule.parameters_key(slug))
            click.echo(visible(f"deck '{slug}' has no parameters of its own now: it uses every deck's"), err=True)
        elif value is not None:
            parsed = schedule.parse_parameters(value)
            store.set_config(schedule.parameters_key(slug), optimize.stored_parameters(parsed))
        click.echo(optimize.format_parameters(schedule.deck_parameters(store.get_config, slug)))
        if value is not None:
            click.echo(
                "due dates stay as they are: each face's next answer is scheduled with these parameters ('quizgen "
                "optimize --apply' fits parameters and reschedules the faces in review)", err=True,
            )
        return
    if deck is not None:
        raise click.UsageError("--deck goes with 'parameters' only")
    if value is None:
        click.echo(schedule.setting_value(store.get_config, key))
    else:
        store.set_config(key, schedule.check_setting(key, value))
        click.echo(f"{key} = {schedule.setting_value(store.get_config, key)}")


@cli.command(name="optimize")
@click.argument("deck", type=DECK, required=False)
@click.option("--apply", "apply_", is_flag=True, help="Store the parameters and reschedule the faces in review.")
@click.option("json_", "--json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
def optimize_command(obj: Context, deck: str | None, apply_: bool, json_: bool) -> None:
    """Fit FSRS to your reviews, with the optimizer Anki uses, and say how well the fit predicts them.

    Reports log loss and RMSE(bins) of the current and the fitted parameters, on all reviews and on later reviews
    with the fit made on earlier ones only (a health check). Without DECK: the reviews of every deck without
    parameters of its own, for those decks. Nothing changes without --apply.
    """
    from quizgen.study import optimize

    try:
        with optimize.progress_bar(enabled=not json_) as progress:
            report = optimize.run(obj.store(), deck, apply_, progress)
    except optimize.NothingToFit as nothing:
        if not (json_ and nothing.report):
            raise
        report = nothing.report
    if json_:
        echo_json(report.to_dict())
    else:
        optimize.render(report)


@cli.command(name="ingest")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Write the draft question file here ('-': to stdout, the summary to stderr).")
@click.option("--deck", "deck_slug", help="Deck slug for the cards (default: made from the file name).")
@click.option("format_", "--format", type=click.Choice(["text", "markdown", "html"]),
              help="How to read FILE (default: markdown for .md files, html for .html/.htm pages, else text).")
@click.option("--max-cards", type=click.IntRange(min=1),
              help="Keep at most N cards, the best-ranked (default: about 40 per 1,000 words, at least 30).")
@click.option("all_", "--all", is_flag=True, help="Keep every candidate card, best first, each with its score.")
@click.option("--model", metavar="NAME",
              help="Draft with this model of the llm library (hosted or local; the text is sent to it), the rule-based "
                   "cards kept where it gives none usable. Needs quizgen[model].")
@click.option("import_", "--import", is_flag=True, help="Also import the draft (written to -o, or beside FILE).")
@click.option("--force", is_flag=True, help="Replace the draft file if it exists.")
@click.pass_obj
def ingest_command(
    obj: Context, file: Path, output: Path | None, deck_slug: str | None, format_: str | None,
    max_cards: int | None, all_: bool, model: str | None, import_: bool, force: bool,
) -> None:
    """Draft cards from a text, Markdown or HTML file ('-': standard input), each with the passage it came from,
    for review.

    Candidate cards are ranked (a defined term, a number or a sequence; an answer the sentence does not repeat; a
    sentence that stands on its own) and the best kept. With --model, a language model drafts from each passage
    instead; its cards are checked like any question file's, and one whose answer is not in its passage is dropped.
    Without --model nothing leaves the machine.

    Without -o (or --import), print what was found and where the draft would go, and write nothing.
    """
    from quizgen.ingest import model_draft, write

    to_stdout = output is not None and str(output) == STDOUT
    from_stdin = str(file) == write.STDIN
    if to_stdout and import_:
        raise click.UsageError("--import reads the draft back from a file: give -o FILE, or leave -o out")
    if from_stdin and import_ and output is None:
        raise click.UsageError("--import with standard input needs -o FILE for the draft")
    if all_ and max_cards:
        raise click.UsageError("--all keeps every card; leave out --max-cards")
    # The model is found first: a wrong name, or llm missing, is said before anything is read or written.
    llm_model = model_draft.load_model(model) if model else None
    text = write.read_source(file)
    slug = write.deck_slug(file, deck_slug)
    # A draft for a deck that exists keeps that deck's name and description, so importing it renames nothing.
    # A summary alone writes nothing, not even a new database.
    writes = bool(output or import_)
    existing = {deck.slug: deck for deck in obj.store().decks()}.get(slug) if writes else None
    source_name = "stdin" if from_stdin else paths.display_path(file.name)
    with write.progress_bar(text.count("\n") + 1, show=len(text) >= write.LONG_INPUT) as progress:
        result = write.build(
            text, format_ or write.guess_format(file, text), source_name, slug, existing, progress, max_cards, all_,
            llm_model,
        )
    for line in write.summary_lines(result):
        click.echo(visible(line), err=to_stdout)
    if to_stdout:
        with data_on_stdout() as out:
            write.write(result, out)
        click.echo(f"wrote {len(result.cards)} draft cards to stdout", err=True)
        return
    target = output or write.default_output(file)
    if not writes and from_stdin:
        click.echo("write the draft with -o FILE (or -o - for stdout)")
        return
    if not writes:
        click.echo(f"draft would go to {target} (write it with -o {target})")
        return
    write.check_target(target, result, force)
    if import_:
        write.check_clashes(result, obj.store(), target)
    write.write(result, target)
    click.echo(f"wrote {len(result.cards)} draft cards to {target}")
    if import_:
        from quizgen.core import importing

        report = importing.import_paths(obj.store(), [target])
        click.echo(f"imported into {slug}: {report.summary()}")
