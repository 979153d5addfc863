"""``python -m grammar_rag …`` is the ``grammar-rag`` command, for machines where the package is on
``PYTHONPATH`` but not pip-installed (e.g. an offline GPU server that receives the checkout)."""

import sys

from grammar_rag.cli import main

sys.exit(main())
