"""Generate k8stui/demo/data/k8s_types.json.gz: the shape of the built-in Kubernetes types the demo serves.

Kubernetes defines its API types once, in Go (``k8s.io/api/<group>/<version>/types.go`` and
``k8s.io/apimachinery/pkg/apis/meta/v1/types.go``, Apache-2.0). Each struct field's tags say everything the demo
needs: the JSON name and ``omitempty``, the protobuf field number and wire type, whether the Go field is a
pointer (an explicit zero is kept), inlined structs, and the ``+listType``/``+listMapKey``/``patchMergeKey``
markers; ``types_swagger_doc_generated.go`` holds the OpenAPI descriptions. This script reads those files from
checkouts of kubernetes/api and kubernetes/apimachinery and writes one compact, gzipped JSON document that the
demo uses for protobuf request bodies (demo/protobuf.py), field validation, server-side apply list semantics
and OpenAPI/``kubectl explain`` (demo/schema.py, demo/openapi.py).

Usage (from the repository root)::

    python3 tools/gen_k8s_types.py API_REPO APIMACHINERY_REPO

where each argument is a git directory (a bare mirror works: files are read with ``git show HEAD:path``) or a
checked-out work tree. New built-in kinds slot in by adding their package to PACKAGES and re-running.
"""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

# (package key, repository: "api" or "apimachinery", directory, API group, version)
PACKAGES = [
    ("meta/v1", "apimachinery", "pkg/apis/meta/v1", "meta.k8s.io", "v1"),
    ("core/v1", "api", "core/v1", "", "v1"),
    ("apps/v1", "api", "apps/v1", "apps", "v1"),
    ("batch/v1", "api", "batch/v1", "batch", "v1"),
    ("policy/v1", "api", "policy/v1", "policy", "v1"),
    ("rbac/v1", "api", "rbac/v1", "rbac.authorization.k8s.io", "v1"),
    ("storage/v1", "api", "storage/v1", "storage.k8s.io", "v1"),
    ("discovery/v1", "api", "discovery/v1", "discovery.k8s.io", "v1"),
    ("coordination/v1", "api", "coordination/v1", "coordination.k8s.io", "v1"),
    ("networking/v1", "api", "networking/v1", "networking.k8s.io", "v1"),
    ("autoscaling/v1", "api", "autoscaling/v1", "autoscaling", "v1"),
    ("autoscaling/v2", "api", "autoscaling/v2", "autoscaling", "v2"),
    ("authorization/v1", "api", "authorization/v1", "authorization.k8s.io", "v1"),
    ("authentication/v1", "api", "authentication/v1", "authentication.k8s.io", "v1"),
    ("scheduling/v1", "api", "scheduling/v1", "scheduling.k8s.io", "v1"),
    ("events/v1", "api", "events/v1", "events.k8s.io", "v1"),
]
IMPORT_PATHS = {
    "k8s.io/apimachinery/pkg/apis/meta/v1": "meta/v1",
    **{f"k8s.io/api/{d}": key for key, repo, d, _g, _v in PACKAGES if repo == "api"},
}
# Types with their own JSON and protobuf encodings (see demo/protobuf.py).
SPECIAL = {
    ("meta/v1", "Time"): "Time", ("meta/v1", "MicroTime"): "MicroTime", ("meta/v1", "Duration"): "Duration",
    ("meta/v1", "FieldsV1"): "FieldsV1", ("resource", "Quantity"): "Quantity",
    ("intstr", "IntOrString"): "IntOrString", ("runtime", "RawExtension"): "RawExtension",
}
SPECIAL_IMPORTS = {"k8s.io/apimachinery/pkg/api/resource": "resource",
                   "k8s.io/apimachinery/pkg/util/intstr": "intstr", "k8s.io/apimachinery/pkg/runtime": "runtime",
                   "k8s.io/apimachinery/pkg/types": "types"}
SCALARS = {"string": "string", "bool": "bool", "int32": "int32", "int64": "int64", "int": "int64",
           "uint64": "int64", "float64": "double", "[]byte": "bytes"}
# Named types of other packages that are plain scalars.
FOREIGN_SCALARS = {("types", "UID"): "string", ("types", "NodeName"): "string"}

STRUCT_RE = re.compile(r"^type (\w+) struct \{\n(.*?)^\}", re.M | re.S)
NAMED_RE = re.compile(r"^type (\w+) ([^\s{][^\n]*)$", re.M)
FIELD_RE = re.compile(r"^\s*(?:(\w+)\s+)?([\w.*\[\]]+(?:\[[\w.*]+\][\w.*\[\]]+)?)\s+`([^`]*)`", re.M)
TAG_RE = re.compile(r'(\w+):"([^"]*)"')
DOC_MAP_RE = re.compile(r"^var map_(\w+) = map\[string\]string\{\n(.*?)^\}", re.M | re.S)
DOC_ENTRY_RE = re.compile(r'^\s*"([^"]*)":\s*"((?:[^"\\]|\\.)*)",$', re.M)


