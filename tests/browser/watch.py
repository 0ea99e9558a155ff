"""A browser context that hears every Content-Security-Policy violation of its pages."""

from __future__ import annotations

from tests.browser.conftest import PASSWORD

# Installed before any script of the page runs (Playwright's init scripts are not subject to the page's policy).
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__violations.push(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"} at ${where}`);
});
"""


class Watched:
    """A browser context whose pages report every CSP violation, CSP console message and script error."""

    def __init__(self, browser, **options):
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000}, **options)
        self.context.add_init_script(LISTEN)
        self.problems: list[str] = []
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.problems.append(f"console: {message.text}")

    def goto(self, url: str):
        response = self.page.goto(url)
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy, (url, policy)
        return response

    def violations(self) -> list[str]:
        """What the page logged since it loaded, and what the console and script errors said so far."""
        return self.page.evaluate("window.__violations") + self.problems

    def login(self, base: str, username: str) -> None:
        self.goto(f"{base}/admin/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", PASSWORD)
        self.page.click("input[type=submit]")
        self.page.wait_for_selector("#landing")

    def close(self) -> None:
        self.context.close()
