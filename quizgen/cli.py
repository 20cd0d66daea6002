"""The ``quizgen`` command line: thin commands over the library."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

import click

from quizgen import paths
from quizgen.errors import QuizgenError
from quizgen.store import Store, describe_sqlite_error


class QuizgenGroup(click.Group):
    """Turns every error a user can cause into one line on stderr and a non-zero exit, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except QuizgenError as ex:
            raise click.ClickException(str(ex)) from None
        except sqlite3.Error as ex:
            raise click.ClickException(describe_sqlite_error(ex, ctx.obj.db_path_label())) from None
        except KeyboardInterrupt:
            click.echo("", err=True)
            ctx.exit(130)


class Context:
    def __init__(self, db_path: Path | None):
        self.db_path = db_path
        self._store: Store | None = None

    def store(self) -> Store:
        if self._store is None:
            self._store = Store.open(self.db_path)
        return self._store

    def db_path_label(self) -> str:
        return str(self.db_path or paths.default_db_path()[0])


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@click.group(cls=QuizgenGroup)
@click.version_option(package_name="quizgen")
@click.option(
    "--db",
    "db_path",
    type=click.Path(path_type=Path),
    envvar="QUIZGEN_DB",
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
def check_command(paths_: tuple[Path, ...], strict: bool) -> None:
    """Validate question and deck files (default: the bundled ones); write nothing.

    Every problem is printed as PATH:LINE: MESSAGE. Exits 1 on errors (or on warnings with --strict).
    """
    from quizgen import bank, lint

    targets = list(paths_) or paths.bundled_paths()
    bundled = bank.load(paths.bundled_paths()).decks if paths_ else {}
    loaded = bank.load(targets, known_decks=bundled)
    problems = loaded.problems + lint.lint(loaded)
    for problem in problems:
        click.echo(str(problem))
    errors = sum(1 for p in problems if p.severity == bank.ERROR)
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
    """Import question files or folders (default: re-sync the bundled decks).

    All or nothing: if any file has an error, nothing is written. Edited cards keep their id, reviews and
    schedule; cards removed from their file are retired and come back if they return.
    """
    store = obj.store()
    report = store.import_paths(list(paths_)) if paths_ else store.import_bundled()
    if json_:
        echo_json(report.to_dict())
    else:
        click.echo(f"{', '.join(report.decks) or 'no deck'}: {report.summary()}")


@cli.command(name="decks")
@click.option("json_", "--json", is_flag=True, help="Print as JSON.")
@click.pass_obj
def decks_command(obj: Context, json_: bool) -> None:
    """List decks with their card counts, new and due."""
    rows = obj.store().deck_summaries()
    if json_:
        echo_json(rows)
        return
    from quizgen import render

    render.table(
        ["deck", "name", "cards", "new", "due"],
        [[r["slug"], r["name"], r["cards"], r["new"], r["due"]] for r in rows],
    )


@cli.command(name="cards")
@click.argument("deck", required=False)
@click.option("--kind", "kinds", help="Only these kinds (comma-separated), e.g. mcq,typed.")
@click.option("--section", help="Only sections containing this text.")
@click.option("--search", help="Only cards containing this text.")
@click.option("--retired", is_flag=True, help="Include retired cards.")
@click.option("json_", "--json", is_flag=True, help="Print as JSON.")
@click.pass_obj
def cards_command(
    obj: Context, deck: str | None, kinds: str | None, section: str | None, search: str | None, retired: bool, json_: bool
) -> None:
    """List cards, optionally filtered."""
    kind_list = parse_kinds(kinds)
    rows = obj.store().cards(deck, kind_list, section, search, include_retired=retired)
    if json_:
        echo_json(
            [
                {"id": s.card.id, "deck": s.card.deck, "kind": s.card.kind, "prompt": s.card.prompt,
                 "answer": s.card.answer, "section": s.card.section, "retired": s.retired is not None}
                for s in rows
            ]
        )
        return
    from quizgen import render

    render.table(
        ["id", "kind", "prompt", "answer", "section"],
        [[s.card.id + (" (retired)" if s.retired else ""), s.card.kind, s.card.prompt, s.card.answer, s.card.section]
         for s in rows],
        wrap=True,
    )
    click.echo(f"{len(rows)} card(s)", err=True)


def parse_kinds(kinds: str | None) -> list[str] | None:
    from quizgen.models import KINDS

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
    """Show one card in full (CARD_ID, or DECK/CARD_ID)."""
    store = obj.store()
    stored = store.card(card_ref)
    schedule = store.schedule_rows(stored.pk)
    reviews = store.review_count(stored.pk)
    if json_:
        echo_json(
            {**stored.card.to_dict(), "deck": stored.card.deck, "retired": stored.retired,
             "modified": stored.modified, "reviews": reviews, "schedule": schedule}
        )
        return
    from quizgen import render

    render.card_detail(stored, schedule, reviews)
