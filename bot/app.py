"""The aiohttp application: the Agents SDK adapter on /api/messages and the services."""

from __future__ import annotations

import logging
import warnings
from collections.abc import AsyncIterator

from aiohttp import web
from microsoft_agents.activity import load_configuration_from_env
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import (
    CloudAdapter,
    jwt_authorization_decorator,
    start_agent_process,
)
from microsoft_agents.hosting.core import AgentApplication, MemoryStorage, TurnState
from pydantic import ValidationError

from bot.health import add_health_routes
from bot.logs import bind_activity, request_context
from bot.services import Services
from bot.settings import Settings
from dialogs import channel
from dialogs.connector import BoundedClientFactory
from dialogs.handlers import register

logger = logging.getLogger(__name__)

MESSAGES_PATH = "/api/messages"
SERVICES = web.AppKey("services", Services)
AGENT = web.AppKey("agent", AgentApplication)
ADAPTER = web.AppKey("adapter", CloudAdapter)


def quiet_libraries() -> None:
    """Keep third-party loggers to what an operator needs (and away from user texts)."""
    for name in ("httpx", "kiota", "msal", "aiosqlite", "microsoft_agents"):
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
    services = services or Services.build(settings)
    config = load_configuration_from_env(settings.agent_env_for_sdk())
    quiet_libraries()
    connections = MsalConnectionManager(**config)
    adapter = CloudAdapter(
        connection_manager=connections,
        channel_service_client_factory=BoundedClientFactory(
            connections, timeout=settings.connector_timeout
        ),
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

    app = web.Application(middlewares=[request_context])
    with warnings.catch_warnings():
        # The SDK's JWT check reads this string key; aiohttp prefers AppKeys.
        warnings.simplefilter("ignore")
        app["agent_configuration"] = connections.get_default_connection_configuration()
    app[SERVICES] = services
    app[AGENT] = agent
    app[ADAPTER] = adapter

    async def messages(request: web.Request) -> web.StreamResponse:
        # The SDK answers 500 to an activity it cannot parse; a malformed request is the
        # client's fault, so it gets 400 and changes nothing.
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"error": "Ogiltig JSON."}, status=400)
        if not isinstance(body, dict) or not isinstance(body.get("type"), str):
            return web.json_response({"error": "Ogiltig aktivitet."}, status=400)
        bind_activity(body)
        if not channel.served(body):
            # Refused before the SDK sees it: nothing looked up, nothing sent to its serviceUrl.
            return web.json_response({"error": channel.NOT_SERVED}, status=400)
        try:
            response = await start_agent_process(request, agent, adapter)
        except ValidationError:
            logger.warning("Rejected a malformed activity")
            return web.json_response({"error": "Ogiltig aktivitet."}, status=400)
        return response if response is not None else web.Response(status=202)

    # Only the bot's endpoint needs a Bot Framework token (when a client id is set); the
    # SDK's middleware would guard every route, probes included, so it guards this one.
    app.router.add_post(MESSAGES_PATH, jwt_authorization_decorator(messages))
    add_health_routes(app, services)
    app.on_response_prepare.append(_plain_server_header)
    app.cleanup_ctx.append(_services_context)
    return app


async def _plain_server_header(_request: web.Request, response: web.StreamResponse) -> None:
    # aiohttp names itself and Python with their versions in every response; a scanner
    # has no need to know them.
    response.headers["Server"] = "ikbot"


async def _services_context(app: web.Application) -> AsyncIterator[None]:
    services = app[SERVICES]
    await services.start()
    yield
    await services.stop()
