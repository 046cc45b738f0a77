"""The export library's own errors: one base, so an application catches ``ExportError`` and
prints one line, without the library knowing anything about the application."""
from __future__ import annotations


class ExportError(Exception):
    """Base of every error the export library raises about its inputs (networks, files, spikes)."""


class NetworkError(ExportError, ValueError):
    """A network description is inconsistent (shapes, parameters, ranges)."""


class NetxError(ExportError, ValueError):
    """A netx file cannot be read or written (names the file, layer and dataset)."""


class InputError(ExportError, ValueError):
    """Input spikes of the wrong shape or width for the network, or an unknown option value."""


class LavaNotInstalledError(ExportError, ImportError):
    """lava-nc cannot be used in this environment; the one-line message says how to fix it."""


class NirError(ExportError, ValueError):
    """A NIR graph cannot be written or read exactly (names the node or layer and the reason)."""


class NirConventionError(NirError):
    """A NIR file's convention (snntorch, norse) cannot be recognised from its parameters;
    ``reason`` says what matched, so an application can name its own option for choosing it."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"cannot tell the NIR convention: {reason}; pass convention='snntorch' or 'norse'")
