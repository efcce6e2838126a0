"""Import pages: upload (50 MB at most), progress, preview with row errors, confirm.

The upload is copied into a per-merchant staging folder and parsed after the response
(a background task), so the browser sees progress instead of a hanging request. The
state lives in files under ``var_dir/imports``; the token in the URL is random and only
resolves inside the signed-in merchant's folder.
"""

from __future__ import annotations

import functools
import secrets
import shutil
from pathlib import Path
from typing import Any

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from tortoise.exceptions import IntegrityError

from portal.admin import csv_import, import_commit
from portal.admin.auth import render, require_staff, staff_of
from portal.i18n import _, lazy
from portal.tracking import accounts, registration

ERRORS = {
    "missing": lazy("This value is required."),
    "too_long": lazy("This value is too long."),
    "slash_in_number": lazy(
        "An order number cannot contain “/”: links and the API could not reach it."
    ),
    "bad_date": lazy("Not a date. Use 2026-11-02 or 2026-11-02T14:30:00+01:00."),
    "bad_quantity": lazy("Not a whole number from 1."),
    "bad_number": lazy("Not a price. Use 12.50 or 12,50."),
    "bad_bool": lazy("Use yes or no."),
    "bad_preferences": lazy(
        "Use home, locker or pickup_point as the delivery method (a locker or pickup point "
        "needs its id) and days like mon,wed."
    ),
    "bad_email": lazy("Not an e-mail address."),
    "bad_country": lazy("Use a two-letter country code like PL."),
    "bad_currency": lazy("Use a three-letter currency code like EUR."),
    "bad_phone": lazy("Not a phone number."),
    "bad_tracking": lazy("Not a tracking number."),
    "unknown_carrier": lazy("Unknown carrier, and it could not be recognised from the number."),
    "unknown_carrier_account": lazy(
        "No carrier account of this shop for the row's carrier has this name."
    ),
    "duplicate_in_file": lazy("The same order and SKU appear earlier in the file."),
    "tracking_in_two_orders": lazy("This tracking number belongs to another order in the file."),
    "order_exists": lazy("This order number is already in Doorstep."),
    "tracking_exists": lazy("This tracking number is already in Doorstep."),
}
FILE_ERRORS = {
    "encoding": lazy("The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again."),
    "empty": lazy("The file is empty."),
    "missing_columns": lazy(
        "The first row must name the columns, including order_number, order_date, sku, "
        "title, quantity and unit_price."
    ),
    "csv": lazy("The file could not be read as CSV."),
}


def _folder(request: Request) -> Path:
    merchant = staff_of(request).merchant
    settings = request.app.state.settings
    try:
        folder = csv_import.staging_dir(settings.var_dir, merchant.id, request.path_params["token"])
    except FileNotFoundError:
        raise HTTPException(404) from None
    if not (folder / "state.json").is_file():
        raise HTTPException(404)
    return folder


def _too_large(request: Request) -> Response:
    return render(request, "admin/import_too_large.html", {}, status=413)


@require_staff()
async def import_page(request: Request) -> Response:
    return render(request, "admin/import.html", {"columns": csv_import.COLUMNS})


async def run_parse(
    folder: Path, upload: Path, merchant_id: int, available: set[str] | None = None
) -> None:
    """Stage the upload, reading its ``carrier`` cells for the shop's country and accounts."""
    country, held = await registration.shop_carriers(merchant_id)
    state = await run_in_threadpool(
        functools.partial(
            csv_import.parse, folder, upload, available, country=country, accounts=held
        )
    )
    if state["status"] == "checking":
        await import_commit.mark_existing(folder, merchant_id)
        state["status"] = "ready"
        csv_import.write_state(folder, state)
    await run_in_threadpool(upload.unlink, True)


@require_staff()
async def upload(request: Request) -> Response:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > csv_import.MAX_UPLOAD_BYTES + 64 * 1024:
        return _too_large(request)
    merchant = staff_of(request).merchant
    token = secrets.token_urlsafe(24)
    folder = csv_import.staging_dir(request.app.state.settings.var_dir, merchant.id, token)
    async with request.form(max_files=1, max_fields=5) as form:
        file = form.get("file")
        if file is None or isinstance(file, str) or not file.filename:
            context = {"columns": csv_import.COLUMNS, "error": _("Choose a CSV file to upload.")}
            return render(request, "admin/import.html", context, status=400)
        if (file.size or 0) > csv_import.MAX_UPLOAD_BYTES:
            return _too_large(request)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / "upload.csv"

        def copy() -> None:
            file.file.seek(0)
            with target.open("wb") as out:
                shutil.copyfileobj(file.file, out, 1024 * 1024)

        await run_in_threadpool(copy)
    csv_import.write_state(folder, {"status": "parsing", "bytes_total": target.stat().st_size,
                                    "bytes_read": 0, "rows": 0})  # fmt: skip
    return RedirectResponse(
        f"/admin/imports/{token}",
        status_code=303,
        background=BackgroundTask(
            run_parse,
            folder,
            target,
            merchant.id,
            set(accounts.offered(request.app.state.settings)),
        ),
    )


def _progress_context(state: dict[str, Any]) -> dict[str, Any]:
    total = state.get("bytes_total") or 1
    return {"state": state, "percent": min(100, int(100 * state.get("bytes_read", 0) / total))}


@require_staff()
async def progress(request: Request) -> Response:
    state = csv_import.read_state(_folder(request))
    context = {"token": request.path_params["token"], **_progress_context(state)}
    response = render(request, "admin/_import_progress.html", context)
    if state["status"] not in ("parsing", "checking"):
        response.headers["HX-Refresh"] = "true"
    return response


@require_staff()
async def preview(request: Request) -> Response:
    folder = _folder(request)
    state = csv_import.read_state(folder)
    context: dict[str, Any] = {"token": request.path_params["token"], **_progress_context(state)}
    if state["status"] == "failed":
        context["file_error"] = _(FILE_ERRORS.get(state.get("error", ""), FILE_ERRORS["csv"]))
    elif state["status"] in ("ready", "imported"):
        report = await run_in_threadpool(csv_import.summary, folder)
        for error in report["errors"]:
            error["message"] = _(ERRORS.get(error["code"], ERRORS["missing"]))
        context["report"] = report
    return render(request, "admin/import_preview.html", context)


@require_staff()
async def confirm(request: Request) -> Response:
    folder = _folder(request)
    state = csv_import.read_state(folder)
    if state["status"] != "ready":
        return RedirectResponse(f"/admin/imports/{request.path_params['token']}", status_code=303)
    merchant = staff_of(request).merchant
    try:
        (folder / "confirm.lock").open("x").close()  # atomic: one confirm per upload
    except FileExistsError:
        return RedirectResponse(f"/admin/imports/{request.path_params['token']}", status_code=303)
    try:
        written = await import_commit.commit(folder, merchant.id)
    except IntegrityError:
        (folder / "confirm.lock").unlink(missing_ok=True)
        error = _("Something changed in the meantime, so nothing was imported. Upload again.")
        context = {"error": error, "columns": csv_import.COLUMNS}
        return render(request, "admin/import.html", context, status=409)
    state.update(status="imported", written=written)
    csv_import.write_state(folder, state)
    return render(request, "admin/import_done.html", {"written": written})
