"""The everyday operations' plans against the demo cluster, without the UI: a delete never removes an object the
user did not see (same name, new uid), status churn does not stop it; an edit whose field someone else changed
is asked again with the new state; set image offers the images of earlier revisions and its undo is refused once
someone changed the image again. Each test works in a namespace of its own."""

from __future__ import annotations

import asyncio

import pytest

from k8stui.actions import delete, edit, images, undo
from k8stui.actions.plan import ConflictError, Plan, run_plan
from k8stui.actions.scale import deployment_ref

from .scenario import WEB_IMAGE, WEB_IMAGE_2, create_namespace, delete_namespace, get_json, kubectl, yes


@pytest.fixture
def ns(demo):
    name = create_namespace(demo, "evd", web=True)
    yield name
    delete_namespace(demo, name)


async def test_a_delete_is_guarded_by_the_uid_the_user_saw_not_by_status_churn(demo, ns, session):
    ref = deployment_ref(ns, "web")
    plan = await delete.plan_delete(session, [ref])
    write = plan.writes[0]
    assert write.uid and not write.resource_version and write.propagation == "Background"
    # Churn (an annotation: a new resourceVersion, nothing the user saw) does not stop the delete...
    await kubectl(demo, "annotate", "deployment", "web", "-n", ns, "churn=1")
    assert (await session.apply(plan))[0]["status"] == "Success"
    # ... but an object re-created under the same name is another one: not deleted.
    await kubectl(demo, "create", "deployment", "web", "-n", ns, f"--image={WEB_IMAGE}")
    stale = await delete.plan_delete(session, [ref])
    await kubectl(demo, "delete", "deployment", "web", "-n", ns)
    await kubectl(demo, "create", "deployment", "web", "-n", ns, f"--image={WEB_IMAGE}")
    new_uid = get_json(demo, "deployment", "web", "-n", ns)["metadata"]["uid"]
    with pytest.raises(ConflictError, match="another object now"):
        await session.apply(stale)
    assert get_json(demo, "deployment", "web", "-n", ns)["metadata"]["uid"] == new_uid


async def test_an_edit_of_a_field_someone_changed_is_asked_again_with_the_new_state(demo, ns, session):
    ref = deployment_ref(ns, "web")
    seen = get_json(demo, "deployment", "web", "-n", ns)
    edited = edit.parse(edit.document(seen, ref).replace("replicas: 1", "replicas: 3"), seen, ref)
    changes = edit.EditSession(session, ref, seen, edited)
    await kubectl(demo, "scale", "deployment/web", "-n", ns, "--replicas=2")  # meanwhile, someone else
    asked: list[tuple[str, str]] = []

    async def confirm(plan: Plan, notice: str) -> bool:
        asked.append((plan.before, notice))
        return True

    outcome = await run_plan(session, changes.plan, confirm)
    assert outcome.applied, outcome.message
    assert asked == [("spec.replicas 2", asked[0][1])]  # the first plan failed its test before it was shown
    assert "spec.replicas is now 2 (you saw 1)" in asked[0][1]
    assert get_json(demo, "deployment", "web", "-n", ns)["spec"]["replicas"] == 3
    assert [r.outcome for r in session.audit.read()] == ["conflict", "applied"]


async def test_set_image_offers_earlier_images_and_its_undo_respects_later_changes(demo, ns, session):
    ref = deployment_ref(ns, "web")
    outcome = await run_plan(session, lambda: images.plan_set_image(session, ref, "web", WEB_IMAGE_2), yes)
    assert outcome.applied, outcome.message
    assert outcome.plan.follow_up and outcome.plan.follow_up[0].kind == "rollout"
    assert get_json(demo, "deployment", "web", "-n", ns)["spec"]["template"]["spec"]["containers"][0]["image"] == \
        WEB_IMAGE_2

    async def offered() -> list[str]:
        obj = await session.read(ref)
        return [r.image for r in await images.recent_images(session, ref.kind, obj, "web")]

    deadline = asyncio.get_running_loop().time() + 30
    while (images_offered := await offered()) != [WEB_IMAGE]:  # until the controller creates the new ReplicaSet
        assert asyncio.get_running_loop().time() < deadline, f"offered {images_offered} after 30 s"
        await asyncio.sleep(0.1)
    undone = await run_plan(session, lambda: undo.plan_undo_last(session), yes)
    assert undone.applied and get_json(demo, "deployment", "web", "-n", ns)["spec"]["template"]["spec"][
        "containers"][0]["image"] == WEB_IMAGE
    # set it again, then someone else changes it: the undo is refused, nothing sent
    assert (await run_plan(session, lambda: images.plan_set_image(session, ref, "web", WEB_IMAGE_2), yes)).applied
    await kubectl(demo, "set", "image", "deployment/web", "-n", ns, "web=ghcr.io/demo/legacy-report:1.0.0")
    seq = demo.request_seq()
    refused = await run_plan(session, lambda: undo.plan_undo_last(session), yes)
    assert refused.status == "refused" and "was changed since, so undo is refused" in refused.message
    assert [r for r in demo.requests_since(seq) if r["mutating"]] == []
