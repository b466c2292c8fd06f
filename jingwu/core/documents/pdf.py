"""Printable PDF from HTML (or from a ``DocSpec``) with WeasyPrint and a CJK font from fontconfig.

WeasyPrint needs Pango (Debian: ``libpango-1.0-0 libpangoft2-1.0-0``) and a Chinese font
(``fonts-wqy-zenhei`` or ``fonts-noto-cjk``). When either is missing ``render_pdf`` raises
``PdfUnavailable`` with the reason, and callers offer the Word document instead. No resource is
ever fetched while rendering (no network, no local files): the document must be self-contained.
"""

from __future__ import annotations

import shutil
import subprocess
from functools import lru_cache
from typing import Any

from django.utils.html import escape

from .word import DocSpec, Heading, Table, _cell_text, chinese_date

PDF_CONTENT_TYPE = "application/pdf"
CJK_FAMILIES = ("Noto Serif CJK SC", "Noto Sans CJK SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "AR PL UMing CN")


class PdfUnavailable(RuntimeError):
    """PDF output cannot be produced on this server (no WeasyPrint/Pango or no Chinese font)."""


@lru_cache(maxsize=1)
def cjk_fonts() -> tuple[str, ...]:
    """Family names of installed fonts that cover Chinese, as fontconfig reports them."""
    fc_list = shutil.which("fc-list")
    if not fc_list:
        return ()
    try:
        out = subprocess.run(
            [fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    families: list[str] = []
    for line in out.splitlines():
        for name in line.split(","):
            name = name.strip()
            if name and name not in families:
                families.append(name)
    preferred = [f for f in CJK_FAMILIES if f in families]
    return tuple(preferred + [f for f in families if f not in preferred])


def _weasyprint() -> Any:
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: Pango/GObject libraries missing
        raise PdfUnavailable(
            "无法生成PDF:服务器缺少 WeasyPrint 或 Pango 库,请下载 Word 版本 / "
            f"PDF unavailable: WeasyPrint/Pango missing ({exc})"
        ) from exc
    return weasyprint


def pdf_available() -> bool:
    try:
        _weasyprint()
    except PdfUnavailable:
        return False
    return bool(cjk_fonts())


def _fetcher(weasyprint: Any) -> Any:
    """Only ``data:`` URLs (inline images): rendering never reaches the network or the file system."""
    if hasattr(weasyprint, "URLFetcher"):  # WeasyPrint ≥ 68
        return weasyprint.URLFetcher(allowed_protocols={"data"}, fail_on_errors=False)

    def fetch(url: str, *args: Any, **kwargs: Any) -> Any:
        if not url.startswith("data:"):
            raise ValueError(f"external resources are not loaded: {url[:80]}")
        return weasyprint.default_url_fetcher(url, *args, **kwargs)

    return fetch


def font_stack() -> str:
    fonts = cjk_fonts()
    if not fonts:
        raise PdfUnavailable(
            "无法生成PDF:服务器未安装中文字体(Debian: fonts-noto-cjk 或 fonts-wqy-zenhei),请下载 Word 版本 / "
            "PDF unavailable: no CJK font installed"
        )
    return ", ".join(f'"{f}"' for f in fonts[:4]) + ", serif"


BASE_CSS = """
@page {{ size: A4 {orientation}; margin: 30mm 24mm 28mm 26mm;
  @bottom-center {{ content: "— " counter(page) " —"; font-family: {fonts}; font-size: 10pt; }}
  @bottom-right {{ content: "{footer}"; font-family: {fonts}; font-size: 8pt; color: #595959; }} }}
html {{ font-family: {fonts}; font-size: 14pt; line-height: 1.75; color: #000; }}
h1.title {{ text-align: center; font-size: 22pt; font-weight: bold; margin: 0 0 12pt; line-height: 1.4; }}
.issuer {{ text-align: center; color: #c00000; font-size: 30pt; font-weight: bold; margin: 0; }}
.doc-number {{ text-align: center; margin: 0 0 18pt; }}
.subtitle {{ text-align: center; margin: 0 0 12pt; }}
p {{ margin: 0; text-indent: 2em; }}
p.recipient {{ text-indent: 0; }}
h2 {{ font-size: 14pt; font-weight: bold; margin: 0; text-indent: 2em; }}
h3 {{ font-size: 14pt; font-weight: normal; font-style: italic; margin: 0; text-indent: 2em; }}
table {{ border-collapse: collapse; width: 100%; margin: 8pt 0 12pt; font-size: 10.5pt; line-height: 1.4; }}
caption {{ font-weight: bold; margin-bottom: 4pt; }}
th, td {{ border: 0.6pt solid #000; padding: 3pt 4pt; text-align: center; }}
thead {{ display: table-header-group; }}
th {{ background: #f2f2f2; }}
.signature, .date {{ text-align: right; text-indent: 0; padding-right: 2em; }}
.signature {{ margin-top: 24pt; }}
"""


def _css_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def spec_to_html(spec: DocSpec) -> str:
    """The same document as ``render_docx`` lays out, as self-contained HTML (every value escaped)."""
    parts = ['<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">']
    parts.append(f"<title>{escape(spec.title)}</title></head><body>")
    if spec.issuer:
        parts.append(f'<p class="issuer">{escape(spec.issuer)}</p>')
    if spec.doc_number:
        parts.append(f'<p class="doc-number">{escape(spec.doc_number)}</p>')
    parts.append(f'<h1 class="title">{escape(spec.title)}</h1>')
    if spec.subtitle:
        parts.append(f'<p class="subtitle">{escape(spec.subtitle)}</p>')
    if spec.recipient:
        parts.append(f'<p class="recipient">{escape(spec.recipient)}:</p>')
    for block in spec.body:
        if isinstance(block, Heading):
            tag = "h2" if block.level <= 1 else "h3"
            parts.append(f"<{tag}>{escape(block.text)}</{tag}>")
        elif isinstance(block, Table):
            parts.append("<table>")
            if block.caption:
                parts.append(f"<caption>{escape(block.caption)}</caption>")
            parts.append("<thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in block.headers) + "</tr></thead>")
            parts.append("<tbody>")
            for row in block.rows:
                parts.append("<tr>" + "".join(f"<td>{escape(_cell_text(v))}</td>" for v in row) + "</tr>")
            parts.append("</tbody></table>")
        else:
            parts.extend(f"<p>{escape(line)}</p>" for line in str(block).split("\n"))
    if spec.signature:
        parts.append(f'<p class="signature">{escape(spec.signature)}</p>')
    if spec.date:
        parts.append(f'<p class="date">{escape(chinese_date(spec.date))}</p>')
    parts.append("</body></html>")
    return "".join(parts)


def render_pdf(
    source: str | DocSpec, *, footer: str | None = None, landscape: bool | None = None, extra_css: str = ""
) -> bytes:
    """Render an HTML string or a ``DocSpec`` to PDF bytes; raises ``PdfUnavailable`` when it cannot."""
    weasyprint = _weasyprint()
    fonts = font_stack()
    if isinstance(source, DocSpec):
        html = spec_to_html(source)
        footer = source.footer if footer is None else footer
        landscape = source.landscape if landscape is None else landscape
    else:
        html = source
    css = BASE_CSS.format(
        fonts=fonts, footer=_css_string(footer or ""), orientation="landscape" if landscape else "portrait"
    )
    fetcher = _fetcher(weasyprint)
    document = weasyprint.HTML(string=html, url_fetcher=fetcher, base_url=None)
    return document.write_pdf(stylesheets=[weasyprint.CSS(string=css + extra_css, url_fetcher=fetcher)])
