"""The API docs as an NGO's data manager uses them: Authorize, paste the key as it was handed out, try a list."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tracker.models import ApiKey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_authorize_box_takes_the_bare_demo_key_and_a_list_request_answers_200(browser, demo_world):
    _, key = ApiKey.objects.create_key(name="Demo NGO key", client="Demo NGO")
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{demo_world.url}/api/v1/docs/")
        page.click("button.authorize")
        box = page.locator(".auth-container").filter(has_text="X-Api-Key")
        assert "paste the key as it is" in box.inner_text()
        box.locator("input").fill(key)
        box.locator("button.authorize").click()
        assert box.locator("h6").inner_text() == "Authorized"  # Swagger UI took it
        assert box.locator("button[aria-label='Remove authorization']").is_visible()
        page.click(".dialog-ux button.close-modal")

        operation = page.locator("#operations-surrender_figures-surrenders_list, "
                                 "[id^='operations-'][id$='-surrenders_list']").first
        operation.locator(".opblock-summary").click()
        operation.locator("button.try-out__btn").click()
        operation.locator("button.execute").click()
        status = operation.locator(".live-responses-table .response .response-col_status").first
        status.wait_for()
        screenshot(page, "api-docs-authorized")
        assert status.inner_text().strip() == "200"
        sent = operation.locator(".curl-command").inner_text()
        assert f"X-Api-Key: {key}" in sent
    finally:
        context.close()
