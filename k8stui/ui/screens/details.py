"""The details pane's content: the facts an SRE checks first about a Deployment or a Pod, as plain Text."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text

from ...text import sanitize
from ..columns import age

if TYPE_CHECKING:
    from ...cluster.rows import DeploymentRow, PodRow


def _line(text: Text, label: str, value: object, style: str = "") -> None:
    text.append(f"{label:<12}", style="bold")
    text.append(sanitize(str(value)), style=style)
    text.append("\n")


def _lines(text: Text, label: str, values: list[str]) -> None:
    """One value per line under one label (long lists stay readable in a narrow pane instead of wrapping)."""
    for n, value in enumerate(values or ["-"]):
        _line(text, label if n == 0 else "", value)


def conditions(raw: dict[str, Any]) -> list[str]:
    """``Available=True (MinimumReplicasAvailable)``, one per condition, as the object has them now."""
    return [f"{c.get('type')}={c.get('status')}" + (f" ({c['reason']})" if c.get("reason") else "")
            for c in (raw.get("status") or {}).get("conditions") or ()]


def deployment_details(row: DeploymentRow, raw: dict[str, Any]) -> Text:
    out = Text()
    _line(out, "Deployment", f"{row.namespace}/{row.name}", "bold")
    _line(out, "Replicas", f"{row.ready_replicas} ready / {row.desired} desired, {row.up_to_date} up-to-date, "
                          f"{row.available} available")
    if row.issues:  # the dashboard's ISSUES, whole here however narrow the workloads pane is
        _line(out, "Issues", ", ".join(row.issues), "bold red" if row.issue_level == "critical" else "bold yellow")
    _line(out, "Strategy", row.strategy)
    _line(out, "Revision", row.revision or "-")
    _line(out, "Version", row.version or "-", {"blue": "bold blue", "green": "bold green"}.get(row.version, ""))
    _line(out, "Selector", row.selector)
    _line(out, "Images", ", ".join(row.images))
    _lines(out, "Conditions", conditions(raw))
    if row.paused:
        _line(out, "Paused", "yes", "yellow")
    cause = ((raw.get("metadata") or {}).get("annotations") or {}).get("kubernetes.io/change-cause")
    if cause:
        _line(out, "Change", cause)
    _line(out, "Age", age(row.created))
    return out


def pod_details(row: PodRow, raw: dict[str, Any]) -> Text:
    out = Text()
    _line(out, "Pod", f"{row.namespace}/{row.name}", "bold")
    _line(out, "Status", row.status)
    _line(out, "Ready", row.ready)
    _line(out, "Restarts", row.restarts)
    _line(out, "Node", row.node + ("  (virtual node)" if row.is_virtual_node else ""))
    _line(out, "IP", row.ip or "-")
    _line(out, "Owner", f"{row.owner_kind}/{row.owner_name}" if row.owner_kind else "-")
    _line(out, "QoS", row.qos or "-")
    _line(out, "Images", ", ".join(row.images))
    for cs in (raw.get("status") or {}).get("containerStatuses") or []:
        state = cs.get("state") or {}
        waiting = (state.get("waiting") or {}).get("reason")
        _line(out, "Container", f"{cs.get('name')}: {'ready' if cs.get('ready') else waiting or 'not ready'}")
    _line(out, "Age", age(row.created))
    return out
