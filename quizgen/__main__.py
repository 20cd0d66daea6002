from quizgen.cli import cli

cli(prog_name="quizgen")
