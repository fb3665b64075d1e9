"""The start-up anchor of bench/startup.py: a bare Agents SDK agent, as the SDK's quickstart
hosts one (MsalConnectionManager, CloudAdapter, AgentApplication[TurnState] with
MemoryStorage, the SDK's JWT middleware), anonymous on 127.0.0.1, echoing every message.

Run: ``python bench/startup_anchor.py PORT`` with
``CONNECTIONS__SERVICE_CONNECTION__SETTINGS__ANONYMOUS_ALLOWED=true``. Nothing of ours is
imported, so its launch → first echoed message is what any agent on this stack pays.
"""

from __future__ import annotations

import os
import sys
import warnings

from aiohttp import web
from microsoft_agents.activity import load_configuration_from_env
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import (
    CloudAdapter,
    jwt_authorization_middleware,
    start_agent_process,
)
from microsoft_agents.hosting.core import AgentApplication, MemoryStorage, TurnContext, TurnState


def main() -> None:
    """Serve the echo agent on the port given, until stopped."""
    config = load_configuration_from_env(dict(os.environ))
    connections = MsalConnectionManager(**config)
    adapter = CloudAdapter(connection_manager=connections)
    agent = AgentApplication[TurnState](
        storage=MemoryStorage(),
        connection_manager=connections,
        start_typing_timer=False,
        **config,
    )

    @agent.activity("message")
    async def on_message(context: TurnContext, _state: TurnState) -> None:
        await context.send_activity(context.activity.text)

    async def messages(request: web.Request) -> web.StreamResponse:
        response = await start_agent_process(request, agent, adapter)
        return response if response is not None else web.Response(status=202)

    app = web.Application(middlewares=[jwt_authorization_middleware])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the SDK reads this string key
        app["agent_configuration"] = connections.get_default_connection_configuration()
    app.router.add_post("/api/messages", messages)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)


if __name__ == "__main__":
    main()
