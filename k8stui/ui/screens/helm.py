"""``:helm [NAMESPACE]``: Helm releases, read from their release Secrets (no helm binary, read-only).

The list is ``helm list -a``: one row per release (its latest revision) with chart, app version, revision, status
and when it was updated, kept current from the shared Secret/ConfigMap informers (``k8stui.diagnosis.helm``
decodes each storage object once per resourceVersion). ``enter`` opens a release: its revisions (``helm history``)
and, for the highlighted one, ``1`` the objects it owns and whether each is live, ``2`` its values (what the user
supplied; ``A`` merges the chart's defaults — shown only when asked: values often hold credentials), ``3`` the
rendered manifest (Secret data masked), ``4`` notes and hooks.
"""

from __future__ import annotations

import re
import time
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from ...cluster.quantity import format_age
from ...cluster.table_model import Column, TableModel, cell
from ...diagnosis.helm import HelmDecodeError, HelmRelease, ReleaseDecoder, ReleaseDetail, owned_objects
from ...diagnosis.live import HELM_KINDS, LiveSnapshot
from ...diagnosis.snapshot import ObjRef
from ...text import plain, sanitize
from ..key_scope import NO_OBJECTS
from ..widgets.resource_view import ResourceView
from .diagnosis_base import DiagnosisScreen

STATUS_STYLE = {"deployed": "green", "failed": "bold red", "superseded": "dim", "uninstalled": "dim",
                "pending-install": "yellow", "pending-upgrade": "yellow", "pending-rollback": "yellow",
                "uninstalling": "yellow"}
MASK = "••••••"


def release_key(r: HelmRelease) -> str:
    return f"{r.namespace}/{r.name}#{r.revision}"


def _updated(r: HelmRelease) -> str:
    return format_age(time.time() - r.updated) if r.updated else "?"


RELEASE_COLUMNS: list[Column[HelmRelease]] = [
    Column("namespace", "NAMESPACE", lambda r: r.namespace),
    Column("name", "NAME", lambda r: cell(r.name, "bold")),
    Column("revision", "REVISION", lambda r: str(r.revision), lambda r: r.revision),
    Column("status", "STATUS", lambda r: cell(r.status, STATUS_STYLE.get(r.status, ""))),
    Column("chart", "CHART", lambda r: r.chart_text),
    Column("app", "APP VERSION", lambda r: r.app_version),
    Column("updated", "UPDATED", _updated, lambda r: -(r.updated or 0.0), volatile=True),
    Column("description", "DESCRIPTION", lambda r: cell(r.description, "dim"), flex=1),
]
HISTORY_COLUMNS: list[Column[HelmRelease]] = [c for c in RELEASE_COLUMNS if c.key not in ("namespace", "name")]


def mask_secret_data(manifest: str) -> str:
    """The manifest with the values under ``data:``/``stringData:`` of every ``kind: Secret`` document masked
    (the rest of the text, comments and order kept)."""
    out: list[str] = []
    for doc in re.split(r"(?m)^(---.*)$", manifest):
        if not re.search(r"(?m)^kind:\s*Secret\s*$", doc):
            out.append(doc)
            continue
        lines, masking = [], False
        for line in doc.split("\n"):
            if re.match(r"^(data|stringData):\s*$", line):
                masking = True
                lines.append(line)
                continue
            if masking and line.startswith((" ", "\t")) and ":" in line:
                key = line.split(":", 1)[0]
                lines.append(f"{key}: {MASK}")
                continue
            if line and not line.startswith((" ", "\t", "#")):
                masking = False
            lines.append(line)
        out.append("\n".join(lines))
    return "".join(out)


