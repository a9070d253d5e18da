"""Every kind the server has, as a user reaches it: ``:sts``, ``:ds``, ``:cj`` and their drill-downs down to logs,
the xray of the ``api`` Service, label-selector filters, a kind the developer may not list, and a CRD created
with kubectl showing up in ``:`` completion and as a Table with its printer columns."""

from __future__ import annotations

import json
import uuid

from k8stui.ui.screens.confirm import ConfirmScreen
from k8stui.ui.screens.dialogs import ScaleDialog
from k8stui.ui.screens.generic import TableScreen
from k8stui.ui.screens.logs import LogsScreen
from k8stui.ui.screens.resource import ContainersScreen, ResourceScreen
from k8stui.ui.screens.workload import StatefulSetScreen
from k8stui.ui.screens.xray import XrayScreen
from k8stui.ui.widgets.pane import Pane

from .helpers import SIZE, kubectl, make_app, names, rows, table, wait_until
from .screen_text import screen_lines


async def command(pilot, text: str) -> None:
    await pilot.press("colon", *text, "enter")


async def test_statefulset_drills_down_to_its_pods_in_ordinal_order_and_its_claims(demo):
    app = make_app(demo, namespace="shop")
    async with app.run_test(size=SIZE) as pilot:
        await command(pilot, "sts")
        await wait_until(pilot, lambda: names(app, "resources") == ["postgres"], 15, ":sts lists postgres")
        assert isinstance(app.screen, ResourceScreen) and app.screen.kind.key == "statefulsets.apps"
        await wait_until(pilot, lambda: rows(app, "resources")[table(app, "resources").current_key()].ready
                         == "3/3", 60, "postgres 3/3 ready")
        header = table(app, "resources").painted_lines()[0]
        assert "READY" in header and "SERVICE" in header
        await pilot.press("s")  # scale works on a StatefulSet as on a Deployment (esc: nothing changed)
        await wait_until(pilot, lambda: isinstance(app.screen, ScaleDialog), 10, "the scale dialog")
        assert app.screen.kind == "StatefulSet" and app.screen.current == 3
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ResourceScreen), 5, "back on :sts")
        await pilot.press("r")  # restart: the confirmation of a StatefulSet's rollout (esc: nothing changed)
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen) and app.screen.query("#confirm-apply"),
                         10, "the restart's confirmation")
        assert (app.screen.plan.verb, app.screen.plan.kind, app.screen.plan.name) == ("restart", "StatefulSet",
                                                                                       "postgres")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ResourceScreen), 5, "back on :sts")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, StatefulSetScreen), 5, "the statefulset's view")
        await wait_until(pilot, lambda: names(app, "sts-pods") == ["postgres-0", "postgres-1", "postgres-2"], 15,
                         "its pods by ordinal")
        await wait_until(pilot, lambda: names(app, "sts-pvcs") == [f"data-postgres-{i}" for i in range(3)], 15,
                         "one claim per ordinal")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ContainersScreen), 5, "a pod's containers")


async def test_a_pod_opened_from_all_namespaces_shows_its_containers_under_its_own_title(demo):
    # The containers screen follows the pod through its namespace's informer: from -A that one is new and still
    # listing when the screen opens; the pod is not "gone" meanwhile.
    app = make_app(demo, all_namespaces=True)
    async with app.run_test(size=SIZE) as pilot:
        await command(pilot, "pods")
        await wait_until(pilot, lambda: any(n.startswith("api-blue-") for n in names(app, "resources")), 15,
                         "the api-blue pods among all namespaces")
        pod = next(r for r in rows(app, "resources").values() if r.name.startswith("api-blue-"))
        table(app, "resources").select_key(pod.uid)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ContainersScreen), 5, "the pod's containers")
        await wait_until(pilot, lambda: names(app, "containers") == ["api"], 10, "the api container")
        pane = app.screen.query_one("#containers-pane", Pane)
        assert str(pane.border_title) == f"Containers of pod shop/{pod.name}"


async def test_daemonset_runs_one_pod_per_real_node(demo):
    app = make_app(demo, namespace="monitoring")
    async with app.run_test(size=SIZE) as pilot:
        await command(pilot, "ds")
        await wait_until(pilot, lambda: "node-exporter" in names(app, "resources"), 15, ":ds lists node-exporter")
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(names(app, "resources")) == 3, 15, "three node-exporter pods")
        nodes = {r.node for r in rows(app, "resources").values()}
        assert len(nodes) == 3 and "virtual-node-aci" not in nodes


