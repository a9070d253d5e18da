"""k8stui: a terminal dashboard for Kubernetes operations (objects, Prometheus graphs and logs on one screen)."""

__version__ = "0.1.0"
