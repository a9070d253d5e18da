"""The simulated container behind ``kubectl exec``: a small POSIX-ish shell over a read-only virtual filesystem.

What a user sees in a real container is made from the pod in the store: ``hostname`` is the pod name, ``env``
the container's environment (literal values, ``valueFrom`` ConfigMap/Secret/field references and ``envFrom``
resolved, plus the service-link variables kubelet injects), ``cat`` reads ``/etc/os-release``,
``/etc/hostname``, ``/etc/hosts``, ``/etc/resolv.conf``, mounted ConfigMaps and Secrets under their
``mountPath`` and the service-account files (the token is an obviously fake JWT: the demo never hands out a
credential). ``ps`` shows the container's main process.

The shell is transport-free: it reads stdin chunks from a queue and writes through two async callables, so
the websocket (v4/v5) and SPDY transports in ``exec.py`` share it. With a TTY it echoes and edits the line
(backspace, ctrl-c, ctrl-u, ctrl-d) and prints a prompt, as busybox ``sh`` does; without one it reads lines
silently, so ``echo hostname | kubectl exec -i POD -- sh`` works too.
"""

from __future__ import annotations

import asyncio
import base64
import json
import posixpath
import shlex
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from .resources import CONFIGMAPS, SECRETS, SERVICES

Obj = dict[str, Any]
Writer = Callable[[bytes], Awaitable[None]]

SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SHELLS = ("sh", "/bin/sh", "bash", "/bin/bash", "ash", "/bin/ash", "/bin/busybox", "busybox")


class ExecNotFound(Exception):
    """The command given to exec (not to a shell) does not exist in the container, as the runtime says."""


@dataclass
class TermSize:
    width: int = 80
    height: int = 24


@dataclass
class Container:
    """Everything the shell knows about the container it runs in (built once per session)."""

    pod: Obj
    spec: Obj
    env: dict[str, str]
    files: dict[str, bytes]
    main_process: str
    started: float = field(default_factory=time.time)

    @property
    def name(self) -> str:
        return str(self.spec.get("name", ""))

    @property
    def hostname(self) -> str:
        return str(self.pod["metadata"]["name"])[:63]

    def dirs(self) -> set[str]:
        out = {"/", "/bin", "/dev", "/etc", "/home", "/proc", "/root", "/sys", "/tmp", "/usr", "/usr/bin",
               "/usr/local", "/usr/local/bin", "/var", "/var/log", "/var/run", "/app"}
        for path in self.files:
            parent = posixpath.dirname(path)
            while parent not in ("", "/"):
                out.add(parent)
                parent = posixpath.dirname(parent)
        return out


# -- building the container's view ---------------------------------------------------------------------------

def _os_release(image: str) -> bytes:
    if "alpine" in image:
        return (b'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME="Alpine Linux v3.20"\n'
                b'HOME_URL="https://alpinelinux.org/"\nBUG_REPORT_URL="https://gitlab.alpinelinux.org/alpine/aports/-/issues"\n')
    return (b'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\n'
            b'VERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\nHOME_URL="https://www.debian.org/"\n'
            b'SUPPORT_URL="https://www.debian.org/support"\nBUG_REPORT_URL="https://bugs.debian.org/"\n')


