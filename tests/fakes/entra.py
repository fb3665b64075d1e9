"""A fake Microsoft identity platform on a loopback HTTPS port, with a key the test holds.

Two things a bot with a client id does against the real one:

* it checks the Bot Framework token on each request against the signing keys published at
  a JWKS URL (the Agents SDK fetches it with PyJWT's ``PyJWKClient``), and
* it gets its own token for replies from an authority's token endpoint (MSAL, client
  credentials), which MSAL accepts only over https.

This server publishes the test's public key as a JWKS, serves an OpenID configuration
and a token endpoint under ``/adfs`` (MSAL skips its online instance discovery for an
ADFS-style authority, so nothing leaves the machine), and records the token requests.
``sign()`` makes tokens as the Bot Framework would, or forged ones.

The server runs on its own thread and event loop: the SDK builds its MSAL client (which
fetches the OpenID configuration) synchronously on the bot's event loop, so a server on
that loop could never answer.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import ipaddress
import json
import ssl
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
OUTBOUND_TOKEN = "outbound-token-from-fake-entra"


def rsa_key() -> rsa.RSAPrivateKey:
    """A fresh RSA key (2048 bits, as Entra's)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _certificate(key: rsa.RSAPrivateKey) -> x509.Certificate:
    """A self-signed certificate for 127.0.0.1 (it is its own CA)."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )


@dataclass
class FakeEntra:
    """The fake identity platform; ``start()`` returns its base URL."""

    folder: Path  # where the server's certificate is written (``ca_file``)
    key: rsa.RSAPrivateKey = field(default_factory=rsa_key)
    kid: str = field(default_factory=lambda: uuid.uuid4().hex)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    base_url: str = ""
    _runner: web.AppRunner | None = None
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None

    @property
    def ca_file(self) -> Path:
        """The PEM file that makes a client trust this server."""
        return self.folder / "fake-entra.pem"

    @property
    def jwks_url(self) -> str:
        """Where the signing keys are published."""
        return f"{self.base_url}/keys"

    @property
    def authority(self) -> str:
        """The authority to configure MSAL with."""
        return f"{self.base_url}/adfs"

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts this server."""
        return ssl.create_default_context(cafile=str(self.ca_file))

    async def start(self) -> str:
        """Serve HTTPS on a free loopback port, on a thread of its own."""
        loop = self._loop = asyncio.new_event_loop()
        running = threading.Event()
        loop.call_soon(running.set)
        self._thread = threading.Thread(target=self._run, name="fake-entra", daemon=True)
        self._thread.start()
        await asyncio.to_thread(running.wait)
        future = asyncio.run_coroutine_threadsafe(self._serve(), loop)
        self.base_url = await asyncio.wrap_future(future)
        return self.base_url

    def _run(self) -> None:
        assert self._loop is not None
        self._loop.run_forever()
        self._loop.close()

    async def _serve(self) -> str:
        tls_key = rsa_key()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.ca_file.write_bytes(_certificate(tls_key).public_bytes(serialization.Encoding.PEM))
        key_file = self.folder / "fake-entra.key"
        key_file.write_bytes(
            tls_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server_context.load_cert_chain(self.ca_file, key_file)
        app = web.Application()
        app.router.add_get("/keys", self._keys)
        app.router.add_get("/adfs/.well-known/openid-configuration", self._openid)
        app.router.add_post("/adfs/oauth2/token", self._token)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=server_context)
        await site.start()
        return f"https://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        """Close the server and end its thread."""
        loop, thread, runner = self._loop, self._thread, self._runner
        if loop is None or thread is None:
            return
        if runner is not None:
            await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(runner.cleanup(), loop))
        loop.call_soon_threadsafe(loop.stop)
        await asyncio.to_thread(thread.join)
        self._loop = self._thread = self._runner = None

    def sign(
        self,
        claims: dict[str, Any],
        *,
        key: rsa.RSAPrivateKey | None = None,
        kid: str | None = None,
    ) -> str:
        """An RS256 token over ``claims``, signed with this server's key (or ``key``);
        ``kid=""`` leaves the key id out of the header."""
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers=_kid(kid, self.kid))

    def sign_raw(self, payload: bytes) -> str:
        """An RS256 token, correctly signed with this server's key, over any payload bytes
        (claims PyJWT would refuse to encode, or no JSON object at all)."""
        return jwt.api_jws.encode(payload, self.key, algorithm="RS256", headers={"kid": self.kid})

    @staticmethod
    def sign_hs256(claims: dict[str, Any], secret: str, *, kid: str = "") -> str:
        """A forgery: an HS256 token keyed with a shared secret (such as the bot's client
        secret), which a check that took the key's type from the token would accept."""
        secret_key = secret.encode()
        return jwt.api_jws.encode(
            json.dumps(claims).encode(), secret_key, algorithm="HS256", headers=_kid(kid, "")
        )

    async def _keys(self, _request: web.Request) -> web.Response:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update(kid=self.kid, use="sig", alg="RS256")
        return web.json_response({"keys": [jwk]})

    async def _openid(self, _request: web.Request) -> web.Response:
        return web.json_response(
            {
                "issuer": self.authority,
                "authorization_endpoint": f"{self.authority}/oauth2/authorize",
                "token_endpoint": f"{self.authority}/oauth2/token",
            }
        )

    async def _token(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        self.token_requests.append(form)
        return web.json_response(
            {"access_token": OUTBOUND_TOKEN, "token_type": "Bearer", "expires_in": 3600}
        )


def _kid(kid: str | None, default: str) -> dict[str, str]:
    """The header's key id: ``None`` takes ``default``, "" none at all."""
    chosen = default if kid is None else kid
    return {"kid": chosen} if chosen else {}


def unsigned(claims: dict[str, Any], *, kid: str = "") -> str:
    """A forgery: a token with ``alg: none`` and no signature."""
    header = {"alg": "none", "typ": "JWT", **({"kid": kid} if kid else {})}
    parts = [json.dumps(part).encode() for part in (header, claims)]
    return ".".join(base64.urlsafe_b64encode(p).rstrip(b"=").decode() for p in parts) + "."


def bot_framework_claims(app_id: str, service_url: str, **overrides: Any) -> dict[str, Any]:
    """The claims of a token the Bot Framework sends a bot (``None`` removes a claim)."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": BOT_FRAMEWORK_ISSUER,
        "aud": app_id,
        "serviceurl": service_url,
        "nbf": now - 60,
        "iat": now - 60,
        "exp": now + 3600,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}
