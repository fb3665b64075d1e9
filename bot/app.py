"""The aiohttp application: the Agents SDK adapter on /api/messages and the services."""

from __future__ import annotations

import gc
import logging
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from http import HTTPStatus
from typing import Any

from aiohttp import web
from microsoft_agents.activity import load_configuration_from_env
from microsoft_agents.hosting.aiohttp import (
    CloudAdapter,
    jwt_authorization_decorator,
    start_agent_process,
)
from microsoft_agents.hosting.core import (
    AgentApplication,
    AgentAuthConfiguration,
    AnonymousTokenProvider,
    ConnectionManager,
    MemoryStorage,
    TurnState,
)
from microsoft_agents.hosting.core.authorization import ClaimsIdentity
from pydantic import ValidationError

from bot.health import add_health_routes
from bot.inbound import MAX_BODY, Refused, origin, read_activity
from bot.logs import bind_activity, request_context
from bot.services import Services
from bot.settings import Settings, SettingsError
from dialogs import channel
from dialogs.connector import BoundedClientFactory
from dialogs.handlers import register
from dialogs.notifier import TeamsNotifier

logger = logging.getLogger(__name__)

MESSAGES_PATH = "/api/messages"
SERVICES = web.AppKey("services", Services)
AGENT = web.AppKey("agent", AgentApplication)
ADAPTER = web.AppKey("adapter", CloudAdapter)


