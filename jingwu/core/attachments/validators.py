"""What an uploaded file is, read from its bytes (never from its name), and whether it may be kept.

``filetype`` (pure Python) recognises binary formats by their magic numbers; a ZIP is opened to tell
a Word or Excel file from any other archive (and to refuse macro-enabled documents); a file no
magic number matches is plain text only if it decodes as UTF-8 or GB18030, has no NUL bytes and
does not look like a web page or a script. Allowed kinds, the size limit and the number of files
per upload come from settings (``ATTACHMENT_TYPES``, ``ATTACHMENT_MAX_MB``, ``ATTACHMENT_MAX_FILES``).
"""

from __future__ import annotations

import codecs
import posixpath
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError

HEAD_BYTES = 8192  # enough for every magic number filetype knows
TEXT_SAMPLE = 64 * 1024
MAX_NAME = 255
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Kind:
    key: str
    label: str  # how the refusal messages and the upload hint name it
    mime: str  # what the file is stored and served as
    extensions: tuple[str, ...]


# Every kind Jingwu can recognise; settings.ATTACHMENT_TYPES picks the allowed ones.
KINDS: dict[str, Kind] = {
    k.key: k
    for k in (
        Kind("jpeg", "JPEG图片", "image/jpeg", ("jpg", "jpeg")),
        Kind("png", "PNG图片", "image/png", ("png",)),
        Kind("gif", "GIF图片", "image/gif", ("gif",)),
        Kind("webp", "WebP图片", "image/webp", ("webp",)),
        Kind("pdf", "PDF文档", "application/pdf", ("pdf",)),
        Kind("docx", "Word文档(docx)", DOCX_MIME, ("docx",)),
        Kind("xlsx", "Excel表格(xlsx)", XLSX_MIME, ("xlsx",)),
        Kind("mp3", "MP3录音", "audio/mpeg", ("mp3",)),
        Kind("m4a", "M4A录音", "audio/mp4", ("m4a",)),
        Kind("wav", "WAV录音", "audio/wav", ("wav",)),
        Kind("mp4", "MP4视频", "video/mp4", ("mp4",)),
        Kind("txt", "纯文本", "text/plain", ("txt",)),
    )
}
KIND_BY_MIME = {k.mime: k for k in KINDS.values()}
# filetype's MIME names → our kinds (the rest are recognised, named in the refusal, never kept).
_FILETYPE_KINDS = {
    "image/jpeg": "jpeg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "application/pdf": "pdf",
    "audio/mpeg": "mp3",
    "audio/mp4": "m4a",
    "audio/x-wav": "wav",
    "video/mp4": "mp4",
}
_DESCRIPTIONS = {
    "application/x-msdownload": "Windows可执行程序",
    "application/x-executable": "可执行程序(ELF)",
    "application/x-mach-binary": "可执行程序(Mach-O)",
    "application/x-sh": "脚本",
    "application/zip": "ZIP压缩包",
    "application/x-rar-compressed": "RAR压缩包",
    "application/x-7z-compressed": "7z压缩包",
    "application/gzip": "GZIP压缩包",
    "application/x-tar": "TAR归档",
    "application/msword": "旧版Word文档(doc)",
    "application/vnd.ms-excel": "旧版Excel表格(xls)",
    "image/heic": "HEIC图片",
    "image/bmp": "BMP图片",
    "image/tiff": "TIFF图片",
    "video/x-msvideo": "AVI视频",
    "video/quicktime": "MOV视频",
    "application/x-shockwave-flash": "Flash文件",
}
_HTML_MARKERS = ("<!doctype", "<html", "<head", "<body", "<script", "<iframe", "<svg", "<?xml", "<meta", "<object")


@dataclass(frozen=True)
class Detected:
    kind: Kind | None  # None: not a kind Jingwu knows how to keep
    description: str  # what the bytes are, for the refusal message
    problem: str = ""  # a known kind that is still refused (e.g. a document with macros)


@dataclass(frozen=True)
class Checked:
    """A file that passed every check, with what it was found to be."""

    file: Any
    name: str  # the cleaned original name
    kind: Kind
    size: int


