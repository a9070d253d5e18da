"""How the simulated kubelet fails a container, so the demo shows every "why is it stuck?" cause.

By image tag, like the existing ``broken`` (crashes, exit 1) and ``missing`` (cannot be pulled) conventions:
- a tag containing ``oom`` runs about two seconds and is killed for its memory: exit 137, ``OOMKilled``;
- a tag containing ``unready`` runs but its readiness probe never passes: an ``Unhealthy`` warning
  ("Readiness probe failed: HTTP probe failed with statuscode: 503") every probe period.

And as a real kubelet does: a container whose ``env``/``envFrom`` names a Secret or ConfigMap (or a key) that does
not exist is not started — ``CreateContainerConfigError`` with kubelet's message (``secret "x" not found``,
``couldn't find key k in Secret ns/x``) and a ``Failed`` event, retried until the reference resolves.
"""

from __future__ import annotations

from typing import Any

from ..resources import CONFIGMAPS, SECRETS
from ..store import Store

Obj = dict[str, Any]

READINESS_FAILURE = "Readiness probe failed: HTTP probe failed with statuscode: 503"
CONFIG_RETRY_SECONDS = 2.0


def _tag(image: str) -> str:
    ref = image.split("@", 1)[0]
    slash, colon = ref.rfind("/"), ref.rfind(":")
    return ref[colon + 1:] if colon > slash else "latest"


def is_oom_image(image: str) -> bool:
    return "oom" in _tag(image)


def is_unready_image(image: str) -> bool:
    return "unready" in _tag(image)


def _has_key(obj: Obj, key: str) -> bool:
    return key in (obj.get("data") or {}) or key in (obj.get("binaryData") or {})


def missing_config(store: Store, namespace: str, container: Obj) -> str | None:
    """kubelet's error for the first Secret/ConfigMap reference of ``container`` that does not resolve, or None."""
    for env in container.get("env") or ():
        src = env.get("valueFrom") or {}
        for field, rt, word in (("secretKeyRef", SECRETS, "Secret"), ("configMapKeyRef", CONFIGMAPS, "ConfigMap")):
            ref = src.get(field)
            if not ref or ref.get("optional"):
                continue
            obj = store.get(rt, namespace, ref.get("name", ""))
            if obj is None:
                return f'{word.lower()} "{ref.get("name", "")}" not found'
            if not _has_key(obj, ref.get("key", "")):
                return f"couldn't find key {ref.get('key', '')} in {word} {namespace}/{ref.get('name', '')}"
    for env_from in container.get("envFrom") or ():
        for field, rt, word in (("secretRef", SECRETS, "secret"), ("configMapRef", CONFIGMAPS, "configmap")):
            ref = env_from.get(field)
            if ref and not ref.get("optional") and store.get(rt, namespace, ref.get("name", "")) is None:
                return f'{word} "{ref.get("name", "")}" not found'
    return None


def container_spec(pod: Obj, name: str, init: bool) -> Obj:
    key = "initContainers" if init else "containers"
    return next((c for c in (pod.get("spec") or {}).get(key) or () if c.get("name") == name), {})


__all__ = ["CONFIG_RETRY_SECONDS", "READINESS_FAILURE", "container_spec", "is_oom_image", "is_unready_image",
           "missing_config"]
