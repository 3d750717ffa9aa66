"""Image conversion for exports: decode under Pillow's decompression-bomb guard, apply the EXIF
orientation, shrink, and re-encode with no metadata at all (EXIF with its GPS IFD, XMP, PNG text,
comments and ICC profiles are gone; colours with an ICC profile are converted to sRGB first).

Formats: HEIC/HEIF become JPEG; JPEG, PNG, WEBP and GIF keep their format. Animated GIFs (and
animated WEBPs) keep only their first frame. Only the JPEG (with MPO), PNG, GIF, WEBP and HEIF decoders
are tried, whatever the bytes claim to be.

The bomb guard: Pillow reads `Image.MAX_IMAGE_PIXELS`, a module global, when it opens an image, so
decoding happens under a module lock that sets it to the limit (and turns DecompressionBombWarning
into an error, since warning filters are process-wide too) and restores it afterwards."""

from __future__ import annotations

import colorsys
import hashlib
import io
import threading
import warnings
from dataclasses import dataclass, field

import pillow_heif
from PIL import Image, ImageCms, ImageOps

from changple_domain.errors import UnsafeUpload
from changple_domain.model.content import UploadLimits

pillow_heif.register_heif_opener()

_PIXELS_LOCK = threading.Lock()
_DECODERS = ("JPEG", "PNG", "GIF", "WEBP", "HEIF")  # JPEG also opens MPO (iPhone) files
_BOMBS = (Image.DecompressionBombWarning, Image.DecompressionBombError)
_WHITE = (255, 255, 255)
JPEG_QUALITY = 85
CARD_SIZE = (640, 360)


@dataclass(frozen=True)
class OutputKind:
    extension: str
    pil_format: str
    content_type: str


JPEG = OutputKind("jpg", "JPEG", "image/jpeg")
_KINDS = {
    "jpg": JPEG,
    "jpeg": JPEG,
    "heic": JPEG,
    "heif": JPEG,
    "png": OutputKind("png", "PNG", "image/png"),
    "gif": OutputKind("gif", "GIF", "image/gif"),
    "webp": OutputKind("webp", "WEBP", "image/webp"),
}
IMAGE_EXTENSIONS = frozenset(_KINDS)


def output_kind(name: str) -> OutputKind | None:
    """What an entry named `name` becomes, or None when it is not an image we take."""
    return _KINDS.get(name.rsplit(".", 1)[-1].lower()) if "." in name else None


@dataclass(frozen=True)
class ConvertedImage:
    data: bytes = field(repr=False)
    content_type: str
    image: Image.Image = field(repr=False)  # the clean, shrunk pixels (for a thumbnail)


def decode(data: bytes, *, what: str, limits: UploadLimits, bad_reason: str) -> Image.Image:
    """Open and load `data` under the bomb guard, upright; refusals start with `what` ("the image 'x.png'")."""
    with _PIXELS_LOCK, warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        previous = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = limits.max_image_pixels
        try:
            with Image.open(io.BytesIO(data), formats=_DECODERS) as opened:
                if opened.width * opened.height > limits.max_image_pixels:
                    raise Image.DecompressionBombError(f"{opened.width}x{opened.height}")
                opened.load()
                return ImageOps.exif_transpose(opened)
        except _BOMBS as exc:
            raise UnsafeUpload(
                "image_bomb",
                f"{what} has more than {limits.max_image_pixels:,} pixels (a decompression bomb); "
                "resize it and export again",
            ) from exc
        except Exception as exc:  # Pillow's decoders raise many kinds of errors on hostile bytes
            raise UnsafeUpload(bad_reason, f"{what} is damaged or not an image we can read; replace it") from exc
        finally:
            Image.MAX_IMAGE_PIXELS = previous


def convert_image(data: bytes, *, name: str, what: str, limits: UploadLimits) -> ConvertedImage:
    """Decode the entry `name`, shrink it to `limits.max_image_side` and re-encode it clean."""
    kind = output_kind(name) or JPEG
    image = decode(data, what=what, limits=limits, bad_reason="bad_image")
    try:
        image = _to_srgb(image)
        image.thumbnail((limits.max_image_side, limits.max_image_side), Image.Resampling.LANCZOS)
        image = _for_format(_stripped(image), kind.pil_format)
        out = io.BytesIO()
        if kind.pil_format == "JPEG":
            image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
        elif kind.pil_format == "WEBP":
            image.save(out, "WEBP", quality=JPEG_QUALITY)
        else:
            image.save(out, kind.pil_format)
    except Exception as exc:
        raise UnsafeUpload("bad_image", f"{what} could not be converted ({exc}); replace it") from exc
    return ConvertedImage(data=out.getvalue(), content_type=kind.content_type, image=image)


def thumbnail_jpeg(image: Image.Image, side: int) -> bytes:
    """A JPEG of `image` whose longer side is at most `side` (never enlarged)."""
    try:
        small = _to_srgb(image)
        small = _flatten(small) if small.mode != "RGB" else small.copy()
        small.thumbnail((side, side), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        _stripped(small).save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    except Exception as exc:
        raise UnsafeUpload("bad_thumbnail", f"the thumbnail could not be made ({exc}); use another image") from exc
    return out.getvalue()


def card_jpeg(seed: str, side: int) -> bytes:
    """A plain card for a page with no image: a 16:9 JPEG in a calm colour derived from `seed`.
    No text is drawn: servers are not guaranteed a Korean font."""
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    red, green, blue = colorsys.hsv_to_rgb(digest[0] / 255, 0.35 + digest[1] / 255 * 0.2, 0.7 + digest[2] / 255 * 0.15)
    width, height = CARD_SIZE
    scale = min(1.0, side / max(width, height))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    card = Image.new("RGB", size, (round(red * 255), round(green * 255), round(blue * 255)))
    out = io.BytesIO()
    card.save(out, "JPEG", quality=JPEG_QUALITY)
    return out.getvalue()


def _to_srgb(image: Image.Image) -> Image.Image:
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode=image.mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # a broken profile is dropped; the pixels are kept as they are
    return converted if converted is not None else image


def _stripped(image: Image.Image) -> Image.Image:
    """The same pixels in a new image that carries no metadata (only a palette and transparency)."""
    clean = Image.frombytes(image.mode, image.size, image.tobytes())
    if image.mode in ("P", "PA") and image.palette is not None:
        palette_mode = image.palette.mode
        clean.putpalette(image.getpalette(palette_mode) or [], palette_mode)
    transparency = image.info.get("transparency")
    if isinstance(transparency, int | bytes | tuple):
        clean.info["transparency"] = transparency
    return clean


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on a white background (JPEG has no alpha)."""
    rgba = image.convert("RGBA")
    flat = Image.new("RGB", rgba.size, _WHITE)
    flat.paste(rgba, mask=rgba.getchannel("A"))
    return flat


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)


def _for_format(image: Image.Image, pil_format: str) -> Image.Image:
    if pil_format == "JPEG":
        if image.mode in ("RGB", "L"):
            return image
        return _flatten(image) if _has_alpha(image) else image.convert("RGB")
    if pil_format == "WEBP":
        wanted = "RGBA" if _has_alpha(image) else "RGB"
        return image if image.mode == wanted else image.convert(wanted)
    if pil_format == "PNG":
        if image.mode in ("1", "L", "LA", "P", "RGB", "RGBA", "I;16"):
            return image
        return image.convert("RGBA" if _has_alpha(image) else "RGB")
    if image.mode in ("P", "L"):  # GIF
        return image
    return (_flatten(image) if _has_alpha(image) else image.convert("RGB")).convert("P", palette=Image.Palette.ADAPTIVE)
