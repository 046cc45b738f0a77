"""User-facing errors: the CLI prints these as one line, never as a traceback."""


class SpikePropError(Exception):
    """Base class of errors caused by user input (files, options, checkpoints)."""


class ConfigError(SpikePropError):
    """A network or training configuration has an unknown key or a value out of range."""


class CheckpointError(SpikePropError):
    """A checkpoint is missing, corrupt, or from another model."""


class NonFiniteLossError(SpikePropError):
    """Training produced a NaN or inf loss; the last good checkpoint is kept."""
