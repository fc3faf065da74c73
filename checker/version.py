"""The version of carbon-check, in one place."""

__version__ = "0.1.0"
