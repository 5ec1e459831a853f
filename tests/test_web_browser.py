"""The pages in a real browser: Debian's Chromium driven by Playwright, axe-core on each page.

Every page a test opens is checked with axe-core (tests/axe/) for WCAG 2.0 and 2.1 A and AA
rules. The page's own Content-Security-Policy stays in force: axe is evaluated through the
DevTools protocol, not injected as a script tag the policy would block.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from sipbot.services import Services
from sipbot.web.server import WebServer, try_link
from tests.conftest import FakeClock
from tests.test_web_desk import _enrol, _submit
from tests.web_story import pages_fixture  # noqa: F401

CHROMIUM = Path("/usr/bin/chromium")
AXE = (Path(__file__).parent / "axe" / "axe.min.js").read_text(encoding="utf-8")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Only a guard against a hang; every step waits on the page's own events.
HANG_GUARD_MS = 120_000

if not CHROMIUM.exists():
    if os.environ.get("CI"):
        raise RuntimeError("/usr/bin/chromium is missing: .ci/run installs it")
    pytest.skip("no /usr/bin/chromium (apt-get install chromium)", allow_module_level=True)

playwright_api = pytest.importorskip("playwright.async_api")


@pytest_asyncio.fixture
async def page() -> AsyncIterator[Any]:
    async with playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), timeout=HANG_GUARD_MS)
        context = await browser.new_context(locale="sv-SE")
        tab = await context.new_page()
        tab.set_default_timeout(HANG_GUARD_MS)
        errors: list[str] = []
        # What must never happen on a page: the policy blocking something the page uses, a
        # script error, a style, script or image that fails to load. (A page itself may be
        # a 403 or 404; that is what some tests open.)
        tab.on(
            "console",
            lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None,
        )
        tab.on("pageerror", lambda e: errors.append(str(e)))
        tab.on(
            "response",
            lambda r: (
                errors.append(f"{r.status} {r.url}")
                if r.status >= 400 and r.request.resource_type != "document"
                else None
            ),
        )
        try:
            yield tab
        finally:
            await browser.close()
    assert errors == [], errors


async def accessible(page: Any) -> None:
    """axe-core finds no WCAG 2.1 A/AA violation on the page as it is now."""
    await page.evaluate(AXE)
    result = await page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    found = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in result["violations"]
    ]
    assert found == [], f"{page.url}:\n" + "\n".join(found)


async def test_a_coordinator_finds_and_claims_a_request_on_the_desk(
    page: Any, pages: WebServer, services: Services, clock: FakeClock
) -> None:
    t = services.catalogs.texts("sv", easy=False)
    _enrol(services, clock, 800, "ostersund")
    requests = [_submit(services, "ostersund", 10 + i) for i in range(3)]
    wanted = requests[1]

    # What Telegram's button opens: the entry page with signed initData in the fragment.
    await page.goto(try_link(pages, 800))
    await page.wait_for_url(f"{pages.local_url}/desk")
    await page.get_by_role("heading", name=t("staff.web.queue.title")).wait_for()
    await accessible(page)

    await page.get_by_label(t("staff.web.search.reference")).fill(wanted.reference)
    await page.get_by_role("button", name=t("staff.web.search.button")).click()
    await page.wait_for_url(f"**q={wanted.reference}**")
    links = page.get_by_role("link", name=wanted.reference)
    assert await links.count() == 1
    assert await page.get_by_role("link", name=requests[0].reference).count() == 0
    await accessible(page)

    await links.click()
    title = t("staff.web.request.title", reference=wanted.reference)
    await page.get_by_role("heading", name=title).wait_for()
    await accessible(page)

    await page.get_by_role("button", name=t("staff.button.claim")).click()
    await (
        page.get_by_role("status")
        .filter(has_text=t("staff.done.claim", reference=wanted.reference))
        .wait_for()
    )
    assert await page.get_by_role("button", name=t("staff.button.claim")).count() == 0
    await accessible(page)

    # Back in the queue the request is hers.
    await page.get_by_role("link", name=t("staff.web.back_to_queue")).click()
    row = page.get_by_role("row").filter(has_text=wanted.reference)
    await row.get_by_text(t("staff.web.holder.you"), exact=True).wait_for()


@pytest.mark.parametrize(("lang", "easy"), [("sv", False), ("sv", True), ("en", False)])
async def test_the_public_pages_pass_axe(
    page: Any, pages: WebServer, services: Services, lang: str, easy: bool
) -> None:
    t = services.catalogs.texts(lang, easy)
    query = f"?lang={lang}&easy={int(easy)}"
    for path, heading in [
        ("/", "web.home.title"),
        ("/accessibility", "web.accessibility.title"),
        ("/desk", "web.error.title"),  # not signed in: the 403 page
        ("/desk/requests/SIP-NONE", "web.error.title"),
    ]:
        await page.goto(pages.local_url + path + query)
        await page.get_by_role("heading", name=t(heading), exact=True).wait_for()
        assert await page.get_attribute("html", "lang") == lang
        await accessible(page)


async def test_the_entry_page_without_initdata_stays_and_explains(
    page: Any, pages: WebServer, services: Services
) -> None:
    """Opened outside Telegram (no fragment): nothing is posted, the page says what to do."""
    t = services.catalogs.texts("sv", easy=False)
    await page.goto(pages.local_url + "/enter")
    await page.get_by_text(t("web.enter.help")).wait_for()
    assert page.url == pages.local_url + "/enter"
    await accessible(page)


async def tab_to(page: Any, name: str, limit: int = 40) -> None:
    """Press Tab until the control with this text has the focus, as a keyboard user would."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        if await page.evaluate("() => document.activeElement.textContent.trim()") == name:
            return
    raise AssertionError(f"{name!r} cannot be reached with Tab")


