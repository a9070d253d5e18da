"""Label selectors: the grammar of apimachinery's labels.Parse, its matching semantics, and the filter syntax."""

from __future__ import annotations

import pytest

from k8stui.cluster.rows import pod_row
from k8stui.cluster.selector import (
    FilterQuery,
    LabelSelector,
    LabelSelectorError,
    labels_of,
    parse_filter,
    selector_filter,
)
from k8stui.cluster.tables import DEFAULT_COLUMNS, make_row

# (input, canonical string) — the canonical form is what apimachinery's Selector.String() prints: requirements
# sorted by key, set values sorted, spaces gone.
VALID = [
    ("", ""),
    ("x=a,y=b,z=c", "x=a,y=b,z=c"),
    ("x!=a,y=b", "x!=a,y=b"),
    ("x=", "x="),
    ("x= ", "x="),
    ("x=,z= ", "x=,z="),
    ("!x", "!x"),
    ("x>1", "x>1"),
    ("x>1,z<5", "x>1,z<5"),
    ("x=a,a=x", "a=x,x=a"),
    ("a==b", "a==b"),
    ("\rx", "x"),
    ("a ", "a"),
    ("this-is-a-dns.domain.com/key-with-dash", "this-is-a-dns.domain.com/key-with-dash"),
    ("this-is-another-dns.domain.com/key-with-dash in (so,what)",
     "this-is-another-dns.domain.com/key-with-dash in (so,what)"),
    ("0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)", "0.1.2.domain/99 notin (10.10.100.1,tick.tack.clock)"),
    ("foo  in\t (abc)", "foo in (abc)"),
    ("x notin\n (abc)", "x notin (abc)"),
    ("x in (abc,def)", "x in (abc,def)"),
    ("x in (abc,)", "x in (,abc)"),
    ("x in ()", "x in ()"),
    ("x notin ( )", "x notin ()"),
    ("x notin (, a)", "x notin (,a)"),
    ("x in (foo,,baz),y,z notin ()", "x in (,baz,foo),y,z notin ()"),  # the example in selector.go's doc
    ("a in (x,y,notin, z,in)", "a in (in,notin,x,y,z)"),  # keywords are values inside a list
    ("notin=in", "notin=in"),
    ("app=api,version!=green", "app=api,version!=green"),
    ("env in (a,b)", "env in (a,b)"),
]

INVALID = [
    "x=a||y=b",
    "x==a==b",
    "!x=a",
    "x<a",
    ",x,y",
    "x nott in (y)",
    "a in (xyz),",
    "a in (xyz)b notin ()",
    "a in (xyz abc)",
    "a notin(",
    "a (",
    "(",
    "a" * 254,             # longer than a label key may be
    "-a=b",                # key must start with an alphanumeric
    "a=-b",                # so must a value
    "A.B/c=d",             # the prefix is a lower-case DNS subdomain
    "a=" + "b" * 64,       # values are at most 63 characters
    "a=b c",
]


@pytest.mark.parametrize(("text", "canonical"), VALID)
def test_valid_selectors_parse_to_their_canonical_form(text, canonical):
    assert str(LabelSelector.parse(text)) == canonical


@pytest.mark.parametrize("text", INVALID)
def test_invalid_selectors_fail_with_one_line(text):
    with pytest.raises(LabelSelectorError) as err:
        LabelSelector.parse(text)
    assert "\n" not in str(err.value) and "invalid label selector" in str(err.value)


@pytest.mark.parametrize(("selector", "labels", "matches"), [
    ("", {"x": "y"}, True),
    ("x=y", {"x": "y"}, True),
    ("x=y,z=w", {"x": "y", "z": "w"}, True),
    ("x!=y,z!=w", {"x": "z", "z": "a"}, True),
    ("notin=in", {"notin": "in"}, True),
    ("x", {"x": "z"}, True),
    ("!x", {"y": "z"}, True),
    ("x>1", {"x": "2"}, True),
    ("x<1", {"x": "0"}, True),
    ("x=z", {}, False),
    ("x=y", {"x": "z"}, False),
    ("x=y,z=w", {"x": "w", "z": "w"}, False),
    ("x!=y,z!=w", {"x": "z", "z": "w"}, False),
    ("x", {"y": "z"}, False),
    ("!x", {"x": "z"}, False),
    ("x>1", {"x": "0"}, False),
    ("x<1", {"x": "2"}, False),
    ("z>1", {"z": "v2"}, False),           # not a number: no match
    ("x=", {"x": ""}, True),               # the empty value is a value
    ("x=", {}, False),
    ("x in (foo)", {"x": "foo", "y": "baz"}, True),
    ("x in (foo),y notin (alpha)", {"x": "foo", "y": "baz"}, True),
    ("x in (foo),y in (alpha)", {"x": "foo", "y": "baz"}, False),
    ("x notin (),y", {"y": ""}, True),     # notin matches a missing key
    ("!x,y", {"y": ""}, True),
    ("x notin (),!y", {"y": ""}, False),
    ("x in ()", {"y": "baz"}, False),
    ("app=api,version!=green", {"app": "api", "version": "blue"}, True),
    ("app=api,version!=green", {"app": "api", "version": "green"}, False),
    ("app=api,version!=green", {"app": "api"}, True),
    ("env in (a,b)", {"env": "b"}, True),
    ("env in (a,b)", {"env": "c"}, False),
])
def test_matching_follows_apimachinery(selector, labels, matches):
    parsed = LabelSelector.parse(selector)
    assert parsed.matches(labels) is matches
    assert parsed(labels) is matches
    assert parsed.matches_object({"metadata": {"labels": labels}}) is matches


