"""Drafting cards from 1 MB and 10 MB of article-shaped plain text (parse, draft, write the TOML).

The text repeats varied sections written for this benchmark, in the shape of the article the tool was built
around: level headings, subsections, paragraphs with acronyms, definitions and numbers, ``Term ∞ description``
lists, numbered steps, tables that lost their separators, image captions, a reference list and a glossary. Every
copy is numbered, so cards do not collapse into duplicates and the draft grows with the text.

The 1 MB time is shown beside markdown-it-py parsing the same text (a fast, mature parser doing less); the 10 MB
time against the 1 MB one, to show drafting stays linear; and the same text as a saved web page (headings,
paragraphs and lists in HTML, with navigation and a footer) against the plain text, to show that taking out the
page's main text costs at most as much again.
"""

from __future__ import annotations

import html
from pathlib import Path

from harness import Row, median_seconds
from markdown_it import MarkdownIt

from quizgen.ingest import write

TOPICS = [
    ("Tide Pools", "intertidal zone", "IZ", "barnacle", "limpet", "anemone", "periwinkle"),
    ("Honeybees", "colony collapse disorder", "CCD", "queen", "drone", "worker", "forager"),
    ("Volcanoes", "volcanic explosivity index", "VEI", "lahar", "tephra", "caldera", "fumarole"),
    ("Sourdough", "lactic acid bacteria", "LAB", "starter", "levain", "crumb", "crust"),
    ("Glaciers", "equilibrium line altitude", "ELA", "moraine", "crevasse", "cirque", "serac"),
]


def article(n: int) -> str:
    """One article-shaped chunk (about 4 kB), different for every ``n``."""
    title, long_form, short, a, b, c, d = TOPICS[n % len(TOPICS)]
    days, share, year = 3 + n % 40, 10 + n % 80, 1900 + n % 120
    return f"""Skip to main content

{title} Survey {n}

Field notes number {n} look at {title.lower()} and the {long_form} ({short}{n % 7 or ""}) in plain words.

The {a} of site {n} is a common sight that most visitors notice within {days} days of arriving.
Observers in survey {n} counted about {share} percent more {b}s than the year before, which surprised them.

A wide photograph of a quiet shore at dawn symbolizes the patience of fieldwork in season {n}

Patterns in Site {n}

Each part of site {n} behaves a little differently, and the {c} is called the {d}{n} by local guides.
The {c} of plot {n}, a small marked square, changed most in the wet season of {year}.

  • {a.capitalize()} {n} ∞ Shows up first after storm {n} and leaves within a week.
  • {b.capitalize()} {n} ∞ Stays through dry spell {n} and feeds at night.
  • {c.capitalize()} {n} ∞ Grows slowly and marks the oldest part of site {n}.
  • {d.capitalize()} {n} ∞ Appears only in the coldest weeks of year {year}.

Method {n}

The survey team follows these steps in order:

  1. Mark the plot corners with pegs {n}.
  2. Photograph the plot from the north side.
  3. Count every {a} inside the frame.
  4. Record the weather and the time.


Findings {n}

Counts for survey {n} were set out in a small table by the team.

Observed Changes in Survey {n}
Feature Early Season Late Season
Numbers {n} Few {a}s seen Many {a}s seen
Colour {n} Pale and thin Dark and thick
Spread {n} Near the edge only Across the whole plot

A hand holding a notebook over a plot represents the care taken with every count in survey {n}

References

  • Field, A. ({year}). Notes on {title.lower()} number {n}. Example Press.
  • Study, B. & Group, C. ({year + 1}). Counting {b}s. Journal of Example Surveys, {n % 9}(1), 1-9.

Glossary

{a} {n}

Meaning ∞ A {a} {n} is the kind of {a} recorded first in survey {n} of {title.lower()}.

{b} {n}

Meaning ∞ The {b} {n} refers to the group of {b}s counted on plot {n}.

{c} {n}

A note written in the margin of the plot {n} log.


"""


def build_text(size: int) -> str:
    parts, total, n = [], 0, 0
    while total < size:
        chunk = article(n)
        parts.append(chunk)
        total += len(chunk.encode("utf-8"))
        n += 1
    return "".join(parts)


def build_html(text: str) -> str:
    """The text as a web page: short lines become headings, bullets a list, the rest paragraphs."""
    body = []
    for block in text.split("\n\n"):
        lines = [line.strip() for line in block.strip().split("\n") if line.strip()]
        if not lines:
            continue
        if all(line.startswith(("•", "1.", "2.", "3.", "4.")) for line in lines):
            items = "".join(f"<li>{html.escape(line.lstrip('•1234. '))}</li>" for line in lines)
            body.append(f"<ul>{items}</ul>")
        elif len(lines) == 1 and len(lines[0].split()) <= 5:
            body.append(f"<h2>{html.escape(lines[0])}</h2>")
        else:
            body.append(f"<p>{html.escape(' '.join(lines))}</p>")
    return (
        "<!DOCTYPE html><html><head><title>Surveys</title></head><body>"
        "<nav><a href='/'>Home</a> <a href='/about'>About</a></nav><main><article><h1>Surveys</h1>"
        + "\n".join(body)
        + "</article></main><footer><p>Copyright Example Surveys.</p></footer></body></html>"
    )


def ingest(text: str, workdir: Path, format: str = "text") -> int:
    result = write.build(text, format, "bench.txt", "bench")
    write.write(result, workdir / "bench.draft.toml")
    return len(result.cards)


def measures(workdir: Path, quick: bool) -> list[Row]:
    small_size, large_size = (100_000, 1_000_000) if quick else (1_000_000, 10_000_000)
    small, large = build_text(small_size), build_text(large_size)
    parser = MarkdownIt("commonmark")
    ingest(build_text(20_000), workdir)  # warm imports and regex caches before measuring
    baseline = median_seconds(lambda: parser.parse(small), 3)
    small_time = median_seconds(lambda: ingest(small, workdir), 3)
    large_time = median_seconds(lambda: ingest(large, workdir), 1 if not quick else 3)
    page = build_html(small)
    html_time = median_seconds(lambda: ingest(page, workdir, write.HTML), 3)
    small_label, large_label = f"{small_size / 1e6:g} MB", f"{large_size / 1e6:g} MB"
    return [
        Row(f"ingest {small_label} of text (parse, draft, write)", small_time, "s",
            f"markdown-it parse, {small_label}", baseline, 3.0),
        Row(f"ingest {large_label} of text", large_time, "s", f"ingest {small_label}, same run", small_time, 12.0,
            ratio_target=True),
        Row(f"ingest {small_label} of text as an HTML page", html_time, "s", f"ingest {small_label} of text",
            small_time, 2.0, ratio_target=True),
    ]
