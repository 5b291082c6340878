#!/usr/bin/env python3
"""The web console in headless Chromium against a live podiumd (ops/ci/console.sh runs it).

  console_test.py --url https://127.0.0.1:PORT --cacert CA --key ADMIN_KEY --shots DIR

Signs in (a wrong and an expired token first: refused, back to sign-in), creates and
drops a board from the forms, opens a board, submits scores through the API and requires
the live top table to show them within 1 s, finds a non-ASCII member, opens the admin page
and creates a key, and saves a screenshot of each page at 1280 and 360 px wide into DIR. Fails on any browser console error, on a page wider than
the window at 360 px, and on anything the pages do not show.
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
from selenium.common.exceptions import TimeoutException
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
    try:
        return WebDriverWait(driver, seconds, poll_frequency=0.02).until(condition)
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
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def run(args, podium, width, check_live):
    driver = browser(width)
    try:
        url = args.url
        # A wrong token: refused, still on sign-in, told why.
        sign_in(driver, url, "pdk_not-a-real-key")
        wait(driver, lambda d: "refused" in status(d), what="the refusal of a wrong token")
        assert driver.find_elements(By.ID, "token"), "a wrong token left the sign-in page"
        if check_live:
            # An expired session token: the same.
            session = podium.call("POST", "/v1/sessions", {"player": "ann", "ttl_seconds": 1})
            time.sleep(2.2)
            sign_in(driver, url, session["token"])
            wait(driver, lambda d: "refused" in status(d) or "expired" in status(d), what="the refusal of an expired token")
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
                started = time.monotonic()
                podium.submit("weekly", member, score)
                # Read in the page: the rows are replaced as events arrive.
                wait(driver, lambda d: d.execute_script(FIRST_ROW)[0] == member, seconds=1.0, what=f"{member} at the top within 1 s")
                elapsed = time.monotonic() - started
                first = driver.execute_script(FIRST_ROW)[1]
                assert "new" in first or "▲" in first, f"no movement shown for {member}: {first!r}"
                print(f"console_test.py: {member} on top {elapsed * 1000:.0f} ms after its submit was sent")
        search = driver.find_element(By.ID, "member")
        search.send_keys("José ⚽", Keys.ENTER)
        wait(driver, lambda d: "José ⚽" in d.find_element(By.ID, "member-result").text, what="the member search")
        cards = driver.find_element(By.CSS_SELECTOR, "#member-result .cards").text
        assert "Rank" in cards and "Percentile" in cards, cards
        assert driver.find_elements(By.CSS_SELECTOR, "#around tr.self"), "the member is not marked in around"
        shoot(driver, args.shots, "board", width)

        # Seasons: the board lists its past seasons; one opens read-only, without a stream.
        driver.get(url + "/console/#/board/season")
        wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#seasons tbody a"), what="the past seasons")
        if check_live:
            driver.find_element(By.ID, "reset-season").click()
            driver.switch_to.alert.accept()
            wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#seasons tbody a")) == 2, what="the season ended from the page")
            wait(driver, lambda d: "No scores yet" in d.find_element(By.ID, "top").text, what="the emptied live board")
        shoot(driver, args.shots, "seasons", width)
        driver.find_elements(By.CSS_SELECTOR, "#seasons tbody a")[-1].click()
        wait(driver, lambda d: "past season" == d.find_element(By.ID, "live").text, what="a past season")
        wait(driver, lambda d: "Łukasz" in d.find_element(By.ID, "top").text, what="the past season's top")
        assert not driver.find_elements(By.ID, "reset-season"), "a past season offers to end itself"
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
        # The two refused sign-ins are 401s the browser logs as failed loads; nothing else may fail.
        unexpected = [e for e in errors if "401" not in e["message"]]
        assert not unexpected, f"browser console errors: {unexpected}"
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
    print("console_test.py: ok")


if __name__ == "__main__":
    main()
