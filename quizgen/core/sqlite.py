"""sqlite-utils as quizgen uses it: imported without numpy and pandas, and without dateutil's parser until used.

sqlite-utils imports numpy and pandas when they are installed, only to map their types when inserting their values,
which quizgen never does; numpy alone would add a tenth of a second to the start of every command. Its recipes (which
quizgen never calls) parse dates with dateutil, whose parser takes a fiftieth of a second to import.
"""

from __future__ import annotations

import importlib.util
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database, Migrations
else:
    # A None in sys.modules makes an import fail as if the package were not installed; anything that imports the
    # package later gets the real one.
    _hidden = [name for name in ("numpy", "pandas") if name not in sys.modules]
    if "dateutil.parser" not in sys.modules:
        # Run at its first use, if there is one. Set on its package too: "from dateutil import parser" then takes it
        # as it is, where an import would look into it, and so run it.
        _spec = importlib.util.find_spec("dateutil.parser")
        if _spec is not None and _spec.loader is not None:
            _spec.loader = importlib.util.LazyLoader(_spec.loader)
            _parser = importlib.util.module_from_spec(_spec)
            sys.modules["dateutil.parser"] = _parser
            _spec.loader.exec_module(_parser)
            sys.modules["dateutil"].parser = _parser
    sys.modules.update(dict.fromkeys(_hidden, None))
    try:
        from sqlite_utils import Database, Migrations
    finally:
        for _name in _hidden:
            del sys.modules[_name]

__all__ = ["Database", "Migrations"]
