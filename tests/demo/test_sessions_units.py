"""Units of the demo's session protocols that kubectl exercises only as a whole: SPDY framing and the HTTP app."""

from __future__ import annotations

import zlib

from k8stui.demo import spdy
from k8stui.demo.apps_http import AppConnection, PortClosed, find_port


def test_spdy_dictionary_is_the_spdy3_one() -> None:
    # Adler-32 of the SPDY/3 header dictionary, which every zlib stream of a SPDY/3 peer names (FDICT).
    assert len(spdy.DICTIONARY) == 1423 and zlib.adler32(spdy.DICTIONARY) == 3821447106


def test_spdy_frames_round_trip_split_anywhere() -> None:
    client, server = spdy.Framer(), spdy.Framer()
    raw = (client.syn_stream(1, {"streamType": "error", "port": "80", "requestID": "0"})
           + client.syn_stream(3, {"streamtype": "data", "port": "80", "requestid": "0"})
           + client.data(3, b"GET / HTTP/1.1\r\n\r\n") + client.data(3, b"", fin=True) + client.ping(7))
    frames = []
    for i in range(0, len(raw), 5):  # arrives in small pieces
        frames += server.feed(raw[i:i + 5])
    assert [(f.kind, f.stream_id) for f in frames] == [(1, 1), (1, 3), (0, 3), (0, 3), (6, 0)]
    assert frames[0].headers == {"streamtype": ["error"], "port": ["80"], "requestid": ["0"]}
    assert frames[2].data == b"GET / HTTP/1.1\r\n\r\n" and frames[3].fin and frames[4].value == 7
    reply = server.syn_reply(3)
    assert client.feed(reply)[0].kind == spdy.SYN_REPLY  # the other direction's compression context


POD = {"metadata": {"name": "web-1", "namespace": "ns", "uid": "u1", "labels": {"app": "web", "version": "v2"},
                    "annotations": {"prometheus.io/port": "9090"}},
       "spec": {"containers": [{"name": "web", "image": "ghcr.io/x/web:1.0",
                                "ports": [{"name": "http", "containerPort": 8080}, {"containerPort": 9090}],
                                "readinessProbe": {"httpGet": {"path": "/ready-now", "port": "http"}}}]},
       "status": {"containerStatuses": [{"name": "web", "ready": True}]}}


def test_app_answers_pipelined_requests_and_closes_when_asked() -> None:
    app = AppConnection(find_port(POD, 8080))
    out = app.receive(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /ready-now HTTP/1.1\r\nHost: x\r\n\r\n"
                      b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    answers = out.split(b"HTTP/1.1 ")[1:]
    assert [a[:3] for a in answers] == [b"200", b"200", b"404"]  # no metrics on the app port
    assert b'"pod":"web-1"' in answers[0] and b'"version":"v2"' in answers[0]
    assert answers[1].endswith(b"\r\n\r\nok\n")
    assert app.closed


def test_metrics_port_and_closed_port() -> None:
    app = AppConnection(find_port(POD, 9090))
    out = app.receive(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 200 OK\r\n") and b'app_info{app="web",version="v2"} 1' in out
    try:
        find_port(POD, 5432)
    except PortClosed as exc:
        assert "connect: connection refused" in str(exc)
    else:
        raise AssertionError("port 5432 should be closed")
    garbage = AppConnection(find_port(POD, 8080))
    assert garbage.receive(b"\x16\x03\x01 not http\r\n\r\n").startswith(b"HTTP/1.1 400 ")
    assert garbage.closed
