"""PySide6 reads the source of every Python module imported after it.

Once PySide6 is loaded it wraps `import`: each module imported from then on has its source file read whole
(`inspect.getsource`) to see whether it mentions PySide6, in case it asks for the optional `__feature__`
syntax (snake_case names, true properties). Over the few hundred modules of the start-up that is about a
tenth of the program's own start. This program never uses `__feature__`, so every module can be taken as
one that does not ask for it, which is what PySide6 already assumes of its own compiled modules.
"""

from __future__ import annotations

import sys
from types import ModuleType

_FEATURE_MODULE = "shibokensupport.feature"


def _asks_for_no_feature(module: ModuleType) -> bool:
    return False


def skip_feature_scan() -> bool:
    """Stop the source scan; call after PySide6 is imported. False when this PySide6 has no such scan."""
    feature = sys.modules.get(_FEATURE_MODULE)
    if feature is None or not callable(getattr(feature, "_mod_uses_pyside", None)):
        return False
    setattr(feature, "_mod_uses_pyside", _asks_for_no_feature)  # noqa: B010 (a module typeshed knows nothing of)
    return True
