"""Deploy networks to Intel's Lava simulator (lava-nc), imported lazily.

Importing this package does not import Lava. Call ``require_lava()`` before using Lava: it
raises ``LavaNotInstalledError`` (an ImportError) with a one-line install hint when lava-nc is
missing; ``lava_available()`` answers the same question without raising.
"""
from ._require import LavaNotInstalledError, lava_available, require_lava

__all__ = ["LavaNotInstalledError", "lava_available", "require_lava"]
