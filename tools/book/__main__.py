"""``python -m tools.book``: build the reading edition (see tools/book/build.py)."""

import sys

from tools.book.build import main

sys.exit(main())
