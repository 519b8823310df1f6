"""``python -m mediaanon`` is the same program as the ``mediaanon`` script."""
from mediaanon.cli import main

raise SystemExit(main())