def test_missing_labels_are_no_labels():
    assert LabelSelector.parse("!x").matches(None)
    assert not LabelSelector.parse("x").matches_object({"metadata": {}})


def test_label_selector_objects_like_label_selector_as_selector():
    sel = LabelSelector.from_object({"matchLabels": {"app": "api"},
                                     "matchExpressions": [{"key": "version", "operator": "In",
                                                           "values": ["green", "blue"]},
                                                          {"key": "canary", "operator": "DoesNotExist"}]})
    assert str(sel) == "app=api,!canary,version in (blue,green)"
    assert sel.matches({"app": "api", "version": "blue"})
    assert not sel.matches({"app": "api", "version": "blue", "canary": "1"})
    assert LabelSelector.from_object({}).matches({"any": "thing"})  # empty selects everything
    assert not LabelSelector.from_object(None).matches({})          # missing selects nothing
    with pytest.raises(LabelSelectorError):
        LabelSelector.from_object({"matchExpressions": [{"key": "a", "operator": "Near"}]})


@pytest.mark.parametrize(("text", "implicit", "selector", "rest"), [
    ("-l app=api", False, "app=api", ""),
    ("-lapp=api", False, "app=api", ""),
    ("--selector app=api,version!=green", False, "app=api,version!=green", ""),
    ("--selector=env in (a, b) nginx", False, "env in (a,b)", "nginx"),
    ("-l app = api nginx", False, "app=api", "nginx"),
    ("-l env notin (a) api-7", False, "env notin (a)", "api-7"),
    ("nginx", False, None, "nginx"),
    ("app=api", False, None, "app=api"),      # without -l, text is text
    ("app=api", True, "app=api", ""),         # :pods app=api
    ("!canary", True, "!canary", ""),
    ("nginx", True, None, "nginx"),           # :pods nginx is a name filter
    ("a=b=c", True, None, "a=b=c"),           # not a selector: kept as text
])
def test_filter_syntax(text, implicit, selector, rest):
    query = parse_filter(text, implicit=implicit)
    assert isinstance(query, FilterQuery)
    assert (str(query.selector) if query.selector else None) == selector
    assert query.text == rest


def test_filter_with_a_bad_selector_says_why():
    with pytest.raises(LabelSelectorError, match="invalid label selector"):
        parse_filter("-l app==a==b")
    with pytest.raises(LabelSelectorError, match="-l needs a label selector"):
        parse_filter("-l")


def test_selector_filter_for_table_rows_of_every_shape():
    meta = {"name": "api-1", "namespace": "shop", "uid": "u1", "labels": {"app": "api", "version": "blue"}}
    raw = {"metadata": meta, "spec": {"containers": [{"name": "api", "image": "api:1"}]}, "status": {}}
    rows = [pod_row(raw), make_row(DEFAULT_COLUMNS, ["api-1", None], meta), raw]
    assert all(labels_of(r) == {"app": "api", "version": "blue"} for r in rows)
    blue = selector_filter("-l app=api,version!=green")
    green = selector_filter("-l version=green")
    named = selector_filter("-l app=api API-1")
    assert all(blue.matches(r, "api-1 Running") for r in rows)
    assert not any(green.matches(r, "api-1 Running") for r in rows)
    assert named.matches(rows[0], "api-1 running") and not named.matches(rows[0], "api-2 running")
    assert blue.describe() == "-l app=api,version!=green" and named.describe() == '-l app=api "api-1"'
    assert selector_filter("nginx") is None and selector_filter("/a.c/") is None  # other parsers' syntax
    with pytest.raises(LabelSelectorError):
        selector_filter("-l a==b==c")
    assert labels_of(object()) == {}
