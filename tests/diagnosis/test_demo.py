"""Diagnosis against the demo cluster, through the app's own informers (LIST/WATCH, items without ``kind``):
every health finding appears for the scenario object that has it and goes when fixed with kubectl 1.33;
every stuck cause the demo produces on demand is explained; the Helm release Secrets decode."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from k8stui.cluster.connection import load_target
from k8stui.cluster.discovery import Discovery
from k8stui.cluster.store import InformerHub
from k8stui.diagnosis.helm import ReleaseDecoder, owned_objects
from k8stui.diagnosis.live import HELM_KINDS, STUCK_KINDS, LiveFindings, LiveSnapshot, fetch_logs
from k8stui.diagnosis.stuck import explain
from tests.cluster.helpers import until

KUBECTL = Path("/usr/lib/google-cloud-sdk/bin/kubectl.1.33")

# (rule, kind, namespace, name) the default scenario must show.
EXPECTED = [
    ("single-replica", "Deployment", "shop", "legacy-report"),
    ("no-readiness-probe", "Deployment", "shop", "legacy-report"),
    ("no-liveness-probe", "Deployment", "shop", "legacy-report"),
    ("no-requests", "Deployment", "shop", "legacy-report"),
    ("no-memory-limit", "Deployment", "shop", "legacy-report"),
    ("no-pdb", "Deployment", "shop", "frontend"),
    ("latest-image", "Deployment", "payments", "fraud-check"),
    ("colocated", "Deployment", "payments", "fraud-check"),
    ("hpa-at-max", "HorizontalPodAutoscaler", "payments", "fraud-check"),
    ("pdb-blocks-evictions", "PodDisruptionBudget", "payments", "ledger"),
    ("service-no-pods", "Service", "payments", "ledger-admin"),
    ("no-service", "Deployment", "payments", "statement-export"),
    ("missing-reference", "Deployment", "payments", "statement-export"),
    ("bluegreen-replicas", "Deployment", "payments", "ledger-green"),
    ("bluegreen-config", "Deployment", "payments", "ledger-green"),
    ("pvc-pending", "PersistentVolumeClaim", "team-a", "reports-archive"),
    ("default-sa-rbac", "RoleBinding", "payments", "default-edit"),
]


async def kubectl(demo, *args: str, stdin: str | None = None) -> str:
    if not KUBECTL.exists():
        pytest.skip(f"{KUBECTL} is not installed")

    def run() -> str:
        import os
        import subprocess

        env = {k: v for k, v in os.environ.items() if not k.startswith("KUBE")}
        env["KUBECONFIG"] = demo.kubeconfig
        proc = subprocess.run([str(KUBECTL), "--context", "demo", *args], capture_output=True, text=True,
                              timeout=60, env=env, input=stdin)
        assert proc.returncode == 0, f"kubectl {' '.join(args)}: {proc.stderr.strip()}"
        return proc.stdout

    return await asyncio.to_thread(run)


@pytest.fixture
async def cluster(demo) -> AsyncIterator[tuple[InformerHub, object]]:
    """A hub on the demo and the server's kinds (discovery), as the app has them."""
    connection = load_target(demo.kubeconfig, "demo", None)
    discovery = Discovery(connection)
    discovery.start()
    await discovery.wait_fresh(15)
    hub = InformerHub(connection, linger=0)
    try:
        yield hub, discovery.registry
    finally:
        await hub.close()
        await discovery.close()


@pytest.fixture
def scratch(demo):
    """Namespaces a test creates through the admin API, deleted afterwards (their stuck pods would otherwise
    crash-loop and fire alerts for the rest of the session)."""
    made: list[str] = []
    yield made
    for ns in made:
        demo.kubectl("delete", "namespace", ns, "--wait=false", check=False)


async def live_for(hub, registry, namespace=None, kinds=None, secret_values=False) -> LiveSnapshot:
    live = LiveSnapshot(hub, namespace, registry=registry, secret_values=secret_values,
                        **({"kinds": kinds} if kinds else {}))
    live.start()
    assert await live.wait_synced(20), f"informers did not sync: {live.syncing()}"
    return live


