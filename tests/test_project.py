"""The project's promises about itself: a real non-editable install ships the bundled deck, the README's test
command is what CI runs, the CLI reference is current, and every command explains itself."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
import venv

import click
import pytest
from cogapp import Cog

from quizgen.cli import cli
from tests.conftest import ROOT


def readme_command(marker: str) -> str:
    """The shell command in the README's fenced block that follows a line containing ``marker``."""
    readme = (ROOT / "README.md").read_text()
    match = re.search(re.escape(marker) + r".*?```(?:sh|bash)?\n(.*?)\n```", readme, re.DOTALL)
    assert match, f"README has no command block after {marker!r}"
    return match[1].strip()


def test_ci_runs_exactly_the_readmes_test_command():
    command = readme_command("Run the tests")
    ci_lines = [text for text in (ROOT / ".ci" / "run").read_text().splitlines() if text and not text.startswith("#")]
    assert command in ci_lines


def test_readme_first_command_installs_and_starts_the_quiz():
    command = readme_command("Study the bundled deck")
    assert "pip install" in command and command.endswith("quizgen quiz")


def test_cli_reference_is_up_to_date():
    cog = Cog()
    cog.options.check = True
    cog.options.verbosity = 0
    assert cog.main(["cog", "--check", str(ROOT / "docs" / "cli.md")]) == 0, "run: cog -r docs/cli.md"


@pytest.mark.parametrize("tool", [["ruff", "check", "."], ["mypy"]], ids=["ruff", "mypy"])
def test_lint_and_types_are_clean(tool):
    """ruff and mypy, configured in pyproject.toml, find nothing: they run with the tests, so CI checks them."""
    result = subprocess.run([sys.executable, "-m", *tool], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def all_commands(group: click.Group, path=()):
    for name, command in group.commands.items():
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from all_commands(command, (*path, name))


@pytest.mark.parametrize(
    "path, command", list(all_commands(cli)), ids=lambda v: " ".join(v) if isinstance(v, tuple) else ""
)
def test_every_command_has_help_text(path, command, run):
    assert command.help and command.help.strip()
    result = run(*path, "--help")
    first_line = " ".join(command.help.strip().splitlines()[0].split())
    assert result.exit_code == 0 and first_line in " ".join(result.stdout.split())


def test_misuse_is_one_line_and_nonzero(run):
    result = run("frobnicate")
    assert result.exit_code == 2 and "No such command" in result.stderr
    assert "Traceback" not in result.output


def test_python_dash_m_runs(tmp_path):
    out = subprocess.run([sys.executable, "-m", "quizgen", "--version"], capture_output=True, text=True, check=True)
    assert "version" in out.stdout


def test_wheel_install_ships_the_bundled_deck(tmp_path):
    """Build a wheel, install it (not editable) into a fresh venv, and list decks from an unrelated folder."""
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(ROOT)],
        check=True, capture_output=True,
    )
    wheel = next(dist.glob("quizgen-*.whl"))
    target = tmp_path / "venv"
    venv.create(target, with_pip=True)
    python = target / "bin" / "python"
    # Reuse this environment's dependencies (already installed) so the test needs no network; quizgen itself comes
    # only from the wheel, because directories added by a .pth file get no .pth processing of their own.
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    with open(os.path.join(site, "_deps.pth"), "w") as fh:
        fh.write(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([python, "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)], check=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "QUIZGEN_DB": str(tmp_path / "fresh.db")}
    where = subprocess.run([python, "-c", "import quizgen; print(quizgen.__file__)"], cwd=elsewhere, env=env,
                           capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(target))
    decks = subprocess.run([target / "bin" / "quizgen", "decks", "--json"], cwd=elsewhere, env=env,
                           capture_output=True, text=True, check=True).stdout
    assert '"stopping-hormone-therapy"' in decks
