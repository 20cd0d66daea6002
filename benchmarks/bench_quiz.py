"""The quiz: start-up to the first question, answer to next question, and peak memory over 100k cards.

- Start-up: ``python -m quizgen quiz`` on the bundled deck, timed until its first answer prompt appears on stdout,
  against a bare ``python -c "import click, sqlite3"``.
- Answer to next: in process, on a generated database (100k cards, 1M reviews): grade, FSRS, the committed
  transaction, and reading the next face; p50 and p95 against one INSERT + COMMIT into the same database.
- Memory: a practice quiz over every face of the 100k-card deck answering from a pipe, peak RSS of that process
  (``os.wait4``) against the bare interpreter's.
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from generate import DECK, shared_large_db
from harness import Row, installed_env, python_baseline

from quizgen.core import importing
from quizgen.core.kinds.grading import LETTERS
from quizgen.core.store import Store
from quizgen.study.plan import DeckNew, face_fetcher, review_plan
from quizgen.study.schedule import FaceScheduler
from quizgen.study.session import REVIEW, Entry, Question, Session

PROMPT_MARK = b"> "


def utcnow() -> datetime:
    return datetime.now(UTC)


def seconds_to_first_question(env: dict[str, str]) -> float:
    """Wall time from launch until the first answer prompt is on stdout; then the quiz is ended by closing stdin."""
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "quizgen", "quiz", "--seed", "1"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, env=env,
    )
    seen = b""
    while not (b"Question 1 of" in seen and seen.endswith(PROMPT_MARK)):
        chunk = os.read(child.stdout.fileno(), 65536)
        if not chunk:
            raise RuntimeError(f"quiz ended before its first question: {seen.decode()[-500:]}")
        seen += chunk
    elapsed = time.perf_counter() - start
    child.communicate(timeout=30)
    return elapsed


def any_answer(question: Question) -> str:
    """A well-formed answer of the question's kind (right or wrong does not matter for timing)."""
    count = len(question.options)
    return {
        "mcq": "a",
        "multi": "ab",
        "truefalse": "t",
        "typed": "element",
        "cloze": "answer",
        "order": LETTERS[:count],
        "match": " ".join(f"{n + 1}{LETTERS[n]}" for n in range(len(question.lefts))),
    }[question.kind]


def answer_latencies(path: Path, answers: int) -> list[float]:
    """Seconds from submitting each answer to the next question being ready, stored in between."""
    store = Store.open(path)
    now = utcnow()
    due = [Entry(*face) for face in store.due_faces(DECK, now)]
    new = DeckNew([Entry(*face) for face in store.new_faces(DECK)], started_today=0)
    plan = review_plan([store.deck(DECK)], due, [new], daily_limit=20, answered_today=set(), retention=0.9)
    session = Session(REVIEW, plan.queue, face_fetcher(store, plan.new_limit, utcnow), utcnow, random.Random(1),
                      FaceScheduler())
    session_id = store.start_session(DECK, REVIEW, 1, now)
    latencies = []
    question = session.next_question()
    while question is not None and len(latencies) < answers:
        if question.self_rated:
            session.reveal()
            start = time.perf_counter()
            outcome = session.rate(3)
        else:
            start = time.perf_counter()
            outcome = session.answer(any_answer(question))
        store.record_answer(session_id, outcome.record())
        question = session.next_question()
        latencies.append(time.perf_counter() - start)
    store.end_session(session_id, utcnow())
    store.close()
    return latencies


def commit_latencies(path: Path, count: int) -> list[float]:
    """The floor: one small INSERT and its COMMIT into the same database."""
    store = Store.open(path)
    store.db.execute("CREATE TABLE IF NOT EXISTS bench_floor (id INTEGER PRIMARY KEY, at TEXT)")
    times = []
    for _ in range(count):
        start = time.perf_counter()
        with store.transaction():
            store.db.conn.execute("INSERT INTO bench_floor (at) VALUES (?)", [utcnow().isoformat()])
        times.append(time.perf_counter() - start)
    store.db.execute("DROP TABLE bench_floor")
    store.close()
    return times


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


# The child reports its own high-water mark (VmHWM, Linux) as it exits. The kernel's rusage of a child is no use
# here: it starts from the parent's size at fork, which is this benchmark holding its data.
REPORT_PEAK = (
    "import atexit, runpy, sys\n"
    "def report():\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmHWM:'):\n"
    "            sys.stderr.write('peak-kib ' + line.split()[1] + '\\n')\n"
    "atexit.register(report)\n"
    "sys.argv = sys.argv[1:]\n"
    "if sys.argv: runpy.run_module(sys.argv[0], run_name='__main__', alter_sys=True)\n"
    "else: import click, sqlite3\n"
)


def peak_rss_mib(module_args: list[str], env: dict[str, str], stdin_text: str = "") -> float:
    """Peak resident memory of ``python -m MODULE ARGS`` (or, with no args, of importing click and sqlite3)."""
    result = subprocess.run(
        [sys.executable, "-c", REPORT_PEAK, *module_args], input=stdin_text, capture_output=True, text=True, env=env,
        timeout=600,
    )
    reported = [line for line in result.stderr.splitlines() if line.startswith("peak-kib ")]
    if result.returncode != 0 or not reported:
        raise RuntimeError(f"{module_args} exited with {result.returncode}: {result.stderr[-500:]}")
    return int(reported[-1].split()[1]) / 1024


def measures(workdir: Path, quick: bool) -> list[Row]:
    cards, reviews = (2_000, 20_000) if quick else (100_000, 1_000_000)
    repeat = 5 if quick else 15
    answers = 100 if quick else 1000

    bundled_db = workdir / "bundled.db"
    bundled = Store.open(bundled_db)
    importing.seed(bundled)
    bundled.close()
    env = installed_env(workdir, QUIZGEN_DB=str(bundled_db), NO_COLOR="1", COLUMNS="80")
    seconds_to_first_question(env)  # warm the file cache and the bytecode
    python_baseline(1, env)
    baseline = python_baseline(repeat, env)
    startup = statistics.median(seconds_to_first_question(env) for _ in range(repeat))

    large = workdir / "large.db"
    shutil.copyfile(shared_large_db(workdir, cards, reviews), large)
    floor = commit_latencies(large, answers)
    latencies = answer_latencies(large, answers)

    large_env = dict(os.environ, QUIZGEN_DB=str(large), NO_COLOR="1", COLUMNS="80")
    replies = "\n".join(["a", "", "t", "", "element", "", "abcd", "", "1a 2b 3c", "", "3", ""] * 25) + "\n"
    quiz_peak = peak_rss_mib(["quizgen", "quiz", "--mode", "practice"], large_env, replies)
    bare_peak = peak_rss_mib([], large_env)

    size = f"{cards // 1000}k cards, {reviews // 1000}k reviews"
    ms = 1000
    return [
        Row("quiz: start to first question (bundled deck)", startup, "s", "python -c 'import click, sqlite3'",
            baseline, 0.30),
        Row(f"quiz: answer to next question p50 ({size})", percentile(latencies, 0.5) * ms, "ms",
            "INSERT + COMMIT p50", percentile(floor, 0.5) * ms, 10),
        Row(f"quiz: answer to next question p95 ({size})", percentile(latencies, 0.95) * ms, "ms",
            "INSERT + COMMIT p95", percentile(floor, 0.95) * ms, 10),
        Row(f"quiz: peak memory, practice over {cards // 1000}k cards", quiz_peak, "MiB", "bare python",
            bare_peak, 150),
    ]
