"""Diagnosis: health findings, "why is it stuck?", the incident timeline and Helm releases.

Pure functions of store snapshots — ``snapshot.Snapshot`` holds the informers' raw dicts by kind name and uid
(the kind is passed alongside, never read from the object: a real server's LIST items carry none). No Textual,
no I/O: the UI builds a snapshot from its informers, calls these, and renders the frozen dataclasses they return.

- ``findings``: ``evaluate(snapshot)`` / ``FindingsEngine.update(snapshot, changed, now)`` -> ``Finding``s
  (severity, object, summary, why, fix, command); ``filter_findings``, ``count_by_workload``, ``to_json``,
  ``to_markdown``.
- ``stuck``: ``explain(snapshot, kind, namespace, name, now=, logs=)`` -> ``Explanation`` (headline, causes with
  pods, fix, offers such as the burst; ``log_requests`` the caller fetches and passes back as ``logs``).
- ``timeline``: ``build_timeline(snapshot, namespace=, workload=, alerts=, audit=)`` -> ``Entry``s;
  ``AlertTracker`` for firing/resolved transitions; ``to_markdown``.
- ``helm``: ``ReleaseDecoder().releases(snapshot)`` / ``.detail(...)`` from ``helm.sh/release.v1`` Secrets;
  values only through ``ReleaseDetail.values_yaml()``; ``owned_objects``.
"""
