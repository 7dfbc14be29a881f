#!/usr/bin/env python3
"""The web console driven in headless Chromium, as an administrator uses it.

Reads NIMBUS_BASE_URL (where AIA, CDP and SCEP are published), NIMBUS_API_URL (the HTTPS listener of
the console), NIMBUS_ROOT_PEM (the root it chains to), NIMBUS_API_SPKI (the base64 SHA-256 of its key,
which Chromium is told to trust), NIMBUS_TOKEN (an admin token), NIMBUS_ISSUING, NIMBUS_ROOT,
NIMBUS_ALICE_SUBJECT and NIMBUS_DENIED_SERIAL from the environment (tests/console/console.sh sets
them); NIMBUS_SCREENSHOTS=DIR keeps a PNG of each page there. Exits non-zero with a message at the
first broken expectation.
"""

import json
import os
import ssl
import sys
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

BASE = os.environ["NIMBUS_BASE_URL"]  # where AIA, CDP, OCSP and SCEP are published
CONSOLE = os.environ["NIMBUS_API_URL"]  # the HTTPS listener of the API and console
TLS = ssl.create_default_context(cafile=os.environ["NIMBUS_ROOT_PEM"])
API_SPKI = os.environ["NIMBUS_API_SPKI"]
TOKEN = os.environ["NIMBUS_TOKEN"]
ISSUING = os.environ["NIMBUS_ISSUING"]
ROOT = os.environ["NIMBUS_ROOT"]
SCREENSHOTS = os.environ.get("NIMBUS_SCREENSHOTS")


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def api(path):
    request = urllib.request.Request(f"{CONSOLE}/api/v1{path}", headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=10, context=TLS) as response:
        return json.load(response)


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,1000", "--no-first-run", "--disable-extensions",
                     f"--ignore-certificate-errors-spki-list={API_SPKI}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


class Console:
    def __init__(self, driver):
        self.driver = driver
        self.wait = WebDriverWait(driver, 15)

    def find(self, selector):
        return self.wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, selector)))

    def text_in(self, selector, text):
        try:
            self.wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, selector), text))
        except Exception:
            shown = self.driver.find_element(By.CSS_SELECTOR, selector).text if self.driver.find_elements(
                By.CSS_SELECTOR, selector) else "(absent)"
            fail(f"'{selector}' never showed {text!r}; it shows: {shown!r}")

    def open(self, page):
        self.driver.get(f"{CONSOLE}/console/#/{page}")
        self.find("#page")

    def screenshot(self, name):
        if SCREENSHOTS:
            os.makedirs(SCREENSHOTS, exist_ok=True)
            self.driver.save_screenshot(os.path.join(SCREENSHOTS, f"{name}.png"))

    def no_script_errors(self):
        """Fails on any script error or CSP refusal; the 401s of signing in are expected."""
        for entry in self.driver.get_log("browser"):
            message = entry["message"]
            expected = "/api/v1/session" in message and "status of 401" in message
            if entry["level"] == "SEVERE" and not expected and "favicon" not in message:
                fail(f"the browser reported: {message}")


def sign_in(console):
    console.driver.get(f"{CONSOLE}/console/")
    console.find("#sign-in")
    console.screenshot("sign-in")
    console.find("#token").send_keys("nimbus_0000000000000000_" + "0" * 64)
    console.find("#sign-in-button").click()
    console.text_in("#sign-in-error", "not valid")
    token = console.find("#token")
    token.clear()
    token.send_keys(TOKEN)
    console.find("#sign-in-button").click()
    console.text_in("#who", "automation (admin)")
    cookies = {cookie["name"]: cookie for cookie in console.driver.get_cookies()}
    session = cookies.get("nimbus_session")
    if not session or not session.get("httpOnly") or not session.get("secure") or session.get("sameSite") != "Strict":
        fail(f"the session cookie is not HttpOnly, Secure and SameSite=Strict: {session}")
    if console.driver.execute_script("return document.cookie").find("nimbus_session") >= 0:
        fail("the session cookie is readable by script")
    if console.driver.execute_script("return JSON.stringify(localStorage) + JSON.stringify(sessionStorage)").find(
            TOKEN[-16:]) >= 0:
        fail("the token was kept in the browser's storage")


