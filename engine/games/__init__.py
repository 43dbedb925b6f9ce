"""The built-in games. Importing this package registers each of them."""

from . import tictactoe  # noqa: F401
