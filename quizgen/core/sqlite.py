"""sqlite-utils as quizgen uses it: imported without numpy and pandas.

sqlite-utils imports both when they are installed, only to map their types when inserting their values, which quizgen
never does; numpy alone would add a tenth of a second to the start of every command.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database, Migrations
else:
    # A None in sys.modules makes an import fail as if the package were not installed; anything that imports the
    # package later gets the real one.
    _hidden = [name for name in ("numpy", "pandas") if name not in sys.modules]
    sys.modules.update(dict.fromkeys(_hidden, None))
    try:
        from sqlite_utils import Database, Migrations
    finally:
        for _name in _hidden:
            del sys.modules[_name]

__all__ = ["Database", "Migrations"]
