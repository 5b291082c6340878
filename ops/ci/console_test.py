#!/usr/bin/env python3
"""The web console in headless Chromium against a live podiumd (ops/ci/console.sh runs it).

  console_test.py --url https://127.0.0.1:PORT --cacert CA --key ADMIN_KEY --shots DIR

Signs in (a wrong and an expired token first: refused, back to sign-in), creates and
drops a board from the forms, opens a board, submits scores through the API and requires
the live top table to show them within 1 s of the submit, finds a non-ASCII member, tabs
through the board page, opens the admin page and creates a key, and saves a screenshot of
each page at 1280 and 360 px wide into DIR. Then as a server key and as a player session:
no Admin link, a board and a member search (found and missing) without a console error,
and a session revoked or expired mid-session sends the page back to sign-in. Fails on any
browser console error but the refusals it causes on purpose, on a page wider than the
window at 360 px, and on anything the pages do not show.
"""
import argparse
import json
import os
import ssl
import sys
import time
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, TimeoutException
from selenium.webdriver import ActionChains
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

FIRST_ROW = "const row = document.querySelector('#top tbody tr'); return row ? [row.dataset.member, row.textContent] : [null, '']"


class Podium:
    """The REST API, for setting up what the browser then shows."""

    def __init__(self, url, cacert, key):
        self.url, self.key = url, key
        self.context = ssl.create_default_context(cafile=cacert)

    def call(self, method, path, body=None, token=None):
        request = urllib.request.Request(
            self.url + path, method=method, data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {token or self.key}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, context=self.context, timeout=10) as response:
            return json.loads(response.read() or b"null")

    def submit(self, board, member, score):
        return self.call("POST", f"/v1/boards/{board}/scores", {"member": member, "score": score})


def browser(width):
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--ignore-certificate-errors", f"--window-size={width},900", "--lang=en-US"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_window_size(width, 900)
    return driver


def wait(driver, condition, seconds=5, what="the page"):
    # A page re-renders what it shows: an element found in one poll may be replaced before
    # its text is read, so a stale element means "not yet", like a missing one.
    ignored = (NoSuchElementException, StaleElementReferenceException)
    try:
        return WebDriverWait(driver, seconds, poll_frequency=0.02, ignored_exceptions=ignored).until(condition)
    except TimeoutException:
        sys.exit(f"console_test.py: timed out waiting for {what}; status line: {status(driver)!r}")


def status(driver):
    try:
        return driver.find_element(By.ID, "status").text
    except Exception:
        return ""


def sign_in(driver, url, token):
    driver.get(url + "/console/")
    field = wait(driver, EC.element_to_be_clickable((By.ID, "token")), what="the sign-in form")
    # Keyboard only: the field has focus on load and Enter submits.
    assert driver.switch_to.active_element == field, "the token field does not have focus on load"
    field.send_keys(token, Keys.ENTER)


def shoot(driver, shots, page, width):
    # Whatever the width, nothing may stick out sideways.
    overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{page} at {width} px is {overflow} px wider than the window"
    path = os.path.join(shots, f"console-{page}-{width}.png")
    height = driver.execute_script("return Math.min(document.documentElement.scrollHeight + 40, 2400)")
    driver.set_window_size(width, max(700, height))
    driver.save_screenshot(path)
    driver.set_window_size(width, 900)
    print(f"console_test.py: {path}")


def console_errors(driver):
    """The browser's console errors since the last call (reading the log empties it)."""
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def expect_only_refusals(driver, what):
    """Reads the console errors, which must all be the 401s that `what` caused on purpose
    (the browser logs each refused call as a failed load)."""
    errors = console_errors(driver)
    assert errors, f"{what}: no 401 in the browser log"
    unexpected = [e for e in errors if "status of 401" not in e["message"]]
    assert not unexpected, f"{what}: browser console errors besides the 401s: {unexpected}"


def search_member(driver, member):
    search = driver.find_element(By.ID, "member")
    search.clear()
    search.send_keys(member, Keys.ENTER)


REFUSED = "refused or has expired"


