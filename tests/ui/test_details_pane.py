"""The dashboard's Details pane shows its object as it is now (issue 11 item 9): a rollback's new revision,
image and conditions appear without moving the cursor, and the Age ticks while nothing changes."""

from __future__ import annotations

import json

from actions.scenario import WEB_IMAGE, WEB_IMAGE_2, create_namespace, delete_namespace

from .helpers import kubectl, make_app, names, table, wait_until
from .screen_text import screen_lines

SIZE = (160, 48)


def _details(app) -> dict[str, str]:
    """The Details pane as painted: label -> value (a label's further lines joined with ", ")."""
    region = app.screen.query_one("#details").content_region
    out: dict[str, str] = {}
    label = ""
    for line in screen_lines(app)[region.y:region.bottom]:
        text = line[region.x:region.right].rstrip()
        if text[:1] == " " and label:
            out[label] += ", " + text.strip()
        elif text:
            label, _, value = text.partition(" ")
            out[label] = value.strip()
    return out


def _conditions(deployment: dict) -> str:
    return ", ".join(f"{c['type']}={c['status']} ({c['reason']})" for c in deployment["status"]["conditions"])


async def test_details_follow_a_rollback_and_age_ticks(demo):
    ns = create_namespace(demo, "details", web=True)
    try:
        app = make_app(demo, namespace=ns)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: names(app, "workloads") == ["web"], 20, "the web deployment")
            await wait_until(pilot, lambda: _details(app).get("Replicas", "").startswith("1 ready"), 30,
                             f"web ready: {_details(app)}")
            assert table(app, "workloads").current_row().name == "web"
            # Nothing changes now: the age still moves on.
            first = _details(app)["Age"]
            await wait_until(pilot, lambda: _details(app)["Age"] != first, 5, f"Age ticking (stays {first})")

            await kubectl(demo, "set", "image", "deployment/web", f"web={WEB_IMAGE_2}", "-n", ns)
            await wait_until(pilot, lambda: _details(app).get("Images") == WEB_IMAGE_2
                             and _details(app).get("Revision") == "2", 30, f"revision 2 shown: {_details(app)}")
            await kubectl(demo, "rollout", "undo", "deployment/web", "-n", ns)  # back to the first template
            await wait_until(pilot, lambda: _details(app).get("Images") == WEB_IMAGE
                             and _details(app).get("Revision") == "3", 30, f"the rollback shown: {_details(app)}")
            await kubectl(demo, "rollout", "status", "deployment/web", "-n", ns, "--timeout=60s")

            def current() -> bool:
                raw = json.loads((demo.kubectl("get", "deployment", "web", "-n", ns, "-o", "json")).stdout)
                return _details(app).get("Conditions") == _conditions(raw)

            await wait_until(pilot, current, 30, f"the conditions of now: {_details(app)}")
            assert table(app, "workloads").current_row().name == "web"  # the cursor never moved
    finally:
        delete_namespace(demo, ns)