def read(repo: Path, path: str) -> str | None:
    work = repo / path
    if work.exists():
        return work.read_text()
    proc = subprocess.run(["git", "--git-dir", str(repo), "show", f"HEAD:{path}"], capture_output=True, text=True)
    return proc.stdout if proc.returncode == 0 else None


def imports(src: str) -> dict[str, str]:
    out: dict[str, str] = {}
    block = re.search(r"^import \((.*?)^\)", src, re.M | re.S)
    lines = block.group(1).splitlines() if block else re.findall(r"^import (.*)$", src, re.M)
    for line in lines:
        m = re.match(r'\s*(\w+)?\s*"([^"]+)"', line)
        if not m:
            continue
        path = m.group(2)
        alias = m.group(1) or path.rsplit("/", 1)[-1]
        key = IMPORT_PATHS.get(path) or SPECIAL_IMPORTS.get(path)
        if key:
            out[alias] = key
    return out


def markers(comment: list[str]) -> dict[str, str]:
    out = {}
    for line in comment:
        m = re.match(r"\s*//\s*\+(\w[\w.-]*)(?:=(.*))?$", line)
        if m:
            out.setdefault(m.group(1), (m.group(2) or "").strip())
            if m.group(1) == "listMapKey":
                out["listMapKeys"] = (out.get("listMapKeys", "") + "," + m.group(2).strip()).strip(",")
    return out


class Unresolved(Exception):
    """A Go type from a package this script does not read."""


class Package:
    def __init__(self, key: str, group: str, version: str, sources: list[str], docs: str) -> None:
        self.key, self.group, self.version = key, group, version
        self.structs: dict[str, tuple[str, dict[str, str], str]] = {}  # name -> (body, markers, src)
        self.named: dict[str, tuple[str, str]] = {}  # name -> (go type, src)
        for src in sources:
            for m in STRUCT_RE.finditer(src):
                before = src[:m.start()].splitlines()
                comment = []
                for line in reversed(before):
                    if not line.startswith("//"):
                        break
                    comment.insert(0, line)
                self.structs[m.group(1)] = (m.group(2), markers(comment), src)
            for m in NAMED_RE.finditer(src):
                if m.group(1) not in self.structs:
                    self.named[m.group(1)] = (m.group(2).strip(), src)
        self.docs: dict[str, dict[str, str]] = {}
        for m in DOC_MAP_RE.finditer(docs or ""):
            self.docs[m.group(1)] = {e.group(1): json.loads(f'"{e.group(2)}"')
                                     for e in DOC_ENTRY_RE.finditer(m.group(2))}