def hierarchy(console):
    console.open("hierarchy")
    for authority in (ROOT, ISSUING):
        console.find(f"[data-authority='{authority}']")
    console.text_in(f"[data-authority='{ISSUING}']", f"{BASE}/cdp/{ISSUING}.crl")
    console.text_in(f"[data-authority='{ISSUING}']", "CRL fresh")
    console.text_in(f"[data-authority='{ISSUING}']", f"{BASE}/scep/{ISSUING}")
    console.screenshot("hierarchy")


def health(console):
    console.open("health")
    console.text_in("#page", "healthy")
    console.text_in("#page", f"cdp {ISSUING}: CRL")
    console.screenshot("health")


def enroll(console):
    console.open("enrollments")
    Select(console.find("#enrollment-profile")).select_by_value("vpn")
    console.find("#enrollment-variables").send_keys("UserName=carol")
    console.find("#create-enrollment").click()
    console.find("#challenge-result")
    challenge = console.find("#challenge").text
    if len(challenge) < 16:
        fail(f"no challenge shown: {challenge!r}")
    console.text_in("#scep-url", f"{BASE}/scep/{ISSUING}")
    enrollments = api("/enrollments?limit=5")["items"]
    if enrollments[0]["subject"] != "CN=carol":
        fail(f"the newest enrollment is not carol's: {enrollments[0]}")
    console.text_in(f"[data-enrollment='{enrollments[0]['id']}']", "pending")
    console.screenshot("enrollments")


def revoke(console):
    alice = api("/certificates?subject=alice")["items"][0]
    before = api(f"/crls/{ISSUING}")["number"]
    console.open("certificates")
    console.find(".chart")
    search = console.find("#certificate-search")
    search.send_keys("alice")
    console.find("#certificate-filter button[type=submit]").click()
    console.wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "tr[data-serial]")) == 1)
    console.screenshot("certificates")
    console.find(f"tr[data-serial='{alice['serial']}'] button.revoke").click()
    console.text_in("#confirm-text", alice["serial"])
    console.text_in("#confirm-text", os.environ["NIMBUS_ALICE_SUBJECT"])
    Select(console.find("#revoke-reason")).select_by_value("keyCompromise")
    console.find("#confirm-ok").click()
    console.text_in("#revoke-result", f"CRL {before + 1} of {ISSUING}")
    if api(f"/certificates/{alice['serial']}")["status"] != "revoked":
        fail("the certificate is not revoked after the console said so")
    if api(f"/crls/{ISSUING}")["number"] != before + 1:
        fail("the CRL number did not move by one")


def radius(console):
    console.open("radius")
    console.find(".chart")
    denied = [d for d in api("/radius/decisions")["items"]
              if d["decision"] == "denied" and d["certificate"]["serial"] == os.environ["NIMBUS_DENIED_SERIAL"]]
    if not denied:
        fail("the API lists no denial of the revoked certificate")
    console.find(f"tr[data-decision='{denied[0]['id']}']").click()
    console.text_in("#decision-report", f"Denied: reason code {denied[0]['reason_code']}")
    console.text_in("#decision-fix", "Fix:")
    console.screenshot("radius")


def audit(console):
    console.open("audit")
    console.text_in("#page", "http:automation")
    console.text_in("#page", "certificate.revoke")
    console.screenshot("audit")
    console.open("profiles")
    console.text_in("#page", "vpn")
    console.screenshot("profiles")


def sign_out(console):
    console.find("#sign-out").click()
    console.find("#sign-in")
    console.driver.refresh()
    console.find("#sign-in")


def main():
    driver = browser()
    try:
        console = Console(driver)
        for step in (sign_in, hierarchy, health, enroll, revoke, radius, audit, sign_out):
            step(console)
            console.no_script_errors()
            print(f"ok - browser: {step.__name__}")
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
