"""The built-in demo cluster: a local HTTPS server speaking the Kubernetes REST API, with simulated controllers.

It is a separate program (``k8stui demo``); the app reaches it only through the kubeconfig it writes.
"""
