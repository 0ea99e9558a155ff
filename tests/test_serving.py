"""What every response carries and what a probe sees: the Content-Security-Policy header and ``/health/``.

The browser tests (tests/browser/test_csp.py, test_serving.py) prove the pages work under the policy and
that ``make serve`` serves them; these check the plain HTTP side on every database.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

STRICT = ("default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'", "base-uri 'self'",
          "form-action 'self'", "frame-ancestors 'none'")


@pytest.mark.parametrize("url", ["/", "/admin/login/", "/api/v1/docs/", "/api/v1/sources/", "/health/"])
def test_every_response_carries_the_strict_policy(client, url):
    policy = client.get(url)["Content-Security-Policy"]
    for directive in STRICT:
        assert directive in policy, (url, directive, policy)
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_the_api_docs_page_has_no_inline_script_or_style_and_loads_its_start_up_script(client):
    page = client.get("/api/v1/docs/").content.decode()
    assert "<style" not in page and "<script>" not in page
    assert '<script src="/api/v1/docs/?script="></script>' in page
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle(" in script.content


def test_health_answers_ok_while_the_database_answers(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]
    assert client.post("/health/").status_code == 405
