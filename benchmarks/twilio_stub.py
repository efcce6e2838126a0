"""A Twilio-shaped HTTP stub for the dispatch benchmark: ``python -m benchmarks.twilio_stub``.

It answers ``POST /2010-04-01/Accounts/{sid}/Messages.json`` with 201 and the Message
resource as Twilio documents it (``sid``, ``status: queued``, ...), and ``GET /health``.
Nothing is checked or kept: it stands for a provider that is never the bottleneck.
"""

from __future__ import annotations

import argparse
import itertools
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import format_datetime

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


def create_app() -> Starlette:
    serial = itertools.count(1)

    async def create_message(request: Request) -> JSONResponse:
        form = await request.form()
        sid = request.path_params["sid"]
        message_sid = f"SM{next(serial):032x}"
        now = format_datetime(datetime.now(UTC))
        body = {
            "account_sid": sid,
            "api_version": "2010-04-01",
            "body": form.get("Body", ""),
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": message_sid,
            "status": "queued",
            "subresource_uris": {
                "media": f"/2010-04-01/Accounts/{sid}/Messages/{message_sid}/Media.json"
            },
            "to": form.get("To"),
            "uri": f"/2010-04-01/Accounts/{sid}/Messages/{message_sid}.json",
        }
        return JSONResponse(body, status_code=201)

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[
            Route("/2010-04-01/Accounts/{sid}/Messages.json", create_message, methods=["POST"]),
            Route("/health", health, methods=["GET"]),
        ]
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.twilio_stub")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8901)
    args = parser.parse_args(argv)
    import uvicorn

    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
