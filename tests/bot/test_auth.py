"""Bot Framework authentication over real HTTP: with a client id, only a correctly signed
token for this bot gets a turn handled; everything else gets 401 and changes nothing.

The identity platform is a loopback fake (tests/fakes/entra.py) holding a key the test
generated. The Agents SDK has no setting for the JWKS URL it trusts (it is derived from
the token's issuer), so the one seam used is its cache of JWKS clients: the entry for the
Bot Framework's key URL is a ``PyJWKClient`` that fetches the fake's keys over HTTPS.
Everything after that — key lookup by ``kid``, signature, lifetime, audience and issuer
checks, and MSAL getting the bot's own token for the reply — runs unchanged.
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from jwt import PyJWKClient
from microsoft_agents.hosting.core.authorization import AuthenticationConstants, ClaimsIdentity
from microsoft_agents.hosting.core.authorization.jwt import JwtTokenValidator, _authorize_request
from microsoft_agents.hosting.core.authorization.jwt.jwt_token_validator import (
    _JwkClientCacheEntry,
)

from bot.domain.model import ControlKey, Period
from bot.settings import SettingsError
from tests.conftest import BotFactory
from tests.fakes import activities
from tests.fakes.connector import RecordingConnector
from tests.fakes.entra import (
    OUTBOUND_TOKEN,
    FakeEntra,
    bot_framework_claims,
    rsa_key,
    unsigned,
)
from tests.fakes.harness import (
    ALEX,
    MARIA,
    STRATEGIST,
    BotClient,
    cards_of,
    find_action,
    standard_plan,
    start_bot,
)

APP_ID = "8a3c1d2e-4f5a-4b6c-9d7e-0f1a2b3c4d5e"
TENANT_ID = "11111111-2222-4333-8444-555555555555"
OTHER_APP = "99999999-8888-4777-8666-555555555555"


@dataclass
class AuthRecordingConnector(RecordingConnector):
    """The fake channel, also recording the Authorization header of every call."""

    authorizations: list[str | None] = field(default_factory=list)

    async def _post(self, request: web.Request) -> web.Response:
        self.authorizations.append(request.headers.get("Authorization"))
        return await super()._post(request)

    async def _member(self, request: web.Request) -> web.Response:
        self.authorizations.append(request.headers.get("Authorization"))
        return await super()._member(request)


@pytest.fixture
def connector() -> AuthRecordingConnector:
    """Overrides the shared fake channel with one that records Authorization headers."""
    fake = AuthRecordingConnector()
    for person in (ALEX, MARIA, STRATEGIST):
        fake.add(person)
    return fake


@pytest.fixture
async def entra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeEntra]:
    """The fake identity platform, trusted for the bot's key fetches and MSAL's calls."""
    fake = FakeEntra(tmp_path / "entra")
    await fake.start()
    cache = JwtTokenValidator._jwk_client_manager._cache
    # Where the SDK looks for keys: the Bot Framework's URL for Bot Framework tokens, the
    # tenant's Entra URL for any other issuer (so a wrong issuer is rejected for being
    # wrong, not for an unreachable key).
    for url in (
        AuthenticationConstants.PUBLIC_ABS_JWKS_URL,
        f"https://login.microsoftonline.com/{TENANT_ID}/discovery/v2.0/keys",
    ):
        client = PyJWKClient(fake.jwks_url, ssl_context=fake.ssl_context())
        monkeypatch.setitem(cache, url, _JwkClientCacheEntry(client, threading.Lock()))
    # MSAL talks HTTPS through requests, which trusts this bundle.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(fake.ca_file))
    yield fake
    await fake.stop()


PREFIX = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"
SECRET = "test-secret-of-the-bot-at-least-32-bytes"  # HS256 wants 32 bytes


def production_env(entra: FakeEntra) -> dict[str, str]:
    """The Agents SDK's settings of a bot with a client id, against the fake Entra."""
    return {
        f"{PREFIX}CLIENTID": APP_ID,
        f"{PREFIX}CLIENTSECRET": SECRET,
        f"{PREFIX}TENANTID": TENANT_ID,
        f"{PREFIX}AUTHORITY": entra.authority,
    }


@pytest.fixture
async def secured(start: BotFactory, entra: FakeEntra) -> BotClient:
    """The bot with a client id (Bot Framework authentication on), as in production."""
    return await start(agent_env=production_env(entra))


async def post(bot: BotClient, activity: dict[str, Any], authorization: str | None) -> tuple:
    """POST an activity with this Authorization header; the status and the JSON body."""
    headers = {"Authorization": authorization} if authorization is not None else {}
    async with bot.session.post(bot.url, json=activity, headers=headers) as response:
        body = await response.json() if await response.text() else None
        return response.status, body


def good_token(entra: FakeEntra, bot: BotClient) -> str:
    """A token as the Bot Framework sends it to this bot."""
    return "Bearer " + entra.sign(bot_framework_claims(APP_ID, bot.service_url))


