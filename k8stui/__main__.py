"""``python -m k8stui`` runs the same CLI as the ``k8stui`` console script."""

from k8stui.cli import main

raise SystemExit(main())
