"""Fitting FSRS to 100k reviews (quick: about 4k) of a simulated learner, as ``quizgen optimize`` fits (read the
reviews from the store, build the training items, fit, score the current and the fitted parameters on all the items
to keep the better), against Anki's own ``compute_fsrs_params`` on a collection holding the same reviews (which
reads its revlog, builds the same items, fits and scores both parameter sets the same way), run alternately. The
health check (a fit per time-series split) is left out of both.
"""

from __future__ import annotations

from pathlib import Path

import learner
from harness import Row, paired_median_seconds

from quizgen.core.store import Store
from quizgen.core.time import now
from quizgen.study import optimize, schedule


def measures(workdir: Path, quick: bool) -> list[Row]:
    faces = 300 if quick else 8_000
    repeat = 3 if quick else 5
    histories = learner.simulate(faces, 365)
    reviews = sum(len(h) for h in histories)
    store = Store.open(workdir / "quizgen.db")
    learner.write_quizgen(store, workdir, histories)
    learner.write_anki(workdir / "collection.anki2", histories)

    from anki.collection import Collection

    col = Collection(str(workdir / "collection.anki2"))
    try:

        def anki_fit() -> object:
            return col._backend.compute_fsrs_params(
                search="", current_params=[], ignore_revlogs_before_ms=0, num_of_relearning_steps=1,
                health_check=False,
            )

        moment = now()

        def quizgen_fit() -> object:
            _faces, training = optimize.read_training(store, learner.DECK, moment)
            return optimize.fit(training, schedule.default_parameters(), learner.DECK)

        anki_seconds, quizgen_seconds = paired_median_seconds(anki_fit, quizgen_fit, repeat)
    finally:
        col.close()
        store.close()
    return [
        Row(f"optimize: fit {reviews // 1000}k reviews", quizgen_seconds, "s", "Anki compute_fsrs_params, same reviews",
            anki_seconds, 1.2, ratio_target=True),
    ]