class HelmScreen(DiagnosisScreen):
    """The releases, latest revision each."""

    view_name = "helm"
    KINDS = tuple(HELM_KINDS)
    SECRET_VALUES = True  # releases are stored in Secrets' values
    BINDINGS = [Binding("enter", "open", "Open release")]
    DEFAULT_CSS = """
    HelmScreen #helm-box { border: round $foreground 30%; border-title-color: $foreground 80%; }
    HelmScreen #helm-table { height: 1fr; }
    """

    def __init__(self, namespace: str | None) -> None:
        super().__init__(namespace)
        self.decoder = ReleaseDecoder()
        self.model: TableModel[HelmRelease] = TableModel(RELEASE_COLUMNS, key_of=lambda r: f"{r.namespace}/{r.name}",
                                                         sort_column="name", tiebreak_column="namespace")
        self.errors: list[Any] = []

    def reopen(self) -> HelmScreen:
        return HelmScreen(self.k8s_app.scope_namespace)

    def view_kind(self) -> str | None:
        return NO_OBJECTS  # releases: no key acting on an object applies (enter opens one)

    def compose_body(self) -> ComposeResult:
        with Vertical(id="helm-box") as box:
            box.border_title = plain(f"Helm releases — {self.scope_text}")
            yield ResourceView(self.model, show_summary=False, empty_text="looking…", id="helm-table")

    def on_mount(self) -> None:
        self.query_one("#helm-table", ResourceView).focus()
        self.start_live()

    def prepare(self, live: LiveSnapshot) -> Any:
        if "Secret" in live.syncing():
            self.query_one("#helm-box").border_subtitle = plain(self.coverage_note())
            return None
        return live.snapshot(), live.informer("Secret") is not None

    def compute(self, prepared: Any) -> tuple[Any, bool]:
        snapshot, secrets_listed = prepared
        return self.decoder.releases(snapshot, self.namespace), secrets_listed  # gzip+JSON: off the loop

    def apply(self, result: tuple[Any, bool]) -> None:
        found, secrets_listed = result
        self.errors = list(found.errors)
        self.model.replace(found.latest())
        table = self.query_one("#helm-table", ResourceView)
        empty = "no Helm releases" + ("" if secrets_listed else " visible: Secrets cannot be listed")
        if table.empty_text != empty:
            table.empty_text = empty
            table.refresh()
        parts = [f"{len(self.model)} releases"]
        if self.errors:
            parts.append(f"{len(self.errors)} unreadable ({sanitize(self.errors[0].storage)}: "
                         f"{sanitize(self.errors[0].error)})")
        parts += [self.coverage_note(), "enter open · esc back"]
        self.query_one("#helm-box").border_subtitle = plain(" · ".join(p for p in parts if p))

    def action_open(self) -> None:
        row = self.query_one("#helm-table", ResourceView).current_row()
        if row is None:
            self.notify("no release selected", severity="warning")
            return
        self.app.push_screen(HelmReleaseScreen(row.namespace, row.name))

    @on(ResourceView.RowSelected, "#helm-table")
    def _selected(self, event: ResourceView.RowSelected) -> None:
        self.action_open()