def bad_authorization(kind: str, entra: FakeEntra, bot: BotClient) -> str | None:
    """An Authorization header that must not get in."""
    now = int(time.time())
    claims = bot_framework_claims(APP_ID, bot.service_url)
    match kind:
        case "missing":
            return None
        case "not-bearer":
            return "Basic dXNlcjpwYXNz"
        case "malformed":
            return "Bearer not.a.jwt"
        case "forged":  # the right key id, another key
            return "Bearer " + entra.sign(claims, key=rsa_key())
        case "unknown-key":
            return "Bearer " + entra.sign(claims, key=rsa_key(), kid="someone-elses-key")
        case "expired":  # well past the SDK's five minutes of clock skew
            expired = {"nbf": now - 7200, "iat": now - 7200, "exp": now - 3600}
            return "Bearer " + entra.sign({**claims, **expired})
        case "wrong-audience":
            return "Bearer " + entra.sign({**claims, "aud": OTHER_APP})
        case "wrong-issuer":
            return "Bearer " + entra.sign({**claims, "iss": "https://sts.example.org/"})
        # Tokens that made the SDK's check raise instead of refusing (a 500, not a 401):
        case "alg-none":  # no signature at all, naming the bot's real key
            return "Bearer " + unsigned(claims, kid=entra.kid)
        case "alg-none-without-kid":
            return "Bearer " + unsigned(claims)
        case "hs256-with-the-secret":  # "signed" with the bot's own client secret
            return "Bearer " + entra.sign_hs256(claims, SECRET, kid=entra.kid)
        case "hs256-without-kid":
            return "Bearer " + entra.sign_hs256(claims, SECRET)
        case "without-kid":  # correctly signed, but no key id in the header
            return "Bearer " + entra.sign(claims, kid="")
        case "garbage":
            return "Bearer " + "eyJ!!.%%%.@@@"
        case "claims-not-an-object":
            return "Bearer " + entra.sign_raw(b"[1, 2, 3]")
        # Correctly signed for this bot, but bound to another channel than the activity's.
        case "another-channel":
            return "Bearer " + entra.sign({**claims, "serviceurl": "https://evil.example/"})
        case "channel-not-a-url":
            return "Bearer " + entra.sign_raw(_json({**claims, "serviceurl": 5}))
    raise AssertionError(kind)


def _json(claims: dict[str, Any]) -> bytes:
    return json.dumps(claims).encode()


BAD = [
    "missing",
    "not-bearer",
    "malformed",
    "forged",
    "unknown-key",
    "expired",
    "wrong-audience",
    "wrong-issuer",
    "alg-none",
    "alg-none-without-kid",
    "hs256-with-the-secret",
    "hs256-without-kid",
    "without-kid",
    "garbage",
    "claims-not-an-object",
    "another-channel",
    "channel-not-a-url",
]


async def nothing_happened(bot: BotClient, entra: FakeEntra) -> None:
    """No reply, no member lookup, no token fetched for a reply, no state stored."""
    connector = bot.connector
    assert connector.sent == [] and connector.member_lookups == 0
    assert entra.token_requests == []
    assert await bot.services.db.fetchall("SELECT key FROM conversation_state") == []
    assert await bot.services.db.fetchall("SELECT answer_id FROM answers") == []


@pytest.mark.parametrize("kind", BAD)
async def test_a_request_without_a_valid_token_gets_401_and_changes_nothing(
    secured: BotClient, entra: FakeEntra, kind: str
) -> None:
    activity = activities.message("mina kontroller", ALEX, secured.service_url, "conv-alex")
    status, body = await post(secured, activity, bad_authorization(kind, entra, secured))
    assert status == 401
    assert "mina kontroller" not in str(body)
    await nothing_happened(secured, entra)


@pytest.mark.parametrize("value", ["true", "True", "1", " yes "])
async def test_the_anonymous_switch_with_a_client_id_is_refused_at_start(
    start: BotFactory, entra: FakeEntra, value: str
) -> None:
    env = {**production_env(entra), f"{PREFIX}ANONYMOUS_ALLOWED": value}
    with pytest.raises(SettingsError, match="ANONYMOUS_ALLOWED"):
        await start(agent_env=env)


async def test_the_anonymous_switch_in_any_spelling_the_sdk_reads_is_refused_at_start(
    start: BotFactory, entra: FakeEntra
) -> None:
    # The SDK also takes its settings' lower-case keyword names; the bot would see no
    # client id and switch anonymous mode on, the SDK would see both.
    env = {
        f"{PREFIX}client_id": APP_ID,
        f"{PREFIX}CLIENTSECRET": SECRET,
        f"{PREFIX}AUTHORITY": entra.authority,
    }
    with pytest.raises(SettingsError, match="anonym åtkomst"):
        await start(agent_env=env)


