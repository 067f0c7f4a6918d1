"""``python -m server.cli ...`` runs the ``emoface`` command."""
import sys

from server.cli.main import main

sys.exit(main())
