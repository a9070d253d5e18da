"""Set the image of one container of a workload (``i``): Deployment, StatefulSet, DaemonSet, CronJob (its Job
template) — the same change as ``kubectl set image``, guarded by the container's name and the image the user
saw — with the images the workload ran recently (ReplicaSets, ControllerRevisions, a CronJob's Jobs) offered
in the dialog, and the rollout watched afterwards (undo puts the old image back).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from ..cluster import kinds
from ..cluster.kinds import WELL_KNOWN, ResourceKind
from ..cluster.quantity import format_age, parse_time
from .client import ApiFailure, ObjectRef
from .fields import field_change
from .plan import FollowUp, Plan, PlanError, Session, pointer
from .rollout import REVISION

STATEFULSETS = next(k for k in WELL_KNOWN if k.group == "apps" and k.plural == "statefulsets")
DAEMONSETS = next(k for k in WELL_KNOWN if k.group == "apps" and k.plural == "daemonsets")
CRONJOBS = next(k for k in WELL_KNOWN if k.group == "batch" and k.plural == "cronjobs")
JOBS = next(k for k in WELL_KNOWN if k.group == "batch" and k.plural == "jobs")
CONTROLLER_REVISIONS = next(k for k in WELL_KNOWN if k.group == "apps" and k.plural == "controllerrevisions")
# Where the pod template is, per workload kind.
TEMPLATES: dict[tuple[str, str], tuple[str, ...]] = {
    ("apps", "Deployment"): ("spec", "template"),
    ("apps", "StatefulSet"): ("spec", "template"),
    ("apps", "DaemonSet"): ("spec", "template"),
    ("batch", "CronJob"): ("spec", "jobTemplate", "spec", "template"),
}
ROLLS_OUT = frozenset({("apps", "Deployment"), ("apps", "StatefulSet"), ("apps", "DaemonSet")})
# A reference as the distribution spec allows it: [registry[:port]/]path[:tag][@digest], no spaces.
_IMAGE = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
                    r"(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$")


def parse_image(text: str) -> str:
    """The image reference typed, or ValueError with a one-line reason."""
    image = text.strip()
    if not image:
        raise ValueError("enter an image, e.g. ghcr.io/org/app:1.2.3")
    if any(ch.isspace() for ch in image):
        raise ValueError(f"{image!r} contains spaces: not an image reference")
    if not _IMAGE.match(image):
        raise ValueError(f"{image!r} is not a valid image reference (lower-case repository, optional :tag or "
                         "@sha256:digest)")
    return image


def supports(kind: ResourceKind) -> bool:
    return (kind.group, kind.kind) in TEMPLATES


@dataclass(frozen=True)
class Container:
    """One container of the pod template: where it is and what it runs."""

    name: str
    image: str
    path: str  # JSON pointer to the container
    init: bool = False


def containers(kind: ResourceKind, obj: dict[str, Any]) -> list[Container]:
    parts = TEMPLATES.get((kind.group, kind.kind))
    if parts is None:
        return []
    template: Any = obj
    for part in parts:
        template = (template or {}).get(part) or {}
    spec = template.get("spec") or {}
    out = []
    for key, init in (("containers", False), ("initContainers", True)):
        for n, c in enumerate(spec.get(key) or ()):
            out.append(Container(str(c.get("name", "")), str(c.get("image", "")),
                                 pointer(*parts, "spec", key, str(n)), init))
    return out


@dataclass(frozen=True)
class RecentImage:
    """An image a container ran before: where it was seen (``revision 3``, ``job x-123``) and when."""

    image: str
    where: str
    age: str = ""


def _images_of(template: dict[str, Any], container: str) -> str:
    spec = template.get("spec") or {}
    for c in [*(spec.get("containers") or ()), *(spec.get("initContainers") or ())]:
        if c.get("name") == container:
            return str(c.get("image", ""))
    return ""


def _owned(items: list[dict[str, Any]], uid: str) -> list[dict[str, Any]]:
    return [i for i in items if any(o.get("uid") == uid for o in (i.get("metadata") or {}).get("ownerReferences") or ())]


def _age(meta: dict[str, Any]) -> str:
    created = parse_time(meta.get("creationTimestamp"))
    return format_age(time.time() - created) if created is not None else ""


async def recent_images(session: Session, kind: ResourceKind, obj: dict[str, Any], container: str,
                        limit: int = 8) -> list[RecentImage]:
    """Images ``container`` ran recently (newest first, current one excluded, each image once)."""
    meta = obj.get("metadata") or {}
    ns, uid = meta.get("namespace"), meta.get("uid", "")
    found: list[tuple[float, RecentImage]] = []
    try:
        if (kind.group, kind.kind) == ("apps", "Deployment"):
            for rs in _owned(await session.api.list(kinds.REPLICASETS, ns), uid):
                rmeta = rs["metadata"]
                image = _images_of((rs.get("spec") or {}).get("template") or {}, container)
                rev = (rmeta.get("annotations") or {}).get(REVISION, "?")
                found.append((_revision_key(rev), RecentImage(image, f"revision {rev}", _age(rmeta))))
        elif (kind.group, kind.kind) in (("apps", "StatefulSet"), ("apps", "DaemonSet")):
            for cr in _owned(await session.api.list(CONTROLLER_REVISIONS, ns), uid):
                template = ((cr.get("data") or {}).get("spec") or {}).get("template") or {}
                rev = cr.get("revision", 0)
                found.append((float(rev or 0), RecentImage(_images_of(template, container), f"revision {rev}",
                                                           _age(cr["metadata"]))))
        elif (kind.group, kind.kind) == ("batch", "CronJob"):
            for job in _owned(await session.api.list(JOBS, ns), uid):
                jmeta = job["metadata"]
                template = (job.get("spec") or {}).get("template") or {}
                found.append((parse_time(jmeta.get("creationTimestamp")) or 0.0,
                              RecentImage(_images_of(template, container), f"job {jmeta.get('name')}",
                                          _age(jmeta))))
    except ApiFailure:
        return []
    current = next((c.image for c in containers(kind, obj) if c.name == container), "")
    out: list[RecentImage] = []
    for _, item in sorted(found, key=lambda f: -f[0]):
        if item.image and item.image != current and all(o.image != item.image for o in out):
            out.append(item)
    return out[:limit]


def _revision_key(rev: str) -> float:
    try:
        return float(rev)
    except ValueError:
        return 0.0


async def plan_set_image(session: Session, ref: ObjectRef, container: str, image: str) -> Plan:
    """``container`` of the workload ``ref`` runs ``image`` (PlanError when it already does or is unknown)."""
    image = parse_image(image)
    if not supports(ref.kind):
        raise PlanError(f"set image works on Deployments, StatefulSets, DaemonSets and CronJobs, not on "
                        f"{ref.kind.kind}s")
    obj = await session.read(ref)
    found = next((c for c in containers(ref.kind, obj) if c.name == container), None)
    if found is None:
        names = ", ".join(c.name for c in containers(ref.kind, obj)) or "none"
        raise PlanError(f"{ref} has no container {container!r} (containers: {names})")
    if found.image == image:
        raise PlanError(f"container {container} of {ref} already runs {image}: nothing to change")
    write, undo = field_change(ref, obj, {f"{found.path}/image": image},
                               f"container {container}: image {found.image} → {image}",
                               guard={f"{found.path}/name": container})
    follow = [FollowUp("rollout", ref, f"{container} now runs {image}")] if (ref.kind.group, ref.kind.kind) \
        in ROLLS_OUT else []
    details = [f"{'init container' if found.init else 'container'} {container}: {found.image} → {image}"]
    if (ref.kind.group, ref.kind.kind) == ("batch", "CronJob"):
        details.append("the next Job of this CronJob runs the new image; running Jobs keep theirs")
    elif (obj.get("spec") or {}).get("paused"):
        details.append(f"{ref} is paused: the new pods start when it is resumed")
    return session.new_plan("set-image", ref, f"{container}: {found.image}", f"{container}: {image}", [write],
                            details=details, follow_up=follow, undo=undo)


__all__ = ["CRONJOBS", "DAEMONSETS", "STATEFULSETS", "Container", "RecentImage", "containers", "parse_image",
           "plan_set_image", "recent_images", "supports"]