def quiet_libraries() -> None:
    """Keep third-party loggers to what an operator needs (and away from user texts)."""
    for name in ("httpx", "kiota", "msal", "sqlalchemy", "alembic", "microsoft_agents"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # Logs the whole rejected input (user text) when an activity does not validate.
    logging.getLogger("microsoft_agents.activity.activity").setLevel(logging.CRITICAL)
    # Warns on every anonymous turn that no app id is set; anonymous mode is deliberate.
    logging.getLogger("microsoft_agents.hosting.core.connector.client.user_token_client").setLevel(
        logging.ERROR
    )


def create_app(settings: Settings, *, services: Services | None = None) -> web.Application:
    """Build the application; the services open on startup and close on cleanup."""
    settings.check_authentication()
    config = load_configuration_from_env(settings.agent_env_for_sdk())
    quiet_libraries()
    connections = _connection_manager(settings, config)
    auth = connections.get_default_connection_configuration()
    if auth.CLIENT_ID and (auth.ANONYMOUS_ALLOWED or not settings.client_id):
        # What the SDK will enforce, whatever spelling of its variables got it there.
        raise SettingsError(
            "Boten vägrar starta: Bot Framework-inställningarna ger både ett klient-ID och "
            "anonym åtkomst. Ange klient-ID:t som CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"
            "CLIENTID och ta bort …__ANONYMOUS_ALLOWED."
        )
    services = services or Services.build(settings)
    clients = BoundedClientFactory(connections, timeout=settings.connector_timeout)
    adapter = CloudAdapter(connection_manager=connections, channel_service_client_factory=clients)
    # Reminders go out through this adapter, as the bot (or anonymously in local mode).
    services.reminders.notifier = TeamsNotifier(
        adapter,
        services.references,
        services.clock,
        client_id=settings.client_id,
        installer=services.installer,
    )
    # The SDK's turn state is not used for anything that must survive a restart (our
    # conversation state is JSON in the SQL layer), so its memory storage is enough.
    agent = AgentApplication[TurnState](
        storage=MemoryStorage(),
        connection_manager=connections,
        start_typing_timer=False,
        **config,
    )
    register(agent, services)

    app = web.Application(middlewares=[request_context], client_max_size=MAX_BODY)
    with warnings.catch_warnings():
        # The SDK's JWT check reads this string key; aiohttp prefers AppKeys.
        warnings.simplefilter("ignore")
        app["agent_configuration"] = auth
    app[SERVICES] = services
    app[AGENT] = agent
    app[ADAPTER] = adapter

    async def messages(request: web.Request) -> web.StreamResponse:
        # Checked here, not left to the SDK: it answers 500 to some malformed bodies, and a
        # malformed request is the client's fault, so it gets a 4xx and changes nothing.
        try:
            body = await read_activity(request)
        except Refused as refused:
            return refused.response()
        if not _service_url_allowed(request, body["serviceUrl"]):
            logger.warning("Refused an activity whose serviceUrl is not the token's")
            return _unauthorized()
        bind_activity(body)
        if not channel.served(body):
            # Refused before the SDK sees it: nothing looked up, nothing sent to its serviceUrl.
            return web.json_response({"error": channel.NOT_SERVED}, status=400)
        try:
            response = await start_agent_process(request, agent, adapter)
        except ValidationError:
            logger.warning("Rejected a malformed activity")
            return web.json_response({"error": "Ogiltig aktivitet."}, status=400)
        if response is None:
            return web.Response(status=202)
        if response.status == HTTPStatus.NOT_IMPLEMENTED:
            # The SDK's answer to an invoke no route handles (a name Teams never sends this
            # bot): a request the bot does not understand is the client's error, not a 5xx.
            return web.json_response({"error": "Okänd begäran."}, status=400)
        return response

    # Only the bot's endpoint needs a Bot Framework token (when a client id is set); the
    # SDK's middleware would guard every route, probes included, so it guards this one.
    app.router.add_post(MESSAGES_PATH, _token_checked(messages, settings.client_id))
    add_health_routes(app, services)
    app.on_response_prepare.append(_plain_server_header)
    app.cleanup_ctx.append(_services_context)

    async def close_connections(_app: web.Application) -> None:
        await clients.close()

    app.on_cleanup.append(close_connections)
    return app


def _connection_manager(settings: Settings, config: dict[str, Any]) -> ConnectionManager:
    """The SDK's connections: MSAL when any connection has a client id; without one
    (anonymous local mode) every turn's claims are anonymous and no connection could sign
    in, so the generic manager with the SDK's anonymous provider does, and the start is
    spared MSAL's import (about 0.2 s)."""
    connections = config.get("CONNECTIONS", {}).values()
    if settings.anonymous and not any(c.get("SETTINGS", {}).get("CLIENTID") for c in connections):
        return ConnectionManager(provider_factory=_anonymous_provider, **config)
    from microsoft_agents.authentication.msal import MsalConnectionManager

    return MsalConnectionManager(**config)


def _anonymous_provider(_config: AgentAuthConfiguration) -> AnonymousTokenProvider:
    return AnonymousTokenProvider()


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _unauthorized() -> web.Response:
    # Short and the same for every refusal: the caller learns nothing about why.
    return web.json_response(
        {"error": "Ingen giltig token."}, status=401, headers={"WWW-Authenticate": "Bearer"}
    )


async def _passed(_request: web.Request) -> None:
    return None


# The SDK's own check, on a handler that does nothing: it returns None when the token
# passed (with the claims on the request), otherwise its refusal.
_sdk_token_check = jwt_authorization_decorator(_passed)


def _token_checked(handler: Handler, client_id: str) -> Handler:
    """``handler`` behind the SDK's token check, with every refusal and every failure of
    the check a 401; with a client id, only a request with validated claims for this bot
    gets through, whatever the SDK was configured to allow."""

    async def checked(request: web.Request) -> web.StreamResponse:
        try:
            refusal = await _sdk_token_check(request)
        except Exception as error:  # e.g. a KeyError for a token without a key id
            # The type only: the message of a decoding error can quote the token.
            logger.warning("Refused a token the check failed on (%s)", type(error).__name__)
            return _unauthorized()
        if refusal is not None:
            return _unauthorized()
        if client_id and not _validated_for(request.get("claims_identity"), client_id):
            logger.warning("Refused a request without validated claims for this bot")
            return _unauthorized()
        return await handler(request)

    return checked


def _validated_for(identity: object, client_id: str) -> bool:
    """Whether the SDK validated a token whose audience is this bot."""
    if not isinstance(identity, ClaimsIdentity) or not identity.claims:
        return False
    audience = identity.get_claim_value("aud")
    return bool(identity.security_token) and (
        isinstance(audience, str) and audience.casefold() == client_id.casefold()
    )


def _service_url_allowed(request: web.Request, service_url: str) -> bool:
    """The Bot Framework binds a token to the channel that sends it (its ``serviceurl``
    claim): an activity may not name another one for the replies and member lookups."""
    identity = request.get("claims_identity")
    claim = identity.get_claim_value("serviceurl") if isinstance(identity, ClaimsIdentity) else None
    if claim is None:
        return True
    if not isinstance(claim, str):
        return False
    bound = origin(claim)
    return bound is not None and bound == origin(service_url)


async def _plain_server_header(_request: web.Request, response: web.StreamResponse) -> None:
    # aiohttp names itself and Python with their versions in every response; a scanner
    # has no need to know them.
    response.headers["Server"] = "ikbot"


async def _services_context(app: web.Application) -> AsyncIterator[None]:
    services = app[SERVICES]
    await services.start()
    # What start-up made (imports, the SDK, settings, the plans read so far) lives as long as
    # the process: out of the collector's way, a full collection no longer walks all of it.
    gc.freeze()
    yield
    gc.unfreeze()  # the process may go on (tests, a command that served for a while)
    await services.stop()
