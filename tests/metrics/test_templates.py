"""PromQL templates: defaults per row kind, escaping, and overrides from config.toml ([promql])."""

from __future__ import annotations

import pytest

from k8stui import config
from k8stui.metrics.targets import Target, label_selector_text, target_for
from k8stui.metrics.templates import DEFAULT_TEMPLATES, METRICS, TemplateError, Templates

DEPLOYMENT = {
    "kind": "Deployment",
    "metadata": {"name": "api-blue", "namespace": "shop", "labels": {"app": "api"}},
    "spec": {"selector": {"matchLabels": {"app": "api", "version": "blue"},
                          "matchExpressions": [{"key": "tier", "operator": "In", "values": ["web", "edge"]}]},
             "template": {"metadata": {"labels": {"app": "api", "version": "blue"}}}},
}


def test_every_kind_has_cpu_memory_and_restarts_and_workloads_have_requests_by_version():
    for kind in ("pod", "deployment", "node", "namespace"):
        for metric in ("cpu", "memory", "restarts"):
            assert DEFAULT_TEMPLATES[f"{kind}.{metric}"]
    for kind in ("pod", "deployment"):
        assert "by (version)" in DEFAULT_TEMPLATES[f"{kind}.requests"]
        assert 'code=~"5.."' in DEFAULT_TEMPLATES[f"{kind}.errors"]
    assert [m.unit for m in METRICS] == ["cores", "MiB", "req/s", "%", "restarts"]


def test_deployment_target_and_rendered_queries():
    target = target_for("deployments.apps", DEPLOYMENT)
    assert target == Target("deployment", "api-blue", "shop", app="api",
                            selector=(("app", "api"), ("version", "blue")),
                            label_selector="app=api,version=blue,tier in (web,edge)")
    templates = Templates()
    cpu = templates.render(target, "cpu", step=15)
    assert 'namespace="shop"' in cpu and 'pod=~"api-blue-[a-z0-9]+-[a-z0-9]+"' in cpu and "[1m]" in cpu
    assert 'app="api"' in templates.render(target, "requests", step=15)
    # A long step widens the rate window so points never fall between samples.
    assert "[10m]" in templates.render(target, "cpu", step=300)


def test_values_are_escaped_for_promql_strings_and_regexes():
    target = Target("deployment", "a.b", 'we"ird\\ns')
    query = Templates().render(target, "cpu")
    assert 'namespace="we\\"ird\\\\ns"' in query
    assert 'pod=~"a\\\\.b-[a-z0-9]+-[a-z0-9]+"' in query  # the dot is a literal dot for RE2


def test_other_kinds_fall_back_to_their_namespace_and_nodes_use_the_node_label():
    svc = {"kind": "Service", "metadata": {"name": "api", "namespace": "shop"}}
    target = target_for("services", svc)
    assert target is not None and (target.kind, target.name) == ("namespace", "shop") and "Service" in target.note
    node = target_for("nodes", {"metadata": {"name": "aks-nodepool1-00000"}})
    assert 'node="aks-nodepool1-00000"' in Templates().render(node, "memory")
    assert Templates().render(node, "requests") == ""  # no request counters per node
    assert label_selector_text({"matchExpressions": [{"key": "x", "operator": "DoesNotExist"},
                                                     {"key": "y", "operator": "Exists"}]}) == "!x,y"


def test_overrides_from_the_config_file(tmp_path, monkeypatch):
    monkeypatch.setenv("K8STUI_HOME", str(tmp_path))
    path = config.locations.config_file()
    path.parent.mkdir(parents=True)
    path.write_text('[promql]\n'
                    '"deployment.cpu" = \'sum(rate(my_cpu{ns="$namespace",workload="$name"}[$window]))\'\n'
                    '"namespace.requests" = ""\n'
                    'window = "2m"\n')
    settings = config.load_settings()
    templates = Templates(settings.promql)
    target = Target("deployment", "api-blue", "shop", app="api")
    assert templates.render(target, "cpu", step=5) == 'sum(rate(my_cpu{ns="shop",workload="api-blue"}[2m]))'
    assert "deployment.cpu" in templates.overridden
    # Untouched templates keep their defaults; an empty one switches that graph off.
    assert templates.render(target, "memory") == Templates().render(target, "memory").replace("[1m]", "[2m]")
    assert "requests" not in [m.key for m in templates.metrics_for("namespace")]


@pytest.mark.parametrize("overrides, message", [
    ({"deploy.cpu": "x"}, "unknown key 'deploy.cpu'"),
    ({"pod.cpu": "rate(x{pod=\"$pod\"}[1m])"}, "unknown placeholder $pod"),
    ({"pod.cpu": "x $"}, "write $$ for a literal $"),
    ({"pod.cpu": 3}, "must be a string"),
    ({"window": "soon"}, "not a duration"),
])
def test_bad_overrides_are_one_line_errors(overrides, message):
    with pytest.raises(TemplateError) as err:
        Templates(overrides)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_a_bad_promql_table_is_reported_and_the_defaults_are_used():
    from k8stui.metrics.service import MetricsService

    service = MetricsService.build(connection=None, prometheus_url="http://127.0.0.1:9090",  # type: ignore[arg-type]
                                   settings=config.Settings(promql={"deployment.cpu": "rate(x{$nope}[1m])"}))
    assert service.config_error == ("[promql] deployment.cpu uses unknown placeholder $nope (known: $namespace, "
                                    "$name, $app, $pod_regex, $node, $window)")
    assert service.endpoint is not None and service.templates.template("deployment", "cpu") == \
        DEFAULT_TEMPLATES["deployment.cpu"]
