"""Metrics for the panes: Prometheus (range queries from PromQL templates, alerts) and, without Prometheus,
metrics.k8s.io kept as client-side history. Nothing here imports Textual; blocking calls run in threads.

Modules: ``source`` (which Prometheus, with which credentials), ``client`` (prometheus-api-client with one-line
errors), ``templates`` (PromQL per row kind, overridable), ``series`` (range queries → series in display
units), ``poller`` (refresh on an interval with backoff), ``fallback`` (metrics.k8s.io history), ``alerts``.
"""
