"""The dashboard shows the incident (issue 11 items 13-14, issue 16's findings count), against the demo cluster:
events attributed by ownerReferences (``web`` never shows ``web-worker``'s), a workload whose new pods crash
and whose rollout stalls marked on its row with the reason in whole words, the header's count of firing alerts
and the ``!`` key to them, and the LINT count of each workload's health findings."""

from __future__ import annotations

import json
import re
import urllib.request

from k8stui.ui.screens.alerts import AlertsScreen
from k8stui.ui.screens.dashboard import DashboardScreen
from k8stui.ui.widgets.status_header import StatusHeader

from .helpers import kubectl, make_app, painted, row, rows, table, wait_until
from .screen_text import screen_lines

NS = "incident-test"


def firing_in_prometheus(url: str) -> set[str]:
    with urllib.request.urlopen(f"{url}/api/v1/alerts", timeout=5) as resp:
        doc = json.loads(resp.read())
    return {json.dumps(a["labels"], sort_keys=True) for a in doc["data"]["alerts"] if a["state"] == "firing"}


def event_objects(app) -> list[str]:
    return [r.object for r in rows(app, "events").values()]


async def test_dashboard_shows_the_incident(demo):
    assert demo.prometheus_url, "the demo runs Prometheus (alerts)"
    await kubectl(demo, "create", "namespace", NS)
    try:
        # Two workloads whose names share a prefix: web-worker's ReplicaSets and pods start with "web-".
        await kubectl(demo, "create", "deployment", "web", "-n", NS, "--image=ghcr.io/demo/web:1.0")
        await kubectl(demo, "create", "deployment", "web-worker", "-n", NS, "--image=ghcr.io/demo/worker:1.0")
        app = make_app(demo, namespace=NS, prometheus_url=demo.prometheus_url)
        async with app.run_test(size=(160, 48)) as pilot:
            assert isinstance(app.screen, DashboardScreen)
            await wait_until(pilot, lambda: {"web", "web-worker"} <= {r.name for r in rows(app, "workloads").values()},
                             30, "both workloads listed")
            workloads = table(app, "workloads")
            workloads.select_key(row(app, "workloads", "web").uid)
            # web's own events (its ReplicaSet scaled, its pod scheduled) are shown, web-worker's are not, though
            # the namespace has them and their names start with "web-".
            events = app.screen.events_feed.informer
            await wait_until(pilot, lambda: any("web-worker" in (e.get("involvedObject") or {}).get("name", "")
                                                for e in events.objects()), 30, "web-worker's events exist")
            await wait_until(pilot, lambda: any(o.startswith("pod/web-") for o in event_objects(app)), 30,
                             "web's pod events shown")
            assert any(o.startswith("replicaset/web-") for o in event_objects(app))
            assert not [o for o in event_objects(app) if "web-worker" in o]

            # A broken rollout of web-worker: its new pod cannot pull its image, the old one still serves (a green
            # 1/1) and the rollout passes its deadline. web's new pod crash-loops.
            await kubectl(demo, "patch", "deployment/web-worker", "-n", NS, "-p",
                          '{"spec":{"progressDeadlineSeconds":5}}')
            await kubectl(demo, "set", "image", "deployment/web-worker", "-n", NS,
                          "worker=ghcr.io/demo/worker:missing")
            await kubectl(demo, "set", "image", "deployment/web", "-n", NS, "web=ghcr.io/demo/web:broken")

            def issues(name: str) -> tuple[str, ...]:
                return row(app, "workloads", name).issues

            await wait_until(pilot, lambda: "rollout stalled" in issues("web-worker")
                             and any(r in ("1 ImagePullBackOff", "1 ErrImagePull") for r in issues("web-worker")), 60,
                             "web-worker marked: rollout stalled, 1 ImagePullBackOff")
            await wait_until(pilot, lambda: "1 CrashLoopBackOff" in issues("web"), 60, "web marked: 1 CrashLoopBackOff")
            for name in ("web", "web-worker"):
                bad = row(app, "workloads", name)
                assert bad.issue_level == "critical"
                # the reason is painted whole on the row, and the name in red
                await wait_until(pilot, lambda name=name: any(line.startswith(f" {name} ")
                                                              and ", ".join(issues(name)) in line
                                                              for line in painted(app, "workloads")), 5,
                                 f"{name}'s reasons painted whole")
                assert workloads.model.cells(bad.uid)[0].style == "bold red"
            # the selected workload's Details say it whole, however narrow the workloads pane is
            await wait_until(pilot, lambda: any(re.search(r"\bIssues +1 CrashLoopBackOff", line)
                                                for line in screen_lines(app)), 5, "web's issues in Details")
            # web still shows only its own events after web-worker's rollout made many more
            assert not [o for o in event_objects(app) if "web-worker" in o]

            # LINT: the findings about each workload (a single replica, no probes, no requests ...).
            await wait_until(pilot, lambda: row(app, "workloads", "web").findings_level not in ("", "none"), 30,
                             "web's findings counted")
            assert row(app, "workloads", "web").findings >= 2
            lint = workloads.model.columns.index(next(c for c in workloads.model.columns if c.key == "lint"))
            assert workloads.model.cells(row(app, "workloads", "web").uid)[lint].text == \
                str(row(app, "workloads", "web").findings)

            # ... kept current: scaling web to 2 replicas fixes its single-replica finding, and LINT follows.
            def web_rules() -> set[str]:
                return {f.rule for f in app.screen.findings
                        if f.object.kind == "Deployment" and f.object.name == "web"}

            assert "single-replica" in web_rules()
            await kubectl(demo, "scale", "deployment/web", "-n", NS, "--replicas=2")
            await wait_until(pilot, lambda: "single-replica" not in web_rules(), 30, "web's single-replica finding fixed")
            await wait_until(pilot, lambda: row(app, "workloads", "web").findings
                             == app.screen.findings_by_workload[("Deployment", NS, "web")][0], 10, "LINT follows")

            # The alert Prometheus fires about web's crash-looping pod is on web's row too.
            await wait_until(pilot, lambda: "1 alert" in issues("web"), 90, "web's row counts its alert")

            # The header counts the alerts firing (the demo's shop has some), and "!" opens them.
            await wait_until(pilot, lambda: app.screen.header.state.alerts_firing
                             == len(firing_in_prometheus(demo.prometheus_url)) > 0, 60,
                             "the header counts the alerts Prometheus fires")
            firing = app.screen.header.state.alerts_firing
            assert f"alerts {firing} firing !" in app.screen.header.render().plain  # no double spaces
            await pilot.press("exclamation_mark")
            assert isinstance(app.screen, AlertsScreen)
            await pilot.press("escape")
            assert isinstance(app.screen, DashboardScreen)
            # a click on the count opens them too (the header has one cell of padding)
            x = re.search(r"\d+ firing", app.screen.header.render().plain).start() + 1
            await pilot.click(StatusHeader, offset=(x, 0))
            assert isinstance(app.screen, AlertsScreen)
    finally:
        await kubectl(demo, "delete", "namespace", NS, "--wait=false", check=False)