async def test_cronjob_to_jobs_to_pods_to_logs(demo):
    app = make_app(demo, namespace="team-a")
    async with app.run_test(size=SIZE) as pilot:
        await command(pilot, "cj")
        await wait_until(pilot, lambda: "nightly-report" in names(app, "resources"), 15, ":cj lists nightly-report")
        view = table(app, "resources")
        view.select_key(next(k for k, r in view.model.rows_by_key.items() if r.name == "nightly-report"))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ResourceScreen) and app.screen.kind.key ==
                         "jobs.batch" and len(names(app, "resources")) >= 4, 15, "the cronjob's jobs")
        jobs = {r.name: r for r in rows(app, "resources").values()}
        assert all(name.startswith("nightly-report-") for name in jobs)
        assert sorted(r.status for r in jobs.values()).count("Failed") == 1
        complete = next(k for k, r in table(app, "resources").model.rows_by_key.items() if r.status == "Complete")
        table(app, "resources").select_key(complete)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.kind.key == "pods" and len(names(app, "resources")) == 1, 15,
                         "the job's pod")
        assert rows(app, "resources")[table(app, "resources").current_key()].status == "Completed"
        await pilot.press("l")
        await wait_until(pilot, lambda: isinstance(app.screen, LogsScreen), 5, "the pod's logs")


async def test_xray_of_the_api_service(demo):
    app = make_app(demo, namespace="shop")
    async with app.run_test(size=SIZE) as pilot:
        await command(pilot, "svc")
        await wait_until(pilot, lambda: "api" in names(app, "resources"), 15, ":svc lists api")
        view = table(app, "resources")
        view.select_key(next(k for k, r in view.model.rows_by_key.items() if r.name == "api"))
        await pilot.press("w")
        await wait_until(pilot, lambda: isinstance(app.screen, XrayScreen), 5, "the xray screen")
        screen = app.screen
        # every kind listed (the informers sync in any order), then three api pods
        # the informers sync in any order: wait for the Ingress in front and three api pods behind
        await wait_until(pilot, lambda: screen.roots and any(c.upstream for c in screen.roots[0].children) and
                         len([n for n in screen.roots[0].walk() if n.resource == "pods"]) == 3, 15,
                         "the ingress and three api pods")
        root = screen.roots[0]
        assert (root.kind, root.name) == ("Service", "api")
        upstream = [c for c in root.children if c.upstream]
        assert [c.label for c in upstream] == ["Ingress frontend"]
        deploy = root.find("deployments.apps", "api-blue")
        assert deploy is not None and deploy.status == "3/3 ready"
        assert root.find("deployments.apps", "api-green") is None  # the Service selects version=blue
        used = {(n.kind, n.name) for n in deploy.children}
        assert {("ConfigMap", "api-config"), ("Secret", "api-db-credentials")} <= used
        # keys act on the node under the cursor: a pod's describe
        pod = next(n for n in root.walk() if n.resource == "pods")
        screen.xray_tree.move_cursor(screen._by_key[pod.key])
        await pilot.press("d")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "DescribeScreen", 5, "describe of the pod")
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen, 5, "back on the xray")
        screen.xray_tree.move_cursor(screen._by_key[deploy.key])  # and the workload's merged logs
        await pilot.press("l")
        await wait_until(pilot, lambda: isinstance(app.screen, LogsScreen), 5, "logs of api-blue")
        # a whole namespace: :xray NAMESPACE
        await pilot.press("escape", "escape")
        await command(pilot, "xray monitoring")
        await wait_until(pilot, lambda: isinstance(app.screen, XrayScreen) and app.screen.namespace == "monitoring"
                         and any(n.resource == "daemonsets.apps" and n.name == "node-exporter"
                                 for root in app.screen.roots for n in root.walk()), 15,
                         "node-exporter in the xray of monitoring")


async def test_label_selector_filters(demo):
    app = make_app(demo, namespace="shop")
    async with app.run_test(size=SIZE) as pilot:
        await command(pilot, "pods app=api,version!=green")
        await wait_until(pilot, lambda: len(names(app, "resources")) == 3, 15, "three blue api pods")
        assert all(n.startswith("api-blue-") for n in names(app, "resources"))
        assert "-l app=api,version!=green" in table(app, "resources").model.summary()
        await pilot.press("slash", *"-l version=green", "enter")
        await wait_until(pilot, lambda: names(app, "resources") and
                         all(n.startswith("api-green-") for n in names(app, "resources")), 5, "green pods only")
        await pilot.press("slash", *"-l version in (blue", "enter")
        model = table(app, "resources").model
        await wait_until(pilot, lambda: bool(model.filter_error), 5, "the bad selector's error")
        assert model.filter_error in model.summary() and model.filter_text == "-l version=green"
        assert all(n.startswith("api-green-") for n in names(app, "resources"))  # the bad one changed nothing


