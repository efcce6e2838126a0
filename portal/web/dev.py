"""The dev mailbox: what the portal would have sent, when no SMTP or Twilio is configured.

Mounted only outside production mode, so ``make run`` shows the whole notification flow.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from portal.notifications.devmailbox import mailbox_message, mailbox_messages
from portal.web.templating import templates_of


async def mailbox(request: Request) -> Response:
    channel = request.query_params.get("channel")
    if channel not in (None, "email", "sms"):
        channel = None
    messages = await mailbox_messages(100, channel=channel)
    return templates_of(request).TemplateResponse(
        request, "dev/mailbox.html", {"messages": messages, "channel": channel}
    )


async def mailbox_message_page(request: Request) -> Response:
    message = await mailbox_message(request.path_params["id"])
    if message is None:
        raise HTTPException(404)
    return templates_of(request).TemplateResponse(request, "dev/message.html", {"message": message})