def fake_token(namespace: str, service_account: str) -> bytes:
    """A JWT-shaped string with a signature that says what it is: nothing in the demo accepts it."""
    def b64(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")
    header = b64({"alg": "RS256", "kid": "demo"})
    claims = b64({"aud": ["https://kubernetes.default.svc.cluster.local"], "iss": "https://kubernetes.default.svc",
                  "sub": f"system:serviceaccount:{namespace}:{service_account}",
                  "kubernetes.io": {"namespace": namespace, "serviceaccount": {"name": service_account}}})
    return f"{header}.{claims}.demo-token-not-a-real-signature".encode()


def _lookup(store: Any, rt: Any, namespace: str, name: str) -> Obj | None:
    try:
        return store.get(rt, namespace, name)
    except Exception:  # noqa: BLE001 - a missing or odd object simply contributes nothing
        return None


def _secret_value(secret: Obj, key: str) -> str | None:
    raw = (secret.get("data") or {}).get(key)
    if raw is not None:
        try:
            return base64.b64decode(raw).decode("utf-8", "replace")
        except (ValueError, TypeError):
            return None
    value = (secret.get("stringData") or {}).get(key)
    return None if value is None else str(value)


def _field_ref(pod: Obj, path: str) -> str:
    meta, spec, status = pod.get("metadata") or {}, pod.get("spec") or {}, pod.get("status") or {}
    simple = {"metadata.name": meta.get("name"), "metadata.namespace": meta.get("namespace"),
              "metadata.uid": meta.get("uid"), "spec.nodeName": spec.get("nodeName"),
              "spec.serviceAccountName": spec.get("serviceAccountName", "default"),
              "status.podIP": status.get("podIP"), "status.hostIP": status.get("hostIP")}
    if path in simple:
        return str(simple[path] or "")
    for prefix, source in (("metadata.labels['", meta.get("labels")), ("metadata.annotations['", meta.get("annotations"))):
        if path.startswith(prefix) and path.endswith("']"):
            return str((source or {}).get(path[len(prefix):-2], ""))
    return ""


def _service_links(store: Any, namespace: str) -> dict[str, str]:
    """The ``{SVC}_SERVICE_HOST``/``_PORT`` variables kubelet injects (enableServiceLinks defaults to true)."""
    out: dict[str, str] = {}
    try:
        services = store.list(SERVICES, namespace)
    except Exception:  # noqa: BLE001
        return out
    for svc in services:
        spec = svc.get("spec") or {}
        ip = spec.get("clusterIP")
        ports = spec.get("ports") or []
        if not ip or ip == "None" or not ports:
            continue
        prefix = svc["metadata"]["name"].upper().replace("-", "_")
        first = ports[0]
        out[f"{prefix}_SERVICE_HOST"] = ip
        out[f"{prefix}_SERVICE_PORT"] = str(first.get("port", ""))
        proto = str(first.get("protocol", "TCP"))
        out[f"{prefix}_PORT"] = f"{proto.lower()}://{ip}:{first.get('port', '')}"
    return out


def container_env(store: Any, pod: Obj, spec: Obj) -> dict[str, str]:
    """The environment a process in the container starts with, in the order ``env`` prints it."""
    namespace = pod["metadata"].get("namespace", "default")
    env: dict[str, str] = {"PATH": PATH, "HOSTNAME": str(pod["metadata"]["name"])[:63]}
    env.update(_service_links(store, namespace))
    env.update({"KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443",
                "KUBERNETES_SERVICE_PORT_HTTPS": "443", "KUBERNETES_PORT": "tcp://10.0.0.1:443"})
    for source in spec.get("envFrom") or []:
        prefix = str(source.get("prefix", ""))
        if source.get("configMapRef"):
            cm = _lookup(store, CONFIGMAPS, namespace, source["configMapRef"].get("name", ""))
            for k, v in ((cm or {}).get("data") or {}).items():
                env[prefix + k] = str(v)
        elif source.get("secretRef"):
            secret = _lookup(store, SECRETS, namespace, source["secretRef"].get("name", ""))
            for k in ((secret or {}).get("data") or {}):
                value = _secret_value(secret or {}, k)
                if value is not None:
                    env[prefix + k] = value
    for var in spec.get("env") or []:
        name = str(var.get("name", ""))
        if not name:
            continue
        if "value" in var:
            env[name] = _expand_refs(str(var.get("value") or ""), env)
            continue
        ref = var.get("valueFrom") or {}
        value: str | None = None
        if ref.get("configMapKeyRef"):
            r = ref["configMapKeyRef"]
            cm = _lookup(store, CONFIGMAPS, namespace, r.get("name", ""))
            value = ((cm or {}).get("data") or {}).get(r.get("key", ""))
        elif ref.get("secretKeyRef"):
            r = ref["secretKeyRef"]
            secret = _lookup(store, SECRETS, namespace, r.get("name", ""))
            value = _secret_value(secret, r.get("key", "")) if secret else None
        elif ref.get("fieldRef"):
            value = _field_ref(pod, str(ref["fieldRef"].get("fieldPath", "")))
        elif ref.get("resourceFieldRef"):
            value = _resource_field(spec, ref["resourceFieldRef"])
        if value is not None:
            env[name] = str(value)
    env.setdefault("HOME", "/root")
    return env


def _resource_field(spec: Obj, ref: Obj) -> str:
    from ..cluster.quantity import parse_quantity  # the app's quantity parser; no Textual involved

    resource = str(ref.get("resource", ""))
    kind, _, what = resource.partition(".")
    raw = ((spec.get("resources") or {}).get(kind) or {}).get(what)
    if raw is None:
        return "0"
    try:
        value = parse_quantity(str(raw))
    except (ValueError, TypeError):
        return str(raw)
    if what == "cpu":
        return str(max(1, int(-(-value // 1))))
    return str(int(value))


def _expand_refs(value: str, env: dict[str, str]) -> str:
    """``$(VAR)`` references in env values, as kubelet expands them."""
    out, i = [], 0
    while i < len(value):
        if value.startswith("$(", i):
            end = value.find(")", i)
            if end > 0 and value[i + 2:end] in env:
                out.append(env[value[i + 2:end]])
                i = end + 1
                continue
        out.append(value[i])
        i += 1
    return "".join(out)


def _volume_files(store: Any, pod: Obj, spec: Obj) -> dict[str, bytes]:
    namespace = pod["metadata"].get("namespace", "default")
    volumes = {v.get("name"): v for v in (pod.get("spec") or {}).get("volumes") or []}
    files: dict[str, bytes] = {}
    for mount in spec.get("volumeMounts") or []:
        volume = volumes.get(mount.get("name"))
        base = str(mount.get("mountPath", "")).rstrip("/")
        if not volume or not base:
            continue
        entries: dict[str, bytes] = {}
        if volume.get("configMap"):
            cm = _lookup(store, CONFIGMAPS, namespace, volume["configMap"].get("name", "")) or {}
            data = {k: str(v).encode() for k, v in (cm.get("data") or {}).items()}
            data.update({k: base64.b64decode(v) for k, v in (cm.get("binaryData") or {}).items()})
            entries = _project(data, volume["configMap"].get("items"))
        elif volume.get("secret"):
            secret = _lookup(store, SECRETS, namespace, volume["secret"].get("secretName", "")) or {}
            data = {k: (_secret_value(secret, k) or "").encode() for k in (secret.get("data") or {})}
            entries = _project(data, volume["secret"].get("items"))
        elif volume.get("emptyDir") is not None:
            entries = {}
        sub = mount.get("subPath")
        if sub:
            if sub in entries:
                files[base] = entries[sub]
            continue
        for rel, content in entries.items():
            files[f"{base}/{rel}"] = content
    return files


def _project(data: dict[str, bytes], items: list[Obj] | None) -> dict[str, bytes]:
    if not items:
        return data
    return {str(i.get("path") or i.get("key")): data[i["key"]] for i in items if i.get("key") in data}


def build_container(store: Any, pod: Obj, spec: Obj) -> Container:
    meta, pspec, status = pod["metadata"], pod.get("spec") or {}, pod.get("status") or {}
    namespace = meta.get("namespace", "default")
    name = str(meta["name"])[:63]
    ip = status.get("podIP") or "10.244.0.10"
    image = str(spec.get("image", ""))
    files: dict[str, bytes] = {
        "/etc/os-release": _os_release(image),
        "/etc/hostname": f"{name}\n".encode(),
        "/etc/hosts": (f"# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost "
                       f"ip6-loopback\n{ip}\t{name}\n").encode(),
        "/etc/resolv.conf": (f"search {namespace}.svc.cluster.local svc.cluster.local cluster.local\n"
                             "nameserver 10.0.0.10\noptions ndots:5\n").encode(),
        "/etc/passwd": b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
        "/proc/version": b"Linux version 5.15.0-1079-azure (buildd@lcy02-amd64-059) (gcc 11.4.0) #88-Ubuntu SMP\n",
    }
    if pspec.get("automountServiceAccountToken", True) is not False:
        sa = str(pspec.get("serviceAccountName") or "default")
        files[f"{SA_DIR}/token"] = fake_token(namespace, sa)
        files[f"{SA_DIR}/namespace"] = namespace.encode()
        files[f"{SA_DIR}/ca.crt"] = (b"-----BEGIN CERTIFICATE-----\nMIIBdemoCAnotArealCertificateJustForShow0=\n"
                                     b"-----END CERTIFICATE-----\n")
    files.update(_volume_files(store, pod, spec))
    command = [*(spec.get("command") or []), *(spec.get("args") or [])]
    if not spec.get("command"):
        short = image.rsplit("/", 1)[-1].split(":", 1)[0].split("@", 1)[0] or "app"
        command = [f"/app/{short}", *(spec.get("args") or [])]
    main = " ".join(command)
    files.setdefault(command[0] if command[0].startswith("/") else f"/app/{command[0]}", b"\x7fELF")
    return Container(pod, spec, container_env(store, pod, spec), files, main)


# -- the shell -----------------------------------------------------------------------------------------------

class ShellExit(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class Shell:
    """One exec session: runs ``command`` (argv) against ``container``; ``await run()`` returns the exit code.

    ``stdin`` yields chunks and ``None`` at end of input; ``out``/``err`` write bytes. With ``tty`` the output
    uses CRLF line ends and stderr is merged into stdout, as on a real terminal.
    """

    BUILTINS = ("cat", "cd", "clear", "date", "echo", "env", "exit", "false", "grep", "head", "hostname", "id",
                "ls", "printenv", "ps", "pwd", "sleep", "sort", "stty", "tail", "tar", "true", "uname", "wc", "whoami")

    def __init__(self, container: Container, stdin: asyncio.Queue[bytes | None] | None, out: Writer, err: Writer,
                 *, tty: bool = False, size: TermSize | None = None) -> None:
        self.c = container
        self.stdin = stdin
        self._out = out
        self._err = err
        self._w_out: Writer = self._term_out  # where the running command's stdout/stderr go (pipes, redirections)
        self._w_err: Writer = self._term_err
        self.tty = tty
        self.size = size or TermSize()
        self.cwd = "/"
        self.status = 0
        self._pending = b""

    # output ------------------------------------------------------------------------------------------------
    async def _term_out(self, data: bytes) -> None:
        if self.tty:
            data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        if data:
            await self._out(data)

    async def _term_err(self, data: bytes) -> None:
        if self.tty:
            await self._term_out(data)
        elif data:
            await self._err(data)

    async def out(self, text: str | bytes) -> None:
        await self._w_out(text.encode() if isinstance(text, str) else text)

    async def err(self, text: str) -> None:
        await self._w_err(text.encode())

    # entry -------------------------------------------------------------------------------------------------
    async def run(self, argv: list[str]) -> int:
        if not argv:
            argv = ["sh"]
        try:
            if argv[0] in SHELLS:
                return await self._sh(argv[1:])
            if argv[0] not in self.BUILTINS and not self._is_file(argv[0]):
                raise ExecNotFound(argv[0])
            return await self._command(argv)
        except ShellExit as done:
            return done.code

    async def _sh(self, args: list[str]) -> int:
        if args and args[0] == "-c":
            if len(args) < 2:
                await self.err("sh: -c requires an argument\n")
                return 2
            return await self.script(args[1])
        if args and not args[0].startswith("-"):
            await self.err(f"sh: can't open '{args[0]}': No such file or directory\n")
            return 2
        return await self.interactive()

    async def script(self, text: str) -> int:
        """Run command lines: ``;``/``&&``/``||`` lists of ``|`` pipelines of simple commands, with ``$VAR``
        expansion and the common redirections (``>&2``, ``2>&1``, ``>/dev/null``, ``< file``)."""
        for line in text.splitlines() or [""]:
            try:
                tokens = self._tokens(line)
            except ValueError as exc:
                await self.err(f"sh: syntax error: {exc}\n")
                self.status = 2
                continue
            skip = False
            pipeline: list[list[str]] = [[]]
            for tok in [*tokens, ";"]:
                if tok == "|":
                    pipeline.append([])
                elif tok in (";", "&&", "||", "&"):
                    if any(pipeline) and not skip:
                        self.status = await self._pipeline(pipeline)
                    pipeline = [[]]
                    skip = (tok == "&&" and self.status != 0) or (tok == "||" and self.status == 0)
                else:
                    pipeline[-1].append(tok)
        return self.status

    @staticmethod
    def _tokens(line: str) -> list[str]:
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|<>")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        return list(lexer)

    async def _pipeline(self, stages: list[list[str]]) -> int:
        code = 0
        piped: bytes | None = None
        for i, stage in enumerate(stages):
            last = i == len(stages) - 1
            captured = bytearray()

            async def into_pipe(data: bytes, buf: bytearray = captured) -> None:
                buf.extend(data)

            stdin = self.stdin
            if piped is not None:
                stdin = asyncio.Queue()
                stdin.put_nowait(piped)
                stdin.put_nowait(None)
            code = await self._stage(stage, self._term_out if last else into_pipe, stdin)
            piped = bytes(captured)
        return code

    async def _stage(self, words: list[str], out: Writer, stdin: asyncio.Queue[bytes | None] | None) -> int:
        async def discard(data: bytes) -> None:
            return None

        argv: list[str] = []
        w_out, w_err = out, self._term_err
        i = 0
        while i < len(words):
            word = words[i]
            fd = None
            if word in ("1", "2") and i + 1 < len(words) and words[i + 1] in (">", ">>", ">&"):
                fd, i = int(word), i + 1
                word = words[i]
            if word in (">", ">>", ">&", "<"):
                target = words[i + 1] if i + 1 < len(words) else ""
                i += 2
                if not target:
                    await self.err("sh: syntax error: unexpected newline\n")
                    return 2
                if word == "<":
                    path = self._path(self._expand(target))
                    if path not in self.c.files:
                        await self.err(f"sh: can't open {target}: no such file\n")
                        return 1
                    stdin = asyncio.Queue()
                    stdin.put_nowait(self.c.files[path])
                    stdin.put_nowait(None)
                    continue
                if word == ">&":
                    sink = self._term_err if target == "2" else (w_out if target == "1" else None)
                elif target == "/dev/null":
                    sink = discard
                else:
                    await self.err(f"sh: can't create {target}: Read-only file system\n")
                    return 1
                if sink is None:
                    await self.err(f"sh: {target}: bad file descriptor\n")
                    return 1
                if fd == 2:
                    w_err = sink
                else:
                    w_out = sink
                continue
            argv.append(self._expand(word))
            i += 1
        if not argv:
            return 0
        saved = (self._w_out, self._w_err, self.stdin)
        self._w_out, self._w_err, self.stdin = w_out, w_err, stdin
        try:
            return await self._command(argv)
        finally:
            self._w_out, self._w_err, self.stdin = saved

    def _expand(self, word: str) -> str:
        if "$" not in word:
            return word
        out, i = [], 0
        while i < len(word):
            ch = word[i]
            if ch != "$" or i + 1 >= len(word):
                out.append(ch)
                i += 1
                continue
            if word[i + 1] == "?":
                out.append(str(self.status))
                i += 2
                continue
            if word[i + 1] == "{":
                end = word.find("}", i)
                if end > 0:
                    out.append(self.c.env.get(word[i + 2:end], ""))
                    i = end + 1
                    continue
            j = i + 1
            while j < len(word) and (word[j].isalnum() or word[j] == "_"):
                j += 1
            if j == i + 1:
                out.append(ch)
                i += 1
                continue
            out.append(self.c.env.get(word[i + 1:j], ""))
            i = j
        return "".join(out)

    # interactive -------------------------------------------------------------------------------------------
    def prompt(self) -> str:
        return f"{self.cwd} # "

    async def interactive(self) -> int:
        if self.tty:
            await self.out(self.prompt())
        line = bytearray()
        escape = 0
        while True:
            chunk = await self._read()
            if chunk is None:
                if not self.tty and line.strip():
                    await self.script(line.decode("utf-8", "replace"))
                return self.status
            for byte in chunk:
                if not self.tty:
                    if byte == 0x0A:
                        await self.script(line.decode("utf-8", "replace"))
                        line.clear()
                    else:
                        line.append(byte)
                    continue
                if escape:  # swallow cursor keys and other escape sequences
                    escape = 0 if (escape > 1 and 0x40 <= byte <= 0x7E) else escape + 1
                    if escape == 2 and byte not in (0x5B, 0x4F):
                        escape = 0
                    continue
                if byte == 0x1B:
                    escape = 1
                elif byte in (0x0D, 0x0A):
                    await self.out("\n")
                    text = line.decode("utf-8", "replace")
                    line.clear()
                    await self.script(text)
                    await self.out(self.prompt())
                elif byte in (0x7F, 0x08):
                    if line:
                        del line[-1]
                        while line and (line[-1] & 0xC0) == 0x80:  # a whole UTF-8 character
                            del line[-1]
                        await self._out(b"\b \b")
                elif byte == 0x03:
                    line.clear()
                    self.status = 130
                    await self.out("^C\n" + self.prompt())
                elif byte == 0x15:
                    if line:
                        await self._out(b"\b \b" * len(line.decode("utf-8", "replace")))
                    line.clear()
                elif byte == 0x04:
                    if not line:
                        await self.out("exit\n")
                        return self.status
                elif byte == 0x0C:
                    await self._out(b"\x1b[H\x1b[2J" + self.prompt().encode())
                elif byte >= 0x20 or byte == 0x09:
                    line.append(byte)
                    await self._out(bytes([byte]))

    async def _read(self) -> bytes | None:
        if self.stdin is None:
            return None
        return await self.stdin.get()

    # commands ----------------------------------------------------------------------------------------------
    def _path(self, name: str) -> str:
        return posixpath.normpath(posixpath.join(self.cwd, name)) if name else self.cwd

    def _is_file(self, name: str) -> bool:
        return name.startswith("/") and name in self.c.files

    async def _command(self, argv: list[str]) -> int:
        name, args = argv[0], argv[1:]
        base = posixpath.basename(name) if name.startswith("/") else name
        if name.startswith("/") and name in self.c.files and base not in self.BUILTINS and base not in ("sh", "bash"):
            await self.err(f"sh: {name}: Text file busy\n" if name.startswith("/app/") else
                           f"sh: {name}: Permission denied\n")
            return 126
        if base in ("sh", "bash", "ash"):
            sub = Shell(self.c, self.stdin, self._out, self._err, tty=self.tty, size=self.size)
            sub.cwd, sub._w_out, sub._w_err = self.cwd, self._w_out, self._w_err
            try:
                return await sub._sh(args)
            except ShellExit as done:
                return done.code
        handler = getattr(self, f"_cmd_{base}", None)
        if handler is None:
            await self.err(f"sh: {name}: not found\n")
            return 127
        return await handler(args)

    async def _cmd_exit(self, args: list[str]) -> int:
        code = self.status
        if args:
            try:
                code = int(args[0]) & 0xFF
            except ValueError:
                await self.err(f"sh: exit: Illegal number: {args[0]}\n")
                code = 2
        raise ShellExit(code)

    async def _cmd_true(self, args: list[str]) -> int:
        return 0

    async def _cmd_false(self, args: list[str]) -> int:
        return 1

    async def _cmd_hostname(self, args: list[str]) -> int:
        if args and args[0] in ("-i", "-I"):
            await self.out(f"{(self.c.pod.get('status') or {}).get('podIP', '')}\n")
        else:
            await self.out(f"{self.c.hostname}\n")
        return 0

    async def _cmd_whoami(self, args: list[str]) -> int:
        await self.out("root\n")
        return 0

    async def _cmd_id(self, args: list[str]) -> int:
        await self.out("uid=0(root) gid=0(root) groups=0(root)\n")
        return 0

    async def _cmd_uname(self, args: list[str]) -> int:
        if args and args[0] in ("-a", "--all"):
            await self.out(f"Linux {self.c.hostname} 5.15.0-1079-azure #88-Ubuntu SMP x86_64 GNU/Linux\n")
        elif args and args[0] == "-r":
            await self.out("5.15.0-1079-azure\n")
        else:
            await self.out("Linux\n")
        return 0

    async def _cmd_date(self, args: list[str]) -> int:
        await self.out(time.strftime("%a %b %e %H:%M:%S UTC %Y\n", time.gmtime()))
        return 0

    async def _cmd_clear(self, args: list[str]) -> int:
        await self.out(b"\x1b[H\x1b[2J")
        return 0

    async def _cmd_pwd(self, args: list[str]) -> int:
        await self.out(self.cwd + "\n")
        return 0

    async def _cmd_cd(self, args: list[str]) -> int:
        target = self._path(args[0] if args else self.c.env.get("HOME", "/root"))
        if target in self.c.files:
            await self.err(f"sh: cd: can't cd to {args[0]}: Not a directory\n")
            return 2
        if target not in self.c.dirs():
            await self.err(f"sh: cd: can't cd to {args[0] if args else target}: No such file or directory\n")
            return 2
        self.cwd = target
        return 0

    async def _cmd_echo(self, args: list[str]) -> int:
        newline = True
        if args and args[0] == "-n":
            newline, args = False, args[1:]
        await self.out(" ".join(args) + ("\n" if newline else ""))
        return 0

    async def _cmd_env(self, args: list[str]) -> int:
        if args:
            await self.err(f"env: can't execute '{args[0]}': No such file or directory\n")
            return 127
        await self.out("".join(f"{k}={v}\n" for k, v in self.c.env.items()))
        return 0

    async def _cmd_printenv(self, args: list[str]) -> int:
        if not args:
            return await self._cmd_env([])
        found = [self.c.env[a] for a in args if a in self.c.env]
        await self.out("".join(f"{v}\n" for v in found))
        return 0 if len(found) == len(args) else 1

    async def _cmd_cat(self, args: list[str]) -> int:
        code = 0
        for name in args:
            path = self._path(name)
            if path in self.c.files:
                await self.out(self.c.files[path])
            elif path in self.c.dirs():
                await self.err("cat: read error: Is a directory\n")
                code = 1
            else:
                await self.err(f"cat: can't open '{name}': No such file or directory\n")
                code = 1
        if not args:
            while (chunk := await self._read()) is not None:
                await self.out(chunk)
        return code

    def _children(self, directory: str) -> list[tuple[str, bool]]:
        prefix = directory.rstrip("/") + "/"
        names: dict[str, bool] = {}
        for d in self.c.dirs():
            if d.startswith(prefix) and d != directory and "/" not in d[len(prefix):]:
                names[d[len(prefix):]] = True
        for f in self.c.files:
            if f.startswith(prefix) and "/" not in f[len(prefix):]:
                names.setdefault(f[len(prefix):], False)
        if directory == "/bin":
            names.update({c: False for c in (*self.BUILTINS, "sh", "busybox")})
        return sorted(names.items())

    async def _cmd_ls(self, args: list[str]) -> int:
        flags = "".join(a[1:] for a in args if a.startswith("-"))
        targets = [a for a in args if not a.startswith("-")] or ["."]
        code = 0
        for i, name in enumerate(targets):
            path = self._path(name)
            if path in self.c.files:
                await self.out(self._ls_line(name, False, len(self.c.files[path])) if "l" in flags else name + "\n")
                continue
            if path not in self.c.dirs():
                await self.err(f"ls: {name}: No such file or directory\n")
                code = 1
                continue
            if len(targets) > 1:
                await self.out(("\n" if i else "") + f"{name}:\n")
            entries = self._children(path)
            if "a" in flags:
                entries = [(".", True), ("..", True), *entries]
            if "l" in flags:
                await self.out(f"total {len(entries) * 4}\n")
                for entry, is_dir in entries:
                    size = 4096 if is_dir else len(self.c.files.get(posixpath.join(path, entry), b""))
                    await self.out(self._ls_line(entry, is_dir, size))
            elif entries:
                await self.out(self._columns([e for e, _ in entries]))
        return code

    def _ls_line(self, name: str, is_dir: bool, size: int) -> str:
        mode = "drwxr-xr-x" if is_dir else "-rw-r--r--"
        stamp = time.strftime("%b %e %H:%M", time.gmtime(self.c.started))
        return f"{mode}    2 root     root     {size:>8} {stamp} {name}\n"

    def _columns(self, names: list[str]) -> str:
        if not self.tty:
            return "".join(n + "\n" for n in names)
        width = max(len(n) for n in names) + 2
        per_line = max(1, self.size.width // width)
        rows = [names[i:i + per_line] for i in range(0, len(names), per_line)]
        return "".join("".join(n.ljust(width) for n in row).rstrip() + "\n" for row in rows)

    async def _cmd_ps(self, args: list[str]) -> int:
        up = max(0, int(time.time() - self.c.started))
        lines = ["PID   USER     TIME  COMMAND",
                 f"    1 root      {up // 60}:{up % 60:02d} {self.c.main_process}",
                 "   17 root      0:00 sh",
                 "   23 root      0:00 ps " + " ".join(args)]
        await self.out("\n".join(line.rstrip() for line in lines) + "\n")
        return 0

    async def _cmd_sleep(self, args: list[str]) -> int:
        try:
            seconds = float(args[0]) if args else 0.0
        except ValueError:
            await self.err(f"sleep: invalid number '{args[0]}'\n")
            return 1
        await asyncio.sleep(min(seconds, 3600))
        return 0

    async def _cmd_stty(self, args: list[str]) -> int:
        if args and args[0] == "size":
            if not self.tty:
                await self.err("stty: standard input: Not a tty\n")
                return 1
            await self.out(f"{self.size.height} {self.size.width}\n")
            return 0
        return 0

    # filters (for pipelines) ----------------------------------------------------------------------------------
    async def _input_lines(self, files: list[str]) -> list[str] | None:
        data = bytearray()
        if files:
            for name in files:
                path = self._path(name)
                if path not in self.c.files:
                    await self.err(f"{name}: No such file or directory\n")
                    return None
                data += self.c.files[path]
        else:
            while (chunk := await self._read()) is not None:
                data += chunk
        return data.decode("utf-8", "replace").splitlines()

    @staticmethod
    def _count_option(args: list[str], default: int) -> tuple[int, list[str]]:
        count, rest, i = default, [], 0
        while i < len(args):
            if args[i] == "-n" and i + 1 < len(args):
                count, i = int(args[i + 1]) if args[i + 1].lstrip("-").isdigit() else default, i + 2
            elif args[i].startswith("-") and args[i][1:].isdigit():
                count, i = int(args[i][1:]), i + 1
            else:
                rest.append(args[i])
                i += 1
        return count, rest

    async def _cmd_grep(self, args: list[str]) -> int:
        flags = "".join(a[1:] for a in args if a.startswith("-") and len(a) > 1)
        rest = [a for a in args if not (a.startswith("-") and len(a) > 1)]
        if not rest:
            await self.err("Usage: grep [-iv] PATTERN [FILE]...\n")
            return 2
        pattern, files = rest[0], rest[1:]
        lines = await self._input_lines(files)
        if lines is None:
            return 2
        needle = pattern.lower() if "i" in flags else pattern
        hits = [ln for ln in lines if ((needle in ln.lower()) if "i" in flags else (needle in ln)) != ("v" in flags)]
        await self.out("".join(h + "\n" for h in hits))
        return 0 if hits else 1

    async def _cmd_head(self, args: list[str]) -> int:
        count, files = self._count_option(args, 10)
        lines = await self._input_lines(files)
        if lines is None:
            return 1
        await self.out("".join(ln + "\n" for ln in lines[:count]))
        return 0

    async def _cmd_tail(self, args: list[str]) -> int:
        count, files = self._count_option(args, 10)
        lines = await self._input_lines(files)
        if lines is None:
            return 1
        await self.out("".join(ln + "\n" for ln in lines[-count:] if count))
        return 0

    async def _cmd_sort(self, args: list[str]) -> int:
        lines = await self._input_lines([a for a in args if not a.startswith("-")])
        if lines is None:
            return 1
        await self.out("".join(ln + "\n" for ln in sorted(lines, reverse="-r" in args)))
        return 0

    async def _cmd_wc(self, args: list[str]) -> int:
        lines = await self._input_lines([a for a in args if not a.startswith("-")])
        if lines is None:
            return 1
        if "-l" in args:
            await self.out(f"{len(lines)}\n")
        else:
            words = sum(len(ln.split()) for ln in lines)
            chars = sum(len(ln) + 1 for ln in lines)
            await self.out(f"{len(lines):>8} {words:>8} {chars:>8}\n")
        return 0

    async def _cmd_tar(self, args: list[str]) -> int:
        """``tar cf - PATH...`` (what ``kubectl cp POD:PATH .`` runs); extracting hits the read-only filesystem."""
        import io
        import tarfile

        flags = "".join(a.lstrip("-") for a in args[:1]) + "".join(a[1:] for a in args[1:] if a.startswith("-"))
        paths = [a for a in args[1:] if not a.startswith("-") and a != "-"]
        if "x" in flags:
            while await self._read() is not None:
                pass
            await self.err("tar: can't create directory: Read-only file system\n")
            return 1
        if "c" not in flags:
            await self.err("tar: need at least one of the options c, t or x\n")
            return 1
        buf = io.BytesIO()
        code = 0
        with tarfile.open(fileobj=buf, mode="w") as archive:
            for name in paths:
                path = self._path(name)
                members = sorted(p for p in self.c.files if p == path or p.startswith(path.rstrip("/") + "/"))
                if not members and path not in self.c.dirs():
                    await self.err(f"tar: {name}: No such file or directory\n")
                    code = 1
                    continue
                for member in members:
                    info = tarfile.TarInfo(member.lstrip("/"))
                    info.size, info.mtime, info.mode = len(self.c.files[member]), int(self.c.started), 0o644
                    archive.addfile(info, io.BytesIO(self.c.files[member]))
        await self.out(buf.getvalue())
        return code