class HelmReleaseScreen(DiagnosisScreen):
    """One release: its revisions and, for the highlighted one, objects, values, manifest, notes."""

    view_name = "helm release"
    KINDS = tuple(HELM_KINDS)
    SECRET_VALUES = True  # releases are stored in Secrets' values
    BINDINGS = [Binding("1", "section('objects')", "Objects"), Binding("2", "section('values')", "Values"),
                Binding("3", "section('manifest')", "Manifest"), Binding("4", "section('notes')", "Notes"),
                Binding("A", "all_values", "All values", show=False)]
    DEFAULT_CSS = """
    HelmReleaseScreen #release-box { border: round $foreground 30%; border-title-color: $foreground 80%; }
    HelmReleaseScreen #release-history { height: auto; max-height: 8; }
    HelmReleaseScreen #release-scroll { height: 1fr; border-top: solid $foreground 30%; }
    HelmReleaseScreen #release-text { padding: 0 1; }
    """

    def view_kind(self) -> str | None:
        return NO_OBJECTS  # revisions of a release (its objects are listed as text)

    def __init__(self, namespace: str, name: str) -> None:
        super().__init__(namespace)
        self.release = name
        self.decoder = ReleaseDecoder()
        self.model: TableModel[HelmRelease] = TableModel(HISTORY_COLUMNS, key_of=release_key,
                                                         sort_column="revision", reverse=True, tiebreak_column=None)
        self.section = "objects"
        self.all_values = False
        self.detail: ReleaseDetail | None = None
        self.text = ""  # the section as shown (plain), for tests

    def reopen(self) -> HelmReleaseScreen:
        return HelmReleaseScreen(self.namespace or "", self.release)

    def compose_body(self) -> ComposeResult:
        with Vertical(id="release-box") as box:
            box.border_title = plain(f"Helm release {self.namespace}/{self.release}")
            yield ResourceView(self.model, show_summary=False, empty_text="looking…", id="release-history")
            with VerticalScroll(id="release-scroll"):
                yield Static("", id="release-text")

    def on_mount(self) -> None:
        self.query_one("#release-history", ResourceView).focus()
        self.start_live()

    def prepare(self, live: LiveSnapshot) -> Any:
        return None if "Secret" in live.syncing() else live.snapshot()

    def compute(self, prepared: Any) -> list[HelmRelease]:
        return self.decoder.releases(prepared, self.namespace).history(self.namespace or "", self.release)

    def apply(self, result: list[HelmRelease]) -> None:
        self.model.replace(result)
        self.show()

    def revision(self) -> int | None:
        row = self.query_one("#release-history", ResourceView).current_row()
        return row.revision if row is not None else None

    def show(self) -> None:
        box = self.query_one("#release-box")
        box.border_subtitle = plain(f"{self.section}{' (with chart defaults)' if self.all_values else ''} · "
                                    "1 objects · 2 values · 3 manifest · 4 notes · A all values · esc back")
        if self.live is None:
            return
        snapshot = self.live.snapshot()
        try:
            self.detail = self.decoder.detail(snapshot, self.namespace or "", self.release, self.revision())
        except HelmDecodeError as exc:
            self.detail = None
            self._set_text(Text(f"cannot read this release: {sanitize(str(exc))}", style="red"))
            return
        d = self.detail
        out = Text()
        r = d.release
        out.append(f"{sanitize(r.name)} revision {r.revision}: ", style="bold")
        out.append(sanitize(r.status), style=STATUS_STYLE.get(r.status, ""))
        out.append(f" · chart {sanitize(r.chart_text)} · app {sanitize(r.app_version) or '?'} · "
                   f"stored in {sanitize(r.storage)}\n\n", style="dim")
        if self.section == "objects":
            owned = owned_objects(d, snapshot)
            if not owned:
                out.append("the manifest declares no objects\n", style="dim")
            for o in owned:
                style = {"live": "green", "missing": "bold red", "unknown": "dim"}[o.state]
                out.append(f"{o.state:8} ", style=style)
                mo = o.object
                out.append(sanitize(f"{mo.kind} {mo.namespace + '/' if mo.namespace else ''}{mo.name}"))
                if mo.source:
                    out.append(f"  ({sanitize(mo.source)})", style="dim")
                out.append("\n")
        elif self.section == "values":
            out.append(sanitize(d.values_yaml(all_values=self.all_values)), style="")
        elif self.section == "manifest":
            out.append(sanitize(mask_secret_data(d.manifest)) or "(empty manifest)")
        else:
            out.append(sanitize(d.notes) or "(no notes)")
            if d.hooks:
                out.append("\n\nhooks:\n", style="bold")
                for hook in d.hooks:
                    out.append(f"  {sanitize(hook)}\n")
        self._set_text(out)

    def _set_text(self, text: Text) -> None:
        self.text = text.plain
        self.query_one("#release-text", Static).update(text)

    @on(ResourceView.CurrentChanged, "#release-history")
    def _highlighted(self, event: ResourceView.CurrentChanged) -> None:
        self.show()

    def action_section(self, section: str) -> None:
        self.section = section
        self.query_one("#release-scroll").scroll_home(animate=False)
        self.show()

    def action_all_values(self) -> None:
        self.all_values = not self.all_values
        self.section = "values"
        self.show()

    def row_ref(self, row: object) -> ObjRef | None:
        return None
