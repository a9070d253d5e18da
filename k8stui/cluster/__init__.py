"""Everything that talks to the Kubernetes API (no Textual imports here).

- ``connection``: kubeconfig -> ``Connection`` (target names, kubernetes Configuration, httpx clients).
- ``kinds``: the resource kinds the app lists, with their API paths.
- ``store``: informers (LIST + WATCH caches of raw dicts) shared through an ``InformerHub``.
- ``rows`` / ``podstatus`` / ``quantity``: raw JSON -> small frozen rows, kubectl-style columns and ages.
- ``access``: RBAC questions (SelfSubjectAccessReview / SelfSubjectRulesReview), cached.

Import the submodules directly (``from k8stui.cluster.store import InformerHub``); this package keeps its
own import cheap.
"""
