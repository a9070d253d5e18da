"""``:`` commands and their completion, without an app: every name kubectl takes resolves through the registry,
what follows a kind becomes the view's filter (a bare selector becomes ``-l``), and completion offers kinds,
views and the names after ``:ns``/``:ctx``/``:xray``."""

from __future__ import annotations

import pytest

from k8stui.cluster.kinds import ResourceKind
from k8stui.cluster.registry import KindRegistry
from k8stui.ui.commands import CommandError, parse_command
from k8stui.ui.completion import BarCompletion, CommandCompleter
from k8stui.ui.navigation import starting_filter

CERTS = ResourceKind("certificates", "Certificate", "demo.k8stui.io", "v1", True, short_names=("cert",))
REGISTRY = KindRegistry.from_kinds((*KindRegistry.builtin().all_versions, CERTS), source="discovery")


@pytest.mark.parametrize("typed,key", [
    ("sts", "statefulsets.apps"), ("statefulset", "statefulsets.apps"), ("StatefulSet", "statefulsets.apps"),
    ("cj", "cronjobs.batch"), ("pvc", "persistentvolumeclaims"), ("deploy.apps", "deployments.apps"),
    ("certificates", "certificates.demo.k8stui.io"), ("cert", "certificates.demo.k8stui.io"),
    ("certificates.demo.k8stui.io", "certificates.demo.k8stui.io"), ("ns", None)])
def test_kinds_resolve_like_kubectl(typed, key):
    command = parse_command(typed, registry=REGISTRY)
    if key is None:
        assert command.view == "namespaces" and command.kind is None
    else:
        assert command.view == "kind" and command.kind is not None and command.kind.key == key


def test_app_views_arguments_and_errors():
    assert parse_command(":ctx demo-dev", registry=REGISTRY).arg == "demo-dev"
    assert parse_command("xray svc api", registry=REGISTRY) == parse_command("xray svc api", registry=REGISTRY)
    assert parse_command("xray svc api", registry=REGISTRY).arg == "svc api"
    assert parse_command("pods app in (a, b)", registry=REGISTRY).arg == "app in (a, b)"
    unknown = parse_command("rollouts", registry=REGISTRY)
    assert unknown.view == "kind" and unknown.kind is None and unknown.word == "rollouts"  # discovery decides
    assert parse_command("dp", {"dp": "deployments"}, REGISTRY).kind.key == "deployments.apps"
    with pytest.raises(CommandError, match="cannot be listed"):
        parse_command("tokenreviews", registry=REGISTRY)
    with pytest.raises(CommandError, match="empty"):
        parse_command(":  ", registry=REGISTRY)


@pytest.mark.parametrize("arg,expected", [
    ("", ""), ("app=api", "-l app=api"), ("app=api,version!=green", "-l app=api,version!=green"),
    ("-l app=api", "-l app=api"), ("api", "api"), ("app in (a,b) blue", "-l app in (a,b) blue")])
def test_what_follows_a_kind_is_its_filter(arg, expected):
    assert starting_filter(arg) == expected


def test_completion_candidates():
    completer = CommandCompleter(lambda: REGISTRY, lambda: ["shop", "team-a"], lambda: ["demo", "demo-dev"])
    assert completer.candidates("st")[:2] == ["statefulsets", "storageclasses"]
    assert completer.candidates("certi")[0] == "certificates"
    assert completer.candidates("x") == ["xray"]
    assert completer.candidates("ns t") == ["ns team-a"]
    assert completer.candidates("ctx demo-") == ["ctx demo-dev"]
    assert completer.candidates("sts") == []  # complete already
    assert completer.candidates("pods app=") == []


def test_tab_cycles_through_candidates():
    completer = CommandCompleter(lambda: REGISTRY)

    class Bar:
        value = "st"
        cursor_position = 2

    bar, completion = Bar(), BarCompletion(completer)
    completion.complete(bar)
    assert (bar.value, bar.cursor_position) == ("statefulsets", 12)
    completion.complete(bar)
    assert bar.value == "storageclasses"
    completion.complete(bar)
    assert bar.value == "statefulsets"
