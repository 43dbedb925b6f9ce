"""``python -m bench`` (``make bench``): every benchmark in turn; arguments go to each."""

import sys

from bench import engine


def main(argv: list[str] | None = None) -> int:
    return engine.main(argv)


if __name__ == "__main__":
    sys.exit(main())
