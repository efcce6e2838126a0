"""The shop's logo: checked, stored, removed and addressed in one place.

The workspace's Settings screen (:mod:`portal.admin.branding`), the REST API's
``/settings/logo`` (:mod:`portal.api.merchant_settings`) and ``portal settings logo`` hand
the file's bytes to :func:`store` and drop it with :func:`remove`; what one refuses the
others refuse, in the same words. :func:`portal.core.images.inspect` reads the type from
the file itself (PNG, JPEG or WebP; SVG is refused, it can carry script), its size (at most
1 MB) and its dimensions (at most 2000 × 2000).

A logo is a file with a random name under ``var_dir/uploads/logos``, named by
``Merchant.branding["logo_path"]``; anyone may read it at ``/media/logo/<shop's slug>``,
which the tracking, returns and survey pages show and :func:`url` gives the messages.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tortoise.transactions import in_transaction

from portal.core import images
from portal.core.images import ImageRejected
from portal.i18n import lazy
from portal.models import Merchant
from portal.settings import Settings

__all__ = ["ERRORS", "STATUS", "ImageRejected", "file_of", "folder", "remove", "store", "url"]

MAX_BYTES = images.MAX_BYTES
#: Why a file is refused, by :class:`ImageRejected` code (English, marked for translation).
ERRORS = {
    "too_big": lazy("The logo is larger than 1 MB. Save it smaller and try again."),
    "svg": lazy("SVG logos are not accepted. Upload a PNG, JPEG or WebP image."),
    "type": lazy("This is not a PNG, JPEG or WebP image."),
    "empty": lazy("This is not a PNG, JPEG or WebP image."),
    "corrupt": lazy("This image file seems damaged."),
    "dimensions": lazy("The logo is larger than 2000 × 2000 pixels."),
}
#: The HTTP status of each refusal: too large, a type not taken, a damaged or empty image.
STATUS = {"too_big": 413, "svg": 415, "type": 415, "empty": 422, "corrupt": 422, "dimensions": 422}


def folder(settings: Settings) -> Path:
    return Path(settings.var_dir) / "uploads" / "logos"


def _stored_name(merchant: Any) -> str | None:
    """The logo's file name, when the shop has one stored here (not a path or a URL)."""
    branding = getattr(merchant, "branding", None)
    name = branding.get("logo_path") if isinstance(branding, dict) else None
    if not isinstance(name, str) or not name.strip() or "/" in name or "\\" in name:
        return None
    return name


def file_of(merchant: Merchant | None, settings: Settings) -> Path | None:
    """The shop's logo file, if it has one and it is there."""
    name = _stored_name(merchant) if merchant is not None else None
    path = folder(settings) / name if name else None
    return path if path is not None and path.is_file() else None


def url(merchant: Any, base_url: str) -> str | None:
    """Where a customer's browser or mail reader fetches the shop's logo (None: none).

    A stored upload is served at ``/media/logo/<slug>``; an older ``logo_url`` or path in
    the branding is kept as it was written (made absolute on ``base_url``).
    """
    slug = getattr(merchant, "slug", None)
    if _stored_name(merchant) is not None and slug:
        return f"{base_url.rstrip('/')}/media/logo/{quote(slug, safe='')}"
    branding = getattr(merchant, "branding", None) or {}
    given = str(branding.get("logo_url") or branding.get("logo_path") or "").strip()
    if not given:
        return None
    if given.startswith(("https://", "http://")):
        return given
    return f"{base_url.rstrip('/')}/{given.lstrip('/')}"


async def _set_name(merchant_id: int, name: str | None) -> tuple[Merchant, str | None]:
    """Point the shop's branding at ``name`` (None: no logo) under the row's lock, so a
    settings save running at the same time keeps its keys and this one; answers the
    merchant as stored and the file name it replaced."""
    async with in_transaction() as conn:
        merchant = await Merchant.filter(id=merchant_id).using_db(conn).select_for_update().get()
        branding = dict(merchant.branding or {})
        old = _stored_name(merchant)
        if name is None:
            branding.pop("logo_path", None)
        else:
            branding["logo_path"] = name
        await Merchant.filter(id=merchant_id).using_db(conn).update(branding=branding)
    return await Merchant.get(id=merchant_id), old


async def store(merchant_id: int, data: bytes, settings: Settings) -> Merchant:
    """Make ``data`` the shop's logo; :class:`ImageRejected` (nothing changed) when it is
    not an acceptable one. The file replaced is deleted once the new one is in place."""
    info = images.inspect(data)
    place = folder(settings)
    place.mkdir(parents=True, exist_ok=True)
    name = secrets.token_urlsafe(18) + info.extension
    (place / name).write_bytes(data)
    try:
        merchant, old = await _set_name(merchant_id, name)
    except BaseException:
        (place / name).unlink(missing_ok=True)
        raise
    if old and old != name:
        (place / old).unlink(missing_ok=True)
    return merchant


async def remove(merchant_id: int, settings: Settings) -> Merchant:
    """The shop shows no logo any more (a shop without one is left as it is)."""
    merchant, old = await _set_name(merchant_id, None)
    if old:
        (folder(settings) / old).unlink(missing_ok=True)
    return merchant