def allowed_kinds() -> list[Kind]:
    keys = [str(k).strip().lower() for k in getattr(settings, "ATTACHMENT_TYPES", ())]
    unknown = [k for k in keys if k not in KINDS]
    if unknown:
        raise ValueError(f"ATTACHMENT_TYPES: unknown kinds {unknown}; known: {sorted(KINDS)}")
    return [KINDS[k] for k in keys]


def max_bytes() -> int:
    return int(getattr(settings, "ATTACHMENT_MAX_MB", 20)) * 1024 * 1024


def max_files() -> int:
    return int(getattr(settings, "ATTACHMENT_MAX_FILES", 10))


def allowed_summary() -> str:
    """The hint under an upload field: "允许:JPEG图片、PNG图片…;单个文件不超过20 MB,每次最多10个"."""
    labels = "、".join(k.label for k in allowed_kinds())
    return f"允许:{labels};单个文件不超过{settings.ATTACHMENT_MAX_MB} MB,每次最多{max_files()}个"


def accept_attribute() -> str:
    """The file picker's ``accept`` list (a convenience only: the server checks the bytes)."""
    return ",".join(f".{ext}" for k in allowed_kinds() for ext in k.extensions)


def clean_name(name: str) -> str:
    """The name as the user's computer called it, without any folder part or control characters."""
    text = (name or "").replace("\\", "/")
    text = posixpath.basename(text)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp")).strip()
    text = text.lstrip(".") or "附件"
    if len(text) > MAX_NAME:
        stem, dot, ext = text.rpartition(".")
        text = (stem[: MAX_NAME - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else text[:MAX_NAME]
    return text


def extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def download_name(original: str, mime: str) -> str:
    """The original name, with the right extension added when the name says another type."""
    kind = KIND_BY_MIME.get(mime)
    if kind is None or extension(original) in kind.extensions:
        return original
    return f"{original}.{kind.extensions[0]}"


def _read(stream: IO[bytes], size: int) -> bytes:
    stream.seek(0)
    data = stream.read(size)
    stream.seek(0)
    return data


def _zip_kind(stream: IO[bytes]) -> Detected:
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return Detected(None, "损坏的压缩文件")
    finally:
        stream.seek(0)
    lowered = {n.lower() for n in names}
    ooxml = "[content_types].xml" in lowered
    macros = any(n.endswith("vbaproject.bin") for n in lowered)
    if ooxml and "word/document.xml" in lowered:
        kind = KINDS["docx"]
    elif ooxml and "xl/workbook.xml" in lowered:
        kind = KINDS["xlsx"]
    elif ooxml and "ppt/presentation.xml" in lowered:
        return Detected(None, "PowerPoint演示文稿")
    else:
        return Detected(None, "ZIP压缩包")
    if macros:
        return Detected(kind, f"含宏的{kind.label}", problem="含有宏代码")
    return Detected(kind, kind.label)


def _text_kind(sample: bytes) -> Detected:
    if not sample:
        return Detected(None, "空文件")
    if b"\x00" in sample:
        return Detected(None, "无法识别的二进制文件")
    text = None
    body = sample[3:] if sample.startswith(codecs.BOM_UTF8) else sample
    for encoding in ("utf-8", "gb18030"):
        try:
            # final=False: a sample cut inside a multi-byte character still decodes.
            text = codecs.getincrementaldecoder(encoding)().decode(body, final=False)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        return Detected(None, "无法识别的二进制文件")
    lowered = text.lstrip().lower()
    if lowered.startswith("#!"):
        return Detected(None, "脚本")
    if any(marker in lowered for marker in ("<script", "<html", "<iframe", "javascript:")) or (
        lowered.startswith("<") and any(m in lowered[:2048] for m in _HTML_MARKERS)
    ):
        return Detected(None, "网页或脚本(HTML)")
    return Detected(KINDS["txt"], KINDS["txt"].label)


IMAGE_KINDS = ("jpeg", "png", "gif", "webp")
PDF_TAIL = 2048  # %%EOF must lie near the end (readers search the last kilobyte or so)
_PDF_HEADER = re.compile(rb"^%PDF-\d\.\d")


def _image_intact(stream: IO[bytes], kind: Kind) -> Detected:
    """An image whose first bytes say JPEG/PNG/GIF/WebP is decoded with Pillow (when installed): a
    file that only starts like an image, is truncated or is a decompression bomb is refused."""
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow comes with weasyprint
        return Detected(kind, kind.label)
    try:
        stream.seek(0)
        with Image.open(stream) as image:
            image.verify()  # the structure (chunks, checksums)
        stream.seek(0)
        with Image.open(stream) as image:
            image.load()  # the pixels: a truncated file fails here
    except Exception:  # noqa: BLE001 - Pillow raises many kinds for a damaged file; all mean "refuse"
        return Detected(None, f"损坏或伪装的{kind.label}")
    finally:
        stream.seek(0)
    return Detected(kind, kind.label)


def _pdf_intact(stream: IO[bytes], kind: Kind) -> Detected:
    """A PDF has its version header, and near its end ``startxref`` and ``%%EOF`` (the trailer every
    reader starts from); a file that only starts with ``%PDF`` is refused."""
    head = _read(stream, 16)
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(max(0, size - PDF_TAIL))
    tail = stream.read(PDF_TAIL)
    stream.seek(0)
    if not _PDF_HEADER.match(head) or b"%%EOF" not in tail or b"startxref" not in tail:
        return Detected(None, f"损坏或不完整的{kind.label}")
    return Detected(kind, kind.label)


def detect(stream: IO[bytes]) -> Detected:
    """What the bytes of ``stream`` are (the stream is left at its start). Images are decoded and a
    PDF's trailer checked: the first bytes alone do not make a file what it claims to be."""
    head = _read(stream, HEAD_BYTES)
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(stream)
    guess = filetype.guess(head) if head else None
    if guess is None:
        return _text_kind(_read(stream, TEXT_SAMPLE))
    key = _FILETYPE_KINDS.get(guess.mime)
    if key in IMAGE_KINDS:
        return _image_intact(stream, KINDS[key])
    if key == "pdf":
        return _pdf_intact(stream, KINDS[key])
    if key is not None:
        return Detected(KINDS[key], KINDS[key].label)
    return Detected(None, _DESCRIPTIONS.get(guess.mime, f"{guess.mime}(.{guess.extension})"))


def check(files: Iterable[Any]) -> list[Checked]:
    """Every file's type (by content), size and name; all problems at once, each naming its file.

    Raises ``ValidationError`` (a list of messages, Chinese / English) when any file is refused."""
    files = [f for f in files if f]
    errors: list[str] = []
    limit = max_files()
    if len(files) > limit:
        errors.append(f"一次最多上传{limit}个附件,本次为{len(files)}个 / at most {limit} files per upload")
    allowed = allowed_kinds()
    allowed_labels = "、".join(k.label for k in allowed)
    strict = bool(getattr(settings, "ATTACHMENT_STRICT_EXTENSION", False))
    checked: list[Checked] = []
    for upload in files:
        name = clean_name(getattr(upload, "name", "") or "")
        size = int(getattr(upload, "size", 0) or 0)
        if size == 0:
            errors.append(f"“{name}”:文件为空 / “{name}” is empty")
            continue
        if size > max_bytes():
            errors.append(
                f"“{name}”:文件大小{size / 1048576:.1f} MB,超过上限{settings.ATTACHMENT_MAX_MB} MB"
                f" / “{name}” is {size / 1048576:.1f} MB, over the {settings.ATTACHMENT_MAX_MB} MB limit"
            )
            continue
        found = detect(upload)
        if found.kind is None or found.kind not in allowed:
            errors.append(
                f"“{name}”:文件内容是{found.description},不是允许的类型(允许:{allowed_labels})"
                f" / “{name}”: the content is not an allowed type"
            )
            continue
        if found.problem:
            errors.append(f"“{name}”:{found.description}{found.problem},不予接收 / “{name}” contains macros")
            continue
        ext = extension(name)
        if strict and ext not in found.kind.extensions:
            said = f"文件名后缀为“.{ext}”" if ext else "文件名没有后缀"
            errors.append(f"“{name}”:{said},内容却是{found.kind.label} / the name does not match the content")
            continue
        checked.append(Checked(file=upload, name=name, kind=found.kind, size=size))
    if errors:
        raise ValidationError(errors)
    return checked