async def test_a_kind_the_developer_may_not_list_says_forbidden(demo):
    app = make_app(demo, context="demo-dev")
    async with app.run_test(size=SIZE) as pilot:
        await command(pilot, "roles")
        await wait_until(pilot, lambda: app.screen.query_one("#resources-pane", Pane).state_text.startswith(
            "forbidden"), 15, "forbidden in the pane")
        assert names(app, "resources") == []


CRD_GROUP = "kindsui.test.k8stui.io"


def _crd(plural: str) -> dict:
    return {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": f"{plural}.{CRD_GROUP}"},
            "spec": {"group": CRD_GROUP, "scope": "Namespaced",
                     "names": {"plural": plural, "singular": plural[:-1], "kind": "Gadget" + plural[-5:-1].title(),
                               "shortNames": [f"gd{plural[-5:-1]}"]},
                     "versions": [{"name": "v1", "served": True, "storage": True,
                                   "schema": {"openAPIV3Schema": {"type": "object",
                                                                  "x-kubernetes-preserve-unknown-fields": True}},
                                   "additionalPrinterColumns": [
                                       {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
                                       {"name": "Colour", "type": "string", "jsonPath": ".spec.colour"},
                                       {"name": "Age", "type": "date",
                                        "jsonPath": ".metadata.creationTimestamp"}]}]}}


async def test_a_crd_created_with_kubectl_is_completed_and_shown_with_its_printer_columns(demo):
    plural = f"gadgets{uuid.uuid4().hex[:4]}s"
    app = make_app(demo, namespace="team-a")
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.discovery.fresh and app.discovery.crd_watch_active, 15,
                         "discovery with a CRD watch")
        await kubectl(demo, "apply", "-f", "-", input=json.dumps(_crd(plural)))
        try:
            await kubectl(demo, "apply", "-n", "team-a", "-f", "-", input=json.dumps(
                {"apiVersion": f"{CRD_GROUP}/v1", "kind": _crd(plural)["spec"]["names"]["kind"],
                 "metadata": {"name": "sprocket"}, "spec": {"size": 7, "colour": "teal"}}))
            await pilot.press("colon", *plural[:-2])
            bar = app.screen.command_bar
            await wait_until(pilot, lambda: bar._suggestion == plural, 10, f"completion offers {plural}")
            await pilot.press("tab", "enter")
            await wait_until(pilot, lambda: isinstance(app.screen, TableScreen), 5, "a Table view of the CRD")
            await wait_until(pilot, lambda: names(app, "resources") == ["sprocket"], 15, "its custom resource")
            header = table(app, "resources").painted_lines()[0]
            assert header.split()[:4] == ["NAME", "▲", "SIZE", "COLOUR"] or header.split()[:3] == ["NAME▲", "SIZE",
                                                                                                    "COLOUR"]
            line = table(app, "resources").painted_lines()[1]
            assert "sprocket" in line and "7" in line.split() and "teal" in line.split()
            # the palette offers it too
            await pilot.press("escape", "ctrl+p", *plural)
            await wait_until(pilot, lambda: any(f"kind: {plural}" in line for line in screen_lines(app)), 5,
                             f"the palette offers kind: {plural}")
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, TableScreen) and app.screen.kind.plural == plural,
                             5, "the palette opens its Table view")
        finally:
            await kubectl(demo, "delete", "crd", f"{plural}.{CRD_GROUP}", "--wait=false", check=False)


FIRST_CLASS = [  # command, a column header of its own rows, a row the demo has
    ("pvc", "CAPACITY", "data-postgres-0"), ("pv", "CLAIM", ""), ("sc", "PROVISIONER", ""),
    ("pdb", "ALLOWED", ""), ("netpol", "POD-SELECTOR", ""), ("sa", "SECRETS", "default"),
    ("roles", "RULES", ""), ("rolebindings", "ROLE", ""), ("clusterroles", "RULES", ""),
    ("endpointslices", "ENDPOINTS", "api"), ("jobs", "COMPLETIONS", ""), ("hpa", "TARGETS", ""),
    ("controllerrevisions", "REVISION", "postgres"),
]


async def test_every_first_class_kind_has_its_own_rows(demo):
    """One app, each first-class kind beyond the first twelve: its own columns, rows from the demo."""
    app = make_app(demo, namespace="shop")
    async with app.run_test(size=SIZE) as pilot:
        await command(pilot, "ns all")
        for word, column, name in FIRST_CLASS:
            await command(pilot, word)
            await wait_until(pilot, lambda: isinstance(app.screen, ResourceScreen) and names(app, "resources"), 15,
                             f":{word} lists rows")
            header = table(app, "resources").painted_lines()[0]
            assert column in header, f":{word}: {header}"
            if name:
                assert any(n.startswith(name) for n in names(app, "resources")), f":{word}: {names(app, 'resources')}"
            await pilot.press("escape")