def run(args, podium, width, check_live):
    driver = browser(width)
    try:
        url = args.url
        # A wrong token: refused, still on sign-in, told why.
        sign_in(driver, url, "pdk_not-a-real-key")
        wait(driver, lambda d: REFUSED in status(d), what="the refusal of a wrong token")
        assert driver.find_elements(By.ID, "token"), "a wrong token left the sign-in page"
        if check_live:
            # An expired session token: the same.
            session = podium.call("POST", "/v1/sessions", {"player": "ann", "ttl_seconds": 1})
            time.sleep(2.2)
            sign_in(driver, url, session["token"])
            wait(driver, lambda d: REFUSED in status(d), what="the refusal of an expired token")
        expect_only_refusals(driver, "the refused sign-ins")
        shoot(driver, args.shots, "signin", width)

        sign_in(driver, url, args.key)
        wait(driver, EC.presence_of_element_located((By.LINK_TEXT, "weekly")), what="the boards list")
        if check_live:
            # An admin creates a board from the form and drops it from its row.
            driver.find_element(By.ID, "board-name").send_keys("daily")
            driver.find_element(By.ID, "max-size").send_keys("100")
            for field, value in (("order", "asc"), ("update", "incr"), ("tie-break", "member"), ("reset", "daily")):
                Select(driver.find_element(By.ID, field)).select_by_value(value)
            driver.find_element(By.ID, "timezone").send_keys("Europe/Paris")
            driver.find_element(By.CSS_SELECTOR, "#create-board button").click()
            wait(driver, EC.presence_of_element_located((By.LINK_TEXT, "daily")), what="the board created from the form")
            created = podium.call("GET", "/v1/boards/daily")
            assert (created["max_size"], created["order"], created["update"], created["tie_break"]) == (100, "asc", "incr", "member"), created
            assert created["reset"] == {"every": "daily", "at": "00:00", "timezone": "Europe/Paris", "keep": 10}, created
            driver.find_element(By.CSS_SELECTOR, "button[aria-label='Drop board daily']").click()
            driver.switch_to.alert.accept()
            wait(driver, lambda d: not d.find_elements(By.LINK_TEXT, "daily"), what="the dropped board to leave the list")
        wait(driver, lambda d: "…" not in d.find_element(By.ID, "boards").text, what="the event rates")
        shoot(driver, args.shots, "boards", width)

        driver.find_element(By.LINK_TEXT, "weekly").click()
        wait(driver, lambda d: "live" == d.find_element(By.ID, "live").text, what="the live stream")
        wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#top tbody tr[data-member]")) >= 5, what="the top table")
        ann = driver.find_element(By.CSS_SELECTOR, "#top tbody tr[data-member='ann'] .metadata").text
        assert ann == "country: FR · name: Ann", f"ann's metadata reads {ann!r}"
        if check_live:
            for step in range(3):
                member = f"Zoë {step} 🚀"
                score = 10_000 + step
                # The clock runs from before the submit is sent: its round trip counts.
                started = time.monotonic()
                podium.submit("weekly", member, score)
                # Read in the page: the rows are replaced as events arrive.
                wait(driver, lambda d: d.execute_script(FIRST_ROW)[0] == member, seconds=max(0.0, started + 1.0 - time.monotonic()),
                     what=f"{member} at the top within 1 s of its submit")
                elapsed = time.monotonic() - started
                assert elapsed <= 1.0, f"{member} showed {elapsed * 1000:.0f} ms after its submit was sent"
                first = driver.execute_script(FIRST_ROW)[1]
                assert "new" in first or "▲" in first, f"no movement shown for {member}: {first!r}"
                print(f"console_test.py: {member} on top {elapsed * 1000:.0f} ms after its submit was sent")
        find_members(driver)
        shoot(driver, args.shots, "board", width)
        if check_live:
            check_tab_order(driver)

        # Seasons: the board lists its past seasons; one opens read-only, without a stream.
        driver.get(url + "/console/#/board/season")
        wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#seasons tbody a"), what="the past seasons")
        if check_live:
            driver.find_element(By.ID, "reset-season").click()
            driver.switch_to.alert.accept()
            wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#seasons tbody a")) == 2, what="the season ended from the page")
            wait(driver, lambda d: "No scores yet" in d.find_element(By.ID, "top").text, what="the emptied live board")
        shoot(driver, args.shots, "seasons", width)
        # Clicked inside a wait: the list re-renders when its stream or fetch answers.
        wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#seasons tbody a")[-1].click() is None, what="the past season's link")
        wait(driver, lambda d: "past season" == d.find_element(By.ID, "live").text, what="a past season")
        wait(driver, lambda d: "Łukasz" in d.find_element(By.ID, "top").text, what="the past season's top")
        assert not driver.find_elements(By.ID, "reset-season"), "a past season offers to end itself"
        assert "next ends" not in driver.find_element(By.ID, "main").text, "a past season names a next end"
        shoot(driver, args.shots, "season", width)

        driver.get(url + "/console/#/boards")
        wait(driver, EC.presence_of_element_located((By.LINK_TEXT, "Admin")), what="the boards list")
        driver.find_element(By.LINK_TEXT, "Admin").click()
        wait(driver, lambda d: "Members" in d.find_element(By.ID, "stats").text, what="the admin stats")
        wait(driver, lambda d: "bootstrap" in d.find_element(By.ID, "keys").text, what="the keys")
        if check_live:
            driver.find_element(By.ID, "key-name").send_keys("game-1")
            driver.find_element(By.CSS_SELECTOR, "#create-key button").click()
            wait(driver, lambda d: "pdk_" in d.find_element(By.ID, "new-key").text, what="the new key's secret")
            wait(driver, lambda d: "game-1" in d.find_element(By.ID, "keys").text, what="the new key in the list")
        wait(driver, lambda d: "submits/s" in d.find_element(By.ID, "traffic").text, seconds=8, what="the submits chart")
        shoot(driver, args.shots, "admin", width)

        errors = console_errors(driver)
        assert not errors, f"browser console errors: {errors}"
    finally:
        driver.quit()


