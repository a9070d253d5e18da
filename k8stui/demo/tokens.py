"""TokenRequest (``POST .../serviceaccounts/NAME/token``, ``kubectl create token``): bound service-account tokens.

A minted token is JWT-shaped with the claims kube-apiserver puts in one (aud, exp, iat, iss, jti, nbf, sub and
``kubernetes.io`` naming the namespace and service account with its uid), signed with a per-run key. The API
server then accepts it as ``system:serviceaccount:NS:NAME`` (groups ``system:serviceaccounts``,
``system:serviceaccounts:NS``, ``system:authenticated``) until it expires or its service account is deleted
(or recreated: the uid in the token no longer matches), and RBAC bindings to that service account apply.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any

from .errors import ApiError

ISSUER = "https://kubernetes.default.svc.cluster.local"
DEFAULT_AUDIENCES = (ISSUER,)
DEFAULT_EXPIRATION = 3600   # TokenRequestSpec.expirationSeconds' default
MIN_EXPIRATION = 600        # the API server rejects shorter ones (422)
MAX_EXPIRATION = 2 ** 32    # ... and caps nothing below this in the demo


@dataclass(frozen=True)
class BoundToken:
    """What a minted token stands for."""

    namespace: str
    service_account: str
    uid: str
    jti: str
    expires: float


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _invalid(field: str, value: Any, message: str) -> ApiError:
    return ApiError(422, "Invalid", f'TokenRequest.authentication.k8s.io "" is invalid: {field}: Invalid value: '
                    f"{value}: {message}", {"group": "authentication.k8s.io", "kind": "TokenRequest",
                                           "causes": [{"reason": "FieldValueInvalid", "field": field,
                                                       "message": f"Invalid value: {value}: {message}"}]})


class TokenIssuer:
    """Mints tokens and recognises the ones it minted."""

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)
        self._issued: dict[str, BoundToken] = {}

    def mint(self, service_account: dict[str, Any], request: dict[str, Any], now: float | None = None) -> dict:
        """The TokenRequest answer for ``request`` (a TokenRequest body) against the stored ``service_account``."""
        at = time.time() if now is None else now
        spec = dict(request.get("spec") or {})
        seconds = spec.get("expirationSeconds")
        seconds = DEFAULT_EXPIRATION if seconds in (None, 0) else seconds
        if not isinstance(seconds, int) or isinstance(seconds, bool):
            raise _invalid("spec.expirationSeconds", seconds, "must be an integer")
        if seconds < MIN_EXPIRATION:
            raise _invalid("spec.expirationSeconds", seconds, "may not specify a duration less than 10 minutes")
        if seconds > MAX_EXPIRATION:
            raise _invalid("spec.expirationSeconds", seconds, "may not specify a duration larger than 2^32 seconds")
        audiences = list(spec.get("audiences") or DEFAULT_AUDIENCES)
        meta = service_account["metadata"]
        ns, name, uid = meta.get("namespace", ""), meta["name"], meta.get("uid", "")
        jti = str(uuid.uuid4())
        iat = int(at)
        claims = {"aud": audiences, "exp": iat + seconds, "iat": iat, "iss": ISSUER, "jti": jti,
                  "kubernetes.io": {"namespace": ns, "serviceaccount": {"name": name, "uid": uid}},
                  "nbf": iat, "sub": f"system:serviceaccount:{ns}:{name}"}
        signing_input = _b64(json.dumps({"alg": "RS256", "kid": "k8stui-demo"}, separators=(",", ":")).encode()) \
            + "." + _b64(json.dumps(claims, separators=(",", ":")).encode())
        token = signing_input + "." + _b64(hmac.new(self._key, signing_input.encode(), hashlib.sha256).digest())
        self._issued[token] = BoundToken(ns, name, uid, jti, float(iat + seconds))
        expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(iat + seconds))
        return {"kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
                "metadata": {"name": name, "namespace": ns, "creationTimestamp": None},
                "spec": {"audiences": audiences, "expirationSeconds": seconds,
                         "boundObjectRef": spec.get("boundObjectRef")},
                "status": {"token": token, "expirationTimestamp": expires}}

    def lookup(self, token: str, now: float | None = None) -> BoundToken | None:
        """The binding of a token this issuer minted and that has not expired."""
        bound = self._issued.get(token)
        if bound is None:
            return None
        if bound.expires <= (time.time() if now is None else now):
            del self._issued[token]
            return None
        return bound
