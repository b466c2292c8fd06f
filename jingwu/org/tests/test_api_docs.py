"""The API docs page works offline and under the site's CSP (vendored Swagger UI, no CDN)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders


def test_docs_page_uses_only_vendored_assets_and_no_inline_code(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "/static/jingwu/api-docs.js" in html
    assert "cdn" not in html.lower() and "http://" not in html and "https://" not in html
    for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S):
        assert "src=" in attrs and not body.strip(), "inline script: the CSP would block it"
    assert "<style" not in html and "style=" not in html
    assert "script-src 'self'" in response["Content-Security-Policy"]
    for asset in ("vendor/swagger-ui/swagger-ui-bundle.js", "vendor/swagger-ui/swagger-ui.css", "jingwu/api-docs.js"):
        assert finders.find(asset), asset
    assert finders.find("vendor/swagger-ui/LICENSE")


def test_schema_is_served_as_openapi_3(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/org/people/{id}/reveal/" in schema["paths"]
    assert schema["components"]["securitySchemes"]["tokenAuth"]["type"] == "apiKey"


@pytest.mark.browser
def test_swagger_ui_renders_under_the_csp(live_server, db):
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    chromium = os.environ.get("JINGWU_CHROMIUM", "/usr/bin/chromium")
    assert Path(chromium).exists()
    problems: list[str] = []
    outside: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on(
            "request", lambda r: outside.append(r.url) if not r.url.startswith((live_server.url, "data:")) else None
        )
        page.goto(f"{live_server.url}/api/docs/")
        page.wait_for_selector(".swagger-ui .info .title", timeout=20000)
        assert "Jingwu" in page.inner_text(".swagger-ui .info .title")
        assert page.locator(".opblock-summary-path", has_text="/api/v1/org/people/").count() >= 1
        browser.close()
    assert not [m for m in problems if "Content Security Policy" in m or "Refused" in m], problems
    assert not outside, outside
