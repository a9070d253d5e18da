"""Writes the kubeconfig through which kubectl, the python client and k8stui reach the demo cluster."""

from __future__ import annotations

import base64
from pathlib import Path

import yaml

ADMIN_CONTEXT = "demo"
DEV_CONTEXT = "demo-dev"
CLUSTER_NAME = "k8stui-demo"


def write_kubeconfig(path: Path, server_url: str, ca_pem: bytes, admin_token: str, dev_token: str) -> Path:
    """Two contexts on one cluster: ``demo`` (admin, namespace shop) and ``demo-dev`` (team-a only)."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "current-context": ADMIN_CONTEXT,
        "clusters": [{"name": CLUSTER_NAME, "cluster": {
            "server": server_url,
            "certificate-authority-data": base64.b64encode(ca_pem).decode(),
        }}],
        "users": [
            {"name": "demo-admin", "user": {"token": admin_token}},
            {"name": "dev@team-a", "user": {"token": dev_token}},
        ],
        "contexts": [
            {"name": ADMIN_CONTEXT, "context": {"cluster": CLUSTER_NAME, "user": "demo-admin", "namespace": "shop"}},
            {"name": DEV_CONTEXT, "context": {"cluster": CLUSTER_NAME, "user": "dev@team-a", "namespace": "team-a"}},
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    path.chmod(0o600)
    return path
