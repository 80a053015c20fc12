"""The version of sklearn-irnet, in one place (read by ``pyproject.toml`` and the package)."""

__version__ = "0.1.0"
