"""``pods/ephemeralcontainers``: what ``kubectl debug POD --image=...`` patches, and the kubelet side of it.

A GET returns the pod; a PATCH (strategic merge, merge or JSON patch, as kubectl sends) or PUT may only add
ephemeral containers — changing or removing one is 422, as on a real cluster. The simulated kubelet then
"pulls" and starts each new container: ``status.ephemeralContainerStatuses`` goes from ``ContainerCreating``
to ``running`` (kubectl debug waits for that, then attaches). When the attached shell exits, the container
is ``terminated`` with its exit code and is not restarted.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

from .errors import bad_request, invalid
from .patch import apply_patch
from .resources import PODS
from .store import now_iso

Obj = dict[str, Any]
START_SECONDS = 0.6  # image pull + start of the (small) debug image


def _names(spec: Obj) -> set[str]:
    return {c.get("name") for key in ("containers", "initContainers", "ephemeralContainers")
            for c in spec.get(key) or []}


class EphemeralContainers:
    def __init__(self, store: Any) -> None:
        self.store = store
        self._rng = random.Random()
        self._timers: set[asyncio.TimerHandle] = set()

    async def handle(self, request: Any, pod: Obj, body: Any, dry_run: bool) -> Obj:
        if request.method == "GET":
            return pod
        if request.method == "PATCH":
            patched = apply_patch(request.headers.get("Content-Type", ""), pod, body)
        elif isinstance(body, dict):
            patched = body
        else:
            raise bad_request("the body of the request was in an unknown format")
        wanted = list(((patched.get("spec") or {}).get("ephemeralContainers")) or [])
        added = self._validate(pod, wanted)
        if dry_run or not added:
            out = dict(pod)
            out["spec"] = dict(pod["spec"], ephemeralContainers=wanted)
            return out
        meta = pod["metadata"]

        def change(obj: Obj) -> None:
            obj["spec"]["ephemeralContainers"] = wanted
            statuses = obj.setdefault("status", {}).setdefault("ephemeralContainerStatuses", [])
            for c in added:
                statuses.append({"name": c["name"], "image": c.get("image", ""), "imageID": "", "ready": False,
                                 "restartCount": 0, "lastState": {},
                                 "state": {"waiting": {"reason": "ContainerCreating"}}})

        updated = self.store.mutate(PODS, meta.get("namespace"), meta["name"], change)
        loop = asyncio.get_running_loop()
        for c in added:
            self._timers.add(loop.call_later(START_SECONDS, self._started, meta.get("namespace"), meta["name"],
                                             meta.get("uid"), c["name"]))
        return updated or pod

    def _validate(self, pod: Obj, wanted: list[Obj]) -> list[Obj]:
        name = pod["metadata"]["name"]
        current = {c.get("name"): c for c in (pod.get("spec") or {}).get("ephemeralContainers") or []}
        causes: list[tuple[str, Any, str]] = []
        seen = {c["name"] for key in ("containers", "initContainers") for c in pod["spec"].get(key) or []}
        by_name = {c.get("name"): c for c in wanted}
        for old_name, old in current.items():
            if by_name.get(old_name) != old:
                causes.append(("spec.ephemeralContainers", None,
                               "existing ephemeral containers may not be removed or changed"))
                break
        added = []
        for i, c in enumerate(wanted):
            where = f"spec.ephemeralContainers[{i}]"
            if not isinstance(c, dict):
                causes.append((where, None, "must be a container"))
                continue
            if c.get("name") in current:
                continue
            if not c.get("name"):
                causes.append((f"{where}.name", None, ""))
            elif c["name"] in seen:
                causes.append((f"{where}.name", c["name"], "must be unique across all containers"))
            if not c.get("image"):
                causes.append((f"{where}.image", None, ""))
            target = c.get("targetContainerName")
            if target and target not in {x["name"] for x in pod["spec"].get("containers") or []}:
                causes.append((f"{where}.targetContainerName", target, "must refer to a container in the pod"))
            for forbidden in ("ports", "livenessProbe", "readinessProbe", "startupProbe", "resources"):
                if c.get(forbidden):
                    causes.append((f"{where}.{forbidden}", None, "cannot be set for an Ephemeral Container"))
            seen.add(c.get("name"))
            added.append(c)
        if causes:
            raise invalid("Pod", "", name, causes)
        return added

    def _started(self, namespace: str, name: str, uid: str, container: str) -> None:
        self._timers = {t for t in self._timers if not t.cancelled() and t.when() > asyncio.get_running_loop().time()}

        def change(obj: Obj) -> None:
            if obj["metadata"].get("uid") != uid:
                return
            for cs in (obj.get("status") or {}).get("ephemeralContainerStatuses") or []:
                if cs.get("name") == container and "waiting" in (cs.get("state") or {}):
                    cs["state"] = {"running": {"startedAt": now_iso()}}
                    cs["containerID"] = f"containerd://{self._rng.getrandbits(256):064x}"
                    cs["imageID"] = f"{cs.get('image', '')}@sha256:{self._rng.getrandbits(256):064x}"
        self.store.mutate(PODS, namespace, name, change)

    def exited(self, pod: Obj, container: str, code: int) -> None:
        """The attached shell of an ephemeral container ended: it is terminated for good."""
        meta = pod["metadata"]

        def change(obj: Obj) -> None:
            if obj["metadata"].get("uid") != meta.get("uid"):
                return
            for cs in (obj.get("status") or {}).get("ephemeralContainerStatuses") or []:
                running = (cs.get("state") or {}).get("running")
                if cs.get("name") == container and running:
                    cs["state"] = {"terminated": {"exitCode": code, "reason": "Completed" if code == 0 else "Error",
                                                  "startedAt": running.get("startedAt"), "finishedAt": now_iso(),
                                                  "containerID": cs.get("containerID", "")}}
        self.store.mutate(PODS, meta.get("namespace"), meta["name"], change)

    def stop(self) -> None:
        for handle in self._timers:
            handle.cancel()
        self._timers.clear()


def is_ephemeral(pod: Obj, container: str) -> bool:
    return any(c.get("name") == container for c in (pod.get("spec") or {}).get("ephemeralContainers") or [])

