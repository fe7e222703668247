"""Vehicle photos that gates upload (instead of hosting them) and that the demo draws.

Uploads are decoded with Pillow, checked, and re-encoded before they are
stored: what we serve is a picture we made, with no camera metadata and no
bytes smuggled along in the original file.
"""

import io
import uuid
import warnings
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

from config.i18n import file_size, interpolate

_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


class InvalidPhoto(Exception):
    def __init__(self, code: str, message, status: int = 422):
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True)
class StoredPhoto:
    url: str  # of the full picture (MEDIA_URL relative unless storage says otherwise)
    name: str  # storage name of the full picture
    thumbnail: str  # storage name of the thumbnail

    def delete(self) -> None:
        default_storage.delete(self.name)
        default_storage.delete(self.thumbnail)


def too_large_photo() -> InvalidPhoto:
    """A photo file over PHOTO_MAX_BYTES, said as Django says file sizes (5 MiB: "5.0 MB")."""
    return InvalidPhoto(
        "photo_too_large",
        interpolate(
            _("The photo is larger than %(size)s."), {"size": file_size(settings.PHOTO_MAX_BYTES)}
        ),
        status=413,
    )


def _decode(upload) -> Image.Image:
    if upload.size > settings.PHOTO_MAX_BYTES:
        raise too_large_photo()
    try:
        with warnings.catch_warnings():
            # Over MAX_IMAGE_PIXELS is a bomb for us, not a warning.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload)
            if image.format not in _FORMATS:
                raise InvalidPhoto(
                    "invalid_photo", _("The photo must be a JPEG, PNG or WebP image.")
                )
            if max(image.size) > settings.PHOTO_MAX_SIDE:
                raise InvalidPhoto(
                    "photo_too_large",
                    interpolate(
                        _("The photo is larger than %(px)s pixels on a side."),
                        {"px": settings.PHOTO_MAX_SIDE},
                    ),
                )
            image.load()
    except InvalidPhoto:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidPhoto(
            "photo_too_large",
            interpolate(
                _("The photo is larger than %(px)s pixels on a side."),
                {"px": settings.PHOTO_MAX_SIDE},
            ),
        ) from None
    except UnidentifiedImageError:
        raise InvalidPhoto("invalid_photo", _("The photo is not a readable image.")) from None
    except (OSError, SyntaxError, ValueError):
        raise InvalidPhoto("invalid_photo", _("The photo is damaged or truncated.")) from None
    return image


def _encode(image: Image.Image, image_format: str, **options) -> ContentFile:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return ContentFile(buffer.getvalue())


def store_photo(image: Image.Image, image_format: str, *, now: datetime) -> StoredPhoto:
    """Save a picture and its thumbnail through Django's storage API."""
    image = ImageOps.exif_transpose(image)
    if image_format == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    stem = f"photos/{now:%Y/%m/%d}/{uuid.uuid4().hex}"
    name = default_storage.save(
        f"{stem}.{_FORMATS[image_format]}", _encode(image, image_format, quality=90)
    )
    thumbnail = image.convert("RGB")
    side = settings.PHOTO_THUMBNAIL_SIDE
    thumbnail.thumbnail((side, side))
    thumbnail_name = default_storage.save(
        f"{stem}-thumb.jpg", _encode(thumbnail, "JPEG", quality=80)
    )
    return StoredPhoto(url=default_storage.url(name), name=name, thumbnail=thumbnail_name)


def store_uploaded_photo(upload, *, now: datetime) -> StoredPhoto:
    """Check an uploaded gate photo (raises InvalidPhoto) and store it."""
    image = _decode(upload)
    return store_photo(image, image.format, now=now)


def draw_vehicle_photo(plate: str, *, colour: tuple[int, int, int]) -> Image.Image:
    """A camera-like picture of a car seen from behind, its plate readable: demo data."""
    image = Image.new("RGB", (640, 400), (70, 74, 80))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 300, 640, 400), fill=(52, 55, 60))  # the lane
    for x in range(20, 640, 120):
        draw.rectangle((x, 345, x + 60, 352), fill=(220, 200, 80))
    draw.rounded_rectangle((130, 70, 510, 320), radius=40, fill=colour)  # body
    draw.polygon([(190, 80), (450, 80), (480, 160), (160, 160)], fill=(40, 50, 70))  # rear window
    for x in (120, 460):  # tyres
        draw.rounded_rectangle((x, 290, x + 60, 340), radius=12, fill=(20, 20, 20))
    for x in (150, 430):  # tail lights
        draw.rounded_rectangle((x, 180, x + 60, 210), radius=8, fill=(200, 30, 30))
    draw.rectangle((215, 225, 425, 285), fill=(250, 250, 245), outline=(10, 10, 10), width=3)
    font = ImageFont.load_default(size=36)
    draw.text((320, 255), plate, fill=(10, 10, 10), font=font, anchor="mm")
    return image


PHOTO_URL_MAX_LENGTH = 2000
# What RFC 3986 allows in a URL (with %-escapes); no quotes, angle brackets or spaces,
# so a stored URL can never break out of an attribute, even if a page forgot to escape.
_URL_CHARACTERS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%"
)


def validate_photo_url(url: str) -> str:
    """An http(s) URL of a photo the gate hosts itself. We store it; we never fetch it."""
    url = url.strip()
    if len(url) > PHOTO_URL_MAX_LENGTH:
        raise InvalidPhoto(
            "invalid_photo_url",
            interpolate(
                _("The photo URL is longer than %(max)s characters."),
                {"max": PHOTO_URL_MAX_LENGTH},
            ),
        )
    if not set(url) <= _URL_CHARACTERS:
        raise InvalidPhoto(
            "invalid_photo_url",
            _(
                "The photo URL may hold only URL characters: percent-encode others, and "
                "write an international domain name in its xn-- form."
            ),
        )
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        host = None
    if host is None or parts.scheme not in ("http", "https"):
        raise InvalidPhoto("invalid_photo_url", _("The photo URL must be an http or https URL."))
    if parts.username is not None or parts.password is not None:
        # The kiosk shows photo URLs to anyone who searches a plate.
        raise InvalidPhoto(
            "invalid_photo_url",
            _("The photo URL must not carry a user name or password: drivers see it."),
        )
    try:
        parts.port  # noqa: B018 (a port beyond 65535 raises here)
    except ValueError:
        raise InvalidPhoto(
            "invalid_photo_url", _("The photo URL's port must be a number up to 65535.")
        ) from None
    return url