def keys(findings) -> set[tuple[str, str, str, str]]:
    return {(f.rule, f.object.kind, f.object.namespace, f.object.name) for f in findings}


async def test_each_finding_appears_for_the_demo_object_that_has_it(demo, cluster):
    hub, registry = cluster
    live = await live_for(hub, registry)
    findings = LiveFindings(live)
    expected = set(EXPECTED)

    def missing():
        return expected - keys(findings.refresh(time.monotonic() + 10))

    await until(lambda: not missing(), timeout=30, message=f"findings {missing()}")
    # Repeated restarts take the checkout rollout's crash loop a few back-offs.
    await until(lambda: any(f.rule == "restarts" and f.object.namespace == "shop"
                            and f.object.name.startswith("checkout-") for f in findings.refresh(time.monotonic() + 10)),
                timeout=90, message="a restarts finding on a checkout pod")
    await live.close()


async def test_findings_disappear_when_fixed_with_kubectl(demo, cluster, scratch):
    hub, registry = cluster
    ns = f"lint-{uuid.uuid4().hex[:6]}"
    scratch.append(ns)
    demo.admin("scenario/findings", {"namespace": ns})
    live = await live_for(hub, registry)
    findings = LiveFindings(live, cluster_interval=0.2)

    def current():
        return {k for k in keys(findings.refresh(time.monotonic() + 10)) if k[2] == ns}

    fixes = [
        (("bluegreen-replicas", "Deployment", ns, "ledger-green"),
         ["scale", "deployment/ledger-green", "--replicas=3"]),
        (("single-replica", "Deployment", ns, "ledger-green"), None),
        (("latest-image", "Deployment", ns, "fraud-check"),
         ["set", "image", "deployment/fraud-check", "fraud-check=ghcr.io/demo/fraud-check:3.2.0"]),
        (("hpa-at-max", "HorizontalPodAutoscaler", ns, "fraud-check"),
         ["patch", "hpa", "fraud-check", "--type=merge", "-p", '{"spec":{"maxReplicas":6}}']),
        (("pdb-blocks-evictions", "PodDisruptionBudget", ns, "ledger"),
         ["patch", "pdb", "ledger", "--type=merge", "-p", '{"spec":{"minAvailable":null,"maxUnavailable":1}}']),
        (("service-no-pods", "Service", ns, "ledger-admin"),
         ["patch", "service", "ledger-admin", "-p", '{"spec":{"selector":{"app":"ledger","version":"blue"}}}']),
        (("missing-reference", "Deployment", ns, "statement-export"), ["apply", "-f", "-", json.dumps(
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "sftp-credentials"},
             "data": {"password": base64.b64encode(b"s3cret").decode()}})]),
        (("no-service", "Deployment", ns, "statement-export"), ["apply", "-f", "-", json.dumps(
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "statement-export"},
             "spec": {"selector": {"app": "statement-export"}, "ports": [{"port": 80, "targetPort": 8080}]}})]),
        (("default-sa-rbac", "RoleBinding", ns, "default-edit"), ["delete", "rolebinding", "default-edit"]),
        (("colocated", "Deployment", ns, "fraud-check"),
         ["patch", "deployment", "fraud-check", "--type=json",
          "-p", '[{"op":"remove","path":"/spec/template/spec/nodeSelector"}]']),
    ]
    wanted = {key for key, _ in fixes}
    await until(lambda: wanted <= current(), timeout=40, message=f"findings in {ns}: {wanted - current()}")
    for _key, args in fixes:
        if args and args[:3] == ["apply", "-f", "-"]:
            await kubectl(demo, "-n", ns, *args[:3], stdin=args[3])
        elif args:
            await kubectl(demo, "-n", ns, *args)
    await until(lambda: not (wanted & current()), timeout=60, message=f"fixed findings gone: {wanted & current()}")
    await live.close()