async def test_the_desk_works_with_the_keyboard_alone(
    page: Any, pages: WebServer, services: Services, clock: FakeClock
) -> None:
    t = services.catalogs.texts("sv", easy=False)
    _enrol(services, clock, 800, "ostersund")
    request = _submit(services, "ostersund", 10)
    await page.goto(try_link(pages, 800))
    await page.wait_for_url(f"{pages.local_url}/desk")
    await page.keyboard.press("Tab")  # the first stop: skip to the content
    skip = await page.evaluate("() => document.activeElement.getAttribute('href')")
    assert skip == "#main"
    await tab_to(page, request.reference)
    await page.keyboard.press("Enter")
    await page.get_by_role("heading", name=request.reference).wait_for()
    await tab_to(page, t("staff.button.claim"))
    await page.keyboard.press("Enter")
    await page.get_by_text(t("staff.done.claim", reference=request.reference)).wait_for()


async def test_a_coordinator_gives_a_request_and_the_colleague_confirms_and_writes(
    page: Any, pages: WebServer, services: Services, clock: FakeClock
) -> None:
    """Anna gives a new request to Bo; Bo confirms the consent (spoken) and writes to the
    person, all with the request page's forms, each page axe-clean."""
    from sipbot.labels import CONSENT_HOW
    from sipbot.staff.members import accept_invite, create_invite

    t = services.catalogs.texts("sv", easy=False)
    _enrol(services, clock, 800, "ostersund")
    accept_invite(
        services.engine, clock, create_invite(services.engine, clock, "ostersund"), 801, "Bo"
    )
    request = _submit(services, "ostersund", 10)
    at = f"{pages.local_url}/desk/requests/{request.reference}"

    await page.goto(try_link(pages, 800))
    await page.wait_for_url(f"{pages.local_url}/desk")
    await page.goto(at)
    await page.get_by_role("heading", name=request.reference).wait_for()
    # Booking is not on the desk yet, and the page says so.
    await page.get_by_text(t("staff.web.form.booking_elsewhere")).wait_for()
    await accessible(page)
    await page.get_by_label(t("staff.web.form.colleague")).select_option(label="Bo")
    await page.get_by_role("button", name=t("staff.button.assign")).click()
    done = t("staff.done.assign", reference=request.reference)
    await page.get_by_role("status").filter(has_text=done).wait_for()
    await accessible(page)
    # Anna does not hold it now: her consent is refused in the chat's words.
    await page.get_by_role("button", name=t("staff.button.consent")).click()
    await page.get_by_role("alert").filter(has_text=t("staff.refused.taken")).wait_for()

    await page.get_by_role("button", name=t("web.sign_out")).click()  # Anna leaves; Bo comes
    await page.get_by_role("heading", name=t("web.home.title")).wait_for()
    await page.goto(try_link(pages, 801))
    await page.wait_for_url(f"{pages.local_url}/desk")
    row = page.get_by_role("row").filter(has_text=request.reference)
    await row.get_by_text(t("staff.web.holder.you"), exact=True).wait_for()
    await page.goto(at)
    await page.get_by_label(t(CONSENT_HOW["spoken"].staff)).check()
    await page.get_by_role("button", name=t("staff.button.consent")).click()
    done = t("staff.done.consent", reference=request.reference)
    await page.get_by_role("status").filter(has_text=done).wait_for()
    await accessible(page)

    await page.get_by_label(t("staff.web.form.message")).fill("Hej! Jag ringer dig i morgon.")
    await page.get_by_role("button", name=t("staff.button.message")).click()
    done = t("staff.done.message", reference=request.reference)
    await page.get_by_role("status").filter(has_text=done).wait_for()
    row = page.get_by_role("row").filter(has_text="Hej! Jag ringer dig i morgon.")
    await row.get_by_text("Bo", exact=True).wait_for()
    await accessible(page)
