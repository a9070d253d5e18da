"""Mutations as plans: build -> RBAC pre-check -> server-side dry-run -> confirm -> apply -> audit.

No widgets here: the UI (``k8stui/ui/operations.py``) shows the plans, asks, and reports; everything that
talks to the API server for a change, and the audit log, lives in this package.
"""