async def test_each_stuck_cause_is_explained_on_the_demo(demo, cluster, scratch):
    hub, registry = cluster
    ns = f"lab-{uuid.uuid4().hex[:6]}"
    scratch.append(ns)
    causes = {"insufficient-cpu": "insufficient-cpu", "insufficient-memory": "insufficient-memory",
              "taint": "taint", "affinity": "affinity", "image-pull": "image-pull", "crash-loop": "crash-loop",
              "oom-killed": "oom-killed", "probe-failing": "probe-failing", "config-missing": "config-missing",
              "rollout-stalled": "rollout-stalled", "pvc-binding": "pvc-binding"}
    for cause in causes:
        demo.admin("scenario/stuck", {"cause": cause, "namespace": ns, "name": cause})
    live = await live_for(hub, registry, kinds=STUCK_KINDS)
    explained = {}

    def all_explained():
        snap = live.snapshot()
        for name, code in causes.items():
            ex = explain(snap, "Deployment", ns, name, now=time.time())
            if code in ex.codes:
                explained[name] = ex
        return set(causes) <= set(explained)

    await until(all_explained, timeout=90, message=f"explanations: missing {set(causes) - set(explained)}")
    cpu = explained["insufficient-cpu"]
    assert cpu.stuck and any(o.action == "burst" for o in cpu.offers)
    assert any(d.startswith("closest node: aks-nodepool1-") and "short by" in d for d in cpu.causes[0].details)
    taint = explained["taint"].causes[0]
    assert any("closest node: virtual-node-aci" in d for d in taint.details)
    assert not explained["taint"].offers
    assert "does not exist in the registry" in explained["image-pull"].causes[0].details[0]
    assert any("OOMKilled: yes (memory limit 128Mi)" == d for c in explained["oom-killed"].causes for d in c.details)
    assert any('secret "config-missing-token" not found' in d for d in explained["config-missing"].causes[0].details)
    stalled = explained["rollout-stalled"]
    assert stalled.headline == "rollout-stalled: the rollout is stuck"
    assert any("keeps serving" in d for d in stalled.causes[0].details)
    # The crash loop's explanation asks for the previous run's log; fetched the app's way, it ends in a panic.
    crash = explained["crash-loop"]
    assert crash.log_requests
    logs = await fetch_logs(hub.client, crash.log_requests)
    again = explain(live.snapshot(), "Deployment", ns, "crash-loop", now=time.time(), logs=logs)
    lines = next(c.log_lines for c in again.causes if c.code == "crash-loop")
    assert any("panic:" in line for line in lines), lines
    await live.close()


async def test_helm_release_secrets_decode_and_own_live_objects(demo, cluster):
    hub, registry = cluster
    # Without asking for Secrets' values, the informers keep their keys only: nothing to decode.
    keys_only = await live_for(hub, registry, kinds=HELM_KINDS)
    secret = next(o for o in keys_only.snapshot().objects("Secret") if o.get("type") == "helm.sh/release.v1")
    assert set(secret["data"].values()) == {""}
    await keys_only.close()
    live = await live_for(hub, registry, kinds=HELM_KINDS, secret_values=True)
    decoder = ReleaseDecoder()
    releases = decoder.releases(live.snapshot())
    assert not releases.errors
    rows = {(r.namespace, r.name): r for r in releases.latest()}
    ledger = rows[("payments", "ledger")]
    assert (ledger.revision, ledger.status, ledger.chart_text, ledger.app_version) == (2, "deployed",
                                                                                        "ledger-0.7.3", "2.4.0")
    assert [r.status for r in releases.history("payments", "ledger")] == ["superseded", "deployed"]
    assert rows[("monitoring", "kube-state-metrics")].chart_text == "kube-state-metrics-5.15.2"
    detail = decoder.detail(live.snapshot(), "payments", "ledger")
    assert "Lg3r!pR0d" not in repr(detail) and "Lg3r!pR0d" in detail.values_yaml()
    states = {(o.object.kind, o.object.name): o.state for o in owned_objects(detail, live.snapshot())}
    assert states[("Deployment", "ledger-blue")] == "live" and states[("Service", "ledger")] == "live"
    assert all(s == "live" for s in states.values()), states
    await live.close()
    # helm's own storage query (labels owner=helm) finds the same Secrets, as kubectl shows them.
    out = await kubectl(demo, "get", "secrets", "-A", "-l", "owner=helm", "--no-headers")
    assert "sh.helm.release.v1.ledger.v2" in out and "helm.sh/release.v1" in out
    assert httpx  # the client used by fetch_logs is the hub's (httpx) client