async def test_with_a_client_id_no_request_gets_through_without_a_token_whatever_the_sdk_allows(
    tmp_path: Path, connector: AuthRecordingConnector, entra: FakeEntra
) -> None:
    # The start-up check is one guard; the endpoint's own check of the claims is the other.
    # Switch the SDK's anonymous access on behind the start-up check's back…
    workbook = standard_plan(tmp_path / "plans" / "ks.xlsx").parent
    bot, runner = await start_bot(
        workbook, tmp_path / "var", connector, agent_env=production_env(entra)
    )
    try:
        config = runner.app["agent_configuration"]
        config.ANONYMOUS_ALLOWED = True
        # …so that the SDK's check now lets a request without a token through…
        assert isinstance(await _authorize_request(None, config), ClaimsIdentity)
        # …and the endpoint still refuses it.
        activity = activities.message("mina kontroller", ALEX, bot.service_url, "conv-alex")
        status, body = await post(bot, activity, None)
        assert status == 401 and body == {"error": "Ingen giltig token."}
        answer = {
            **{"verb": "submit", "plan": "ks.xlsx", "control": "1", "year": 2026},
            **{"period": "YEAR", "nonce": "0" * 32, "outcome": "Ingen avvikelse"},
        }
        submitted = activities.execute(answer, ALEX, bot.service_url, "conv-alex")
        assert (await post(bot, submitted, None))[0] == 401
        await nothing_happened(bot, entra)
        # A correctly signed token still works.
        assert (await post(bot, activity, good_token(entra, bot)))[0] == 202
    finally:
        await bot.session.close()
        await runner.cleanup()


async def test_a_correctly_signed_token_gets_the_turn_run_and_the_reply_is_authenticated(
    secured: BotClient, entra: FakeEntra
) -> None:
    activity = activities.message("mina kontroller", ALEX, secured.service_url, "conv-alex")
    status, _ = await post(secured, activity, good_token(entra, secured))
    assert status == 202
    [card] = cards_of(secured.connector.messages_to("conv-alex"))
    assert "En fil från slumpmässigt valt system återläses" in str(card)
    # The bot asked the identity platform for its own token, as itself, for the channel…
    [request] = entra.token_requests
    assert request["grant_type"] == "client_credentials"
    assert request["client_id"] == APP_ID and request["client_secret"] == SECRET
    assert "https://api.botframework.com/.default" in request["scope"]
    # …and used it for every call to the channel (the member lookup and the reply).
    connector = secured.connector
    assert isinstance(connector, AuthRecordingConnector)
    assert connector.member_lookups == 1
    assert connector.authorizations and all(
        a == f"Bearer {OUTBOUND_TOKEN}" for a in connector.authorizations
    )


async def test_a_card_submitted_without_a_valid_token_is_not_journalled(
    secured: BotClient, entra: FakeEntra
) -> None:
    conv = "conv-alex"
    data = {"verb": "open", "plan": "ks.xlsx", "control": "1", "year": 2026, "period": "YEAR"}
    status, body = await post(
        secured,
        activities.execute(data, ALEX, secured.service_url, conv),
        good_token(entra, secured),
    )
    assert status == 200
    save = find_action(body["value"], "Spara svar")
    inputs = {"outcome": "Ingen avvikelse", "checked": "5", "deviations": "0"}
    submitted = activities.execute({**save, **inputs}, ALEX, secured.service_url, conv)
    slot = (ControlKey("ks.xlsx", "1"), 2026, Period.YEAR)

    for kind in ("missing", "forged", "expired", "wrong-audience"):
        status, _ = await post(secured, submitted, bad_authorization(kind, entra, secured))
        assert status == 401, kind
    assert await secured.services.journal.history(*slot) == []

    status, body = await post(secured, submitted, good_token(entra, secured))
    assert status == 200 and "Svaret är sparat" in str(body)
    [stored] = await secured.services.journal.history(*slot)
    assert stored.answered_by == ALEX.email


async def test_health_probes_need_no_token_when_authentication_is_on(
    secured: BotClient,
) -> None:
    base = secured.url.removesuffix("/api/messages")
    for path in ("/healthz", "/readyz"):
        async with secured.session.get(base + path) as response:
            assert response.status == 200, path


async def test_tokens_never_reach_the_log(
    secured: BotClient, entra: FakeEntra, json_log: io.StringIO
) -> None:
    activity = activities.message("mina kontroller", ALEX, secured.service_url, "conv-alex")
    incoming = good_token(entra, secured)
    assert (await post(secured, activity, incoming))[0] == 202
    forged = bad_authorization("forged", entra, secured)
    assert (await post(secured, activity, forged))[0] == 401
    log = json_log.getvalue()
    assert "POST /api/messages -> 401" in log and "POST /api/messages -> 202" in log
    for secret in (incoming.split()[1], forged.split()[1], OUTBOUND_TOKEN, SECRET):
        assert secret not in log
    # Nor any part of one: a JWT's header and payload are readable base64.
    assert "eyJ" not in log