def find_members(driver):
    """On a board page: a member found (rank, percentile, marked among those around) and
    one that is not there."""
    search_member(driver, "José ⚽")
    wait(driver, lambda d: "José ⚽" in d.find_element(By.ID, "member-result").text, what="the member search")
    cards = driver.find_element(By.CSS_SELECTOR, "#member-result .cards").text
    assert "Rank" in cards and "Percentile" in cards, cards
    assert driver.find_elements(By.CSS_SELECTOR, "#around tr.self"), "the member is not marked in around"
    search_member(driver, "nobody at all")
    wait(driver, lambda d: "No member “nobody at all”" in d.find_element(By.ID, "member-result").text, what="a missing member")
    search_member(driver, "José ⚽")
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#around tr.self"), what="the member search again")


def check_tab_order(driver):
    """From the top of a freshly loaded board page, Tab reaches the top-N select, then the
    member search field, then its button."""
    driver.refresh()
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#top tbody tr[data-member]"), what="the reloaded board")
    focused = []
    for _ in range(15):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        focused.append(driver.execute_script("return document.activeElement.id || document.activeElement.tagName"))
        if focused[-1] == "member-find":
            break
    wanted = ["top-n", "member", "member-find"]
    reached = [id for id in focused if id in wanted]
    assert reached == wanted, f"Tab from the top of the board page went {focused}"