def main(api_repo: Path, machinery_repo: Path, out: Path) -> None:
    packages: dict[str, Package] = {}
    for key, repo_name, directory, group, version in PACKAGES:
        repo = api_repo if repo_name == "api" else machinery_repo
        names = ["types.go"] + (["time.go", "micro_time.go", "duration.go"] if key == "meta/v1" else [])
        sources = [s for s in (read(repo, f"{directory}/{n}") for n in names) if s]
        packages[key] = Package(key, group, version, sources, read(repo, f"{directory}/types_swagger_doc_generated.go") or "")

    types: dict[str, dict] = {}
    skipped: list[str] = []
    kinds: dict[str, str] = {}

    def resolve(pkg: Package, go: str, src: str) -> object:
        """A Go type expression as the type spec the demo reads."""
        if go.startswith("*"):
            return resolve(pkg, go[1:], src)
        if go in SCALARS:
            return SCALARS[go]
        if go.startswith("[]"):
            return ["list", resolve(pkg, go[2:], src)]
        if go.startswith("map["):
            value = go[go.index("]") + 1:]
            return ["map", resolve(pkg, value, src)]
        if "." in go:
            alias, name = go.split(".", 1)
            target = imports(src).get(alias)
            if (target, name) in SPECIAL:
                return SPECIAL[(target, name)]
            if (target, name) in FOREIGN_SCALARS:
                return FOREIGN_SCALARS[(target, name)]
            if target in packages:
                return resolve_named(packages[target], name)
            raise Unresolved(f"{go} in {pkg.key}")
        return resolve_named(pkg, go)

    def resolve_named(pkg: Package, name: str) -> object:
        if (pkg.key, name) in SPECIAL:
            return SPECIAL[(pkg.key, name)]
        if name in pkg.structs:
            qualified = f"{pkg.key}.{name}"
            if qualified not in types:
                types[qualified] = {}  # placeholder against recursion (JSONSchemaProps-like types)
                types[qualified] = build_struct(pkg, name)
            return qualified
        if name in pkg.named:
            go, src = pkg.named[name]
            spec = resolve(pkg, go, src)
            if isinstance(spec, list) and spec[0] == "list" and spec[1] != "bytes":
                # go-to-protobuf wraps a named slice in a message with ``repeated items = 1``
                return ["list", spec[1], "wrapped"]
            return spec
        raise Unresolved(f"{name} in {pkg.key}")

    def build_struct(pkg: Package, name: str) -> dict:
        body, marks, src = pkg.structs[name]
        docs = pkg.docs.get(name, {})
        fields = []
        lines = body.splitlines()
        for i, line in enumerate(lines):
            m = FIELD_RE.match(line)
            if not m:
                continue
            go_name, go_type, tag = m.group(1), m.group(2), m.group(3)
            tags = dict(TAG_RE.findall(tag))
            json_tag = tags.get("json")
            if json_tag is None or json_tag == "-" and "protobuf" not in tags:
                continue
            jparts = (json_tag or "").split(",")
            jname = jparts[0]
            inline = go_name is None and (jname == "" or "inline" in jparts)
            if go_type in ("metav1.TypeMeta", "TypeMeta") and inline:
                # JSON-only (not in protobuf): objects embedded whole (volumeClaimTemplates) carry them
                type_docs = packages["meta/v1"].docs.get("TypeMeta", {})
                fields += [{"t": "string", "n": "apiVersion", "o": 1, "d": type_docs.get("apiVersion", "")},
                           {"t": "string", "n": "kind", "o": 1, "d": type_docs.get("kind", "")}]
                continue
            proto = tags.get("protobuf", "")
            pparts = proto.split(",") if proto and proto != "-" else []
            comment = []
            for prev in reversed(lines[:i]):
                if not prev.strip().startswith("//"):
                    break
                comment.insert(0, prev)
            fm = markers(comment)
            try:
                entry: dict = {"t": resolve(pkg, go_type, src)}
            except Unresolved as exc:  # a field of a package not listed (alpha APIs): not served
                skipped.append(f"{pkg.key}.{name}.{jname}: {exc}")
                continue
            if jname:
                entry["n"] = jname
            if pparts:
                entry["p"] = int(pparts[1])
            if go_type.startswith("*"):
                entry["ptr"] = 1
            if "omitempty" in jparts:
                entry["o"] = 1
            if inline:
                entry["inline"] = 1
            if jname == "-" or jparts[0] == "-":
                entry["raw"] = 1  # FieldsV1.Raw: the field is the whole JSON value
            if fm.get("listType"):
                entry["lt"] = fm["listType"]
            if fm.get("listMapKeys"):
                entry["lk"] = fm["listMapKeys"].split(",")
            if tags.get("patchMergeKey"):
                entry["pk"] = tags["patchMergeKey"]
            if tags.get("patchStrategy"):
                entry["ps"] = tags["patchStrategy"]
            if fm.get("mapType"):
                entry["mt"] = fm["mapType"]
            if fm.get("structType"):
                entry["st"] = fm["structType"]
            if "optional" not in fm and ("required" in fm or ("omitempty" not in jparts and not go_type.startswith("*")
                                                              and jname and not inline)):
                entry["req"] = 1
            doc = docs.get(jname) if jname else None
            if doc:
                entry["d"] = doc
            fields.append(entry)
        out: dict = {"f": fields}
        if docs.get(""):
            out["d"] = docs[""]
        if marks.get("structType"):
            out["st"] = marks["structType"]
        if re.search(r"^\s*(metav1\.)?TypeMeta\s+`", body, re.M) and pkg.group != "meta.k8s.io" or (
                pkg.key == "meta/v1" and name in ("DeleteOptions", "Status", "PartialObjectMetadata",
                                                  "PartialObjectMetadataList", "Table", "WatchEvent")):
            kinds[f"{pkg.group}/{pkg.version}/{name}" if pkg.group else f"v1/{name}"] = f"{pkg.key}.{name}"
        return out

    for pkg in packages.values():
        if pkg.key == "meta/v1":
            for name in ("ObjectMeta", "ListMeta", "DeleteOptions", "LabelSelector", "Status", "OwnerReference",
                         "PartialObjectMetadata", "PartialObjectMetadataList", "Condition"):
                resolve_named(pkg, name)
            continue
        for name in pkg.structs:
            resolve_named(pkg, name)
    doc = {"source": "k8s.io/api and k8s.io/apimachinery types.go (Apache-2.0), tools/gen_k8s_types.py",
           "kinds": dict(sorted(kinds.items())), "types": dict(sorted(types.items()))}
    data = json.dumps(doc, separators=(",", ":"), sort_keys=False).encode()
    out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(out, "wb", mtime=0) as fh:
        fh.write(data)
    for line in skipped:
        print("skipped", line)
    print(f"{len(types)} types, {len(kinds)} kinds, {len(data)} bytes JSON, {out.stat().st_size} gzipped -> {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]),
         Path(sys.argv[3]) if len(sys.argv) > 3 else Path("k8stui/demo/data/k8s_types.json.gz"))
