"""Catch Content-Security-Policy violations in Chromium, whichever way the browser reports them."""

# Reports a violation to the test however Chromium notices it: the console message (below) and
# the DOM event, which also fires for what the console might word differently.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} ` +
      `at ${event.sourceFile || document.location.pathname}:${event.lineNumber}`
  );
});
"""


def watch_for_csp_violations(page) -> list[str]:
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    page.expose_binding("reportCspViolation", lambda source, text: violations.append(f"{page.url}: {text}"))
    page.add_init_script(REPORT_VIOLATIONS)
    return violations


def settle(page) -> None:
    """Wait until the page has loaded and a task has run after it, so its reports have arrived.

    Violations are reported while the page parses and runs its scripts, all before `load`; the
    console messages and the listener's calls reach the test before this evaluation's answer.
    """
    page.wait_for_load_state("load")
    page.evaluate("() => new Promise((resolve) => setTimeout(resolve, 0))")