def run_as(args, podium, role, token):
    """Signed in with a token that is not an admin's: no Admin link nor admin forms, and a
    board and a member search without a single console error."""
    driver = browser(1280)
    try:
        sign_in(driver, args.url, token)
        wait(driver, EC.presence_of_element_located((By.LINK_TEXT, "weekly")), what=f"the boards list as {role}")
        assert driver.find_element(By.ID, "who").text.startswith(f"{role} · "), driver.find_element(By.ID, "who").text
        assert not driver.find_element(By.ID, "nav-admin").is_displayed(), f"the Admin link shows for {role}"
        assert not driver.find_elements(By.ID, "create-board"), f"the new-board form shows for {role}"
        driver.find_element(By.LINK_TEXT, "weekly").click()
        wait(driver, lambda d: "live" == d.find_element(By.ID, "live").text, what=f"the live stream as {role}")
        assert not driver.find_elements(By.CSS_SELECTOR, "button.danger"), f"a drop or reset button shows for {role}"
        find_members(driver)
        errors = console_errors(driver)
        assert not errors, f"browser console errors as {role}: {errors}"
        print(f"console_test.py: signed in as {role}, no console error")
    finally:
        driver.quit()


def ended_mid_session(args, podium):
    """A player's session revoked, then another expired, while the page is open: the next
    call is refused and the page goes back to sign-in, saying why."""
    driver = browser(1280)
    try:
        session = podium.call("POST", "/v1/sessions", {"player": "ann", "ttl_seconds": 600})
        sign_in(driver, args.url, session["token"])
        wait(driver, EC.presence_of_element_located((By.LINK_TEXT, "weekly")), what="the boards list as a player")
        driver.find_element(By.LINK_TEXT, "weekly").click()
        wait(driver, lambda d: "live" == d.find_element(By.ID, "live").text, what="the live stream as a player")
        podium.call("DELETE", f"/v1/sessions/{urllib.parse.quote(session['session_id'], safe='')}")
        Select(driver.find_element(By.ID, "top-n")).select_by_value("25")
        wait(driver, lambda d: REFUSED in status(d) and d.find_elements(By.ID, "token"), what="sign-in after the session was revoked")
        expect_only_refusals(driver, "the revoked session")

        # Expiry: the boards page re-reads every 2 s, so the session's end shows unprompted.
        session = podium.call("POST", "/v1/sessions", {"player": "ann", "ttl_seconds": 2})
        sign_in(driver, args.url, session["token"])
        wait(driver, EC.presence_of_element_located((By.LINK_TEXT, "weekly")), what="the boards list as a player")
        wait(driver, lambda d: REFUSED in status(d) and d.find_elements(By.ID, "token"), seconds=8, what="sign-in after the session expired")
        expect_only_refusals(driver, "the expired session")
        print("console_test.py: a revoked and an expired session went back to sign-in")
    finally:
        driver.quit()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--cacert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--shots", required=True)
    args = parser.parse_args()
    os.makedirs(args.shots, exist_ok=True)

    podium = Podium(args.url, args.cacert, args.key)
    podium.call("PUT", "/v1/boards/weekly", {"order": "desc", "update": "best"})
    podium.call("POST", "/v1/boards/weekly/scores/batch", {"entries": [
        {"member": name, "score": score} for name, score in
        [("ann", 4200), ("José ⚽", 3900.5), ("a b/c", 3100), ("李小龍", 2800), ("Ørjan", 2500), ("مريم", 1900), ("bob", 1200)]]})
    podium.call("POST", "/v1/boards/weekly/scores", {"member": "ann", "score": 4200, "metadata": {"name": "Ann", "country": "FR"}})

    podium.call("PUT", "/v1/boards/season", {"update": "set", "reset": {"every": "weekly", "timezone": "Asia/Tokyo", "keep": 4}})
    podium.call("POST", "/v1/boards/season/scores/batch", {"entries": [
        {"member": name, "score": score} for name, score in [("Łukasz", 77), ("ann", 51), ("Ωmega 🛡", 12)]]})
    podium.call("POST", "/v1/boards/season/reset")
    podium.submit("season", "new season", 1)

    run(args, podium, 1280, check_live=True)
    run(args, podium, 360, check_live=False)
    run_as(args, podium, "server", podium.call("POST", "/v1/keys", {"name": "console-server", "role": "server"})["key"])
    run_as(args, podium, "player", podium.call("POST", "/v1/sessions", {"player": "ann", "ttl_seconds": 600})["token"])
    ended_mid_session(args, podium)
    print("console_test.py: ok")


if __name__ == "__main__":
    main()
