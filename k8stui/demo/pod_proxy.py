"""``pods/proxy``: the API server's HTTP proxy into a pod (``/api/v1/namespaces/NS/pods/NAME[:PORT]/proxy/PATH``).

The request goes to the simulated app listening on that port (apps_http.py), as ``kubectl get --raw`` or a
Prometheus scrape through the API server would reach it; a ``node-exporter`` container answers ``/metrics``
with its node's ``node_*`` series (node_exporter.py). A closed port answers 503 with the API server's wording.
"""

from __future__ import annotations

from typing import Any

import h11
from aiohttp import web

from .apps_http import AppConnection, PortClosed, find_port
from .errors import ApiError, not_found
from .exposition import CONTENT_TYPE

Obj = dict[str, Any]


def _default_port(pod: Obj) -> int | None:
    for c in (pod.get("spec") or {}).get("containers") or []:
        for p in c.get("ports") or []:
            if p.get("containerPort"):
                return int(p["containerPort"])
    return None


async def serve(store: Any, node_metrics: Any, namespace: str, name_port: str, path: str,
                request: web.Request) -> web.Response:
    from .resources import PODS  # noqa: PLC0415

    name, _, port_text = name_port.partition(":")
    pod = store.get(PODS, namespace, name)
    if pod is None:
        raise not_found("pods", name)
    port = int(port_text) if port_text.isdigit() else _default_port(pod)
    ip = (pod.get("status") or {}).get("podIP") or ""
    if port is None or not ip:
        raise ApiError(503, "ServiceUnavailable", f"error trying to reach service: pod {name} has no IP or port")
    try:
        target = find_port(pod, port)
    except PortClosed as exc:
        raise ApiError(503, "ServiceUnavailable",
                       f"error trying to reach service: dial tcp {ip}:{port}: connect: connection refused") from exc
    image = str(target.container.get("image", ""))
    if "node-exporter" in image and "/" + path.lstrip("/") == "/metrics":
        body = node_metrics.render((pod.get("spec") or {}).get("nodeName") or "") if node_metrics else b""
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})
    query = request.query_string
    raw = (f"{request.method} /{path.lstrip('/')}{'?' + query if query else ''} HTTP/1.1\r\n"
           f"Host: {ip}:{port}\r\nConnection: close\r\n\r\n").encode()
    conn = AppConnection(target)
    data = conn.receive(raw) + conn.receive_eof()
    if not data:
        raise ApiError(503, "ServiceUnavailable", f"error trying to reach service: EOF from {ip}:{port}")
    client = h11.Connection(h11.CLIENT)
    client.send(h11.Request(method=request.method, target="/" + path.lstrip("/"),
                            headers=[("Host", f"{ip}:{port}"), ("Connection", "close")]))
    client.send(h11.EndOfMessage())
    client.receive_data(data)
    status, headers, body = 502, {}, bytearray()
    while True:
        event = client.next_event()
        if isinstance(event, h11.Response):
            status = event.status_code
            headers = {k.decode(): v.decode() for k, v in event.headers}
        elif isinstance(event, h11.Data):
            body += event.data
        elif event is h11.NEED_DATA or isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
            break
    return web.Response(body=bytes(body), status=status,
                        headers={"Content-Type": headers.get("content-type", "text/plain")})
