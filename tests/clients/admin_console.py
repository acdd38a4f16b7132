"""Drive graphgate's admin console in a real headless Chromium (selenium +
chromedriver from Debian), against a running `graphgate demo`, and check
each change from outside with real mail clients (imaplib, smtplib):

- a wrong password is refused; the right one signs in;
- an account and its first gateway password are added (the password is
  shown once, and IMAP accepts it);
- alice's send-as on sales@ is revoked (SMTP refuses her mail from sales@),
  granted again (SMTP accepts it), and revoked once more (refused again);
  the policy file keeps its comments;
- the audit log shows the grant with the administrator's name;
- an open IMAP session of bob's is listed and ended (the client sees BYE);
- a device-code sign-in started from carol's page shows its code;
- the doctor and Graph budget pages render; signing out works.

Arguments: console URL, IMAP port, SMTPS port, certificate, policy file,
[screenshot directory]. Prints OK at the end; any failure raises.
"""

import imaplib
import os
import smtplib
import ssl
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

url, imap_port, smtps_port, cert, policy_file = sys.argv[1:6]
shots = sys.argv[6] if len(sys.argv) > 6 else None
imap_port, smtps_port = int(imap_port), int(smtps_port)
DEMO_PW = "graphgate-demo"
ALICE, BOB, SALES = "alice@contoso.test", "bob@contoso.test", "sales@contoso.test"


def shot(name):
    if shots:
        os.makedirs(shots, exist_ok=True)
        driver.save_screenshot(os.path.join(shots, f"{name}.png"))


def send_as_sales():
    """alice sends a message From sales@; True if graphgate accepted it."""
    ctx = ssl.create_default_context(cafile=cert)
    with smtplib.SMTP_SSL("127.0.0.1", smtps_port, context=ctx, timeout=60) as s:
        s.login(ALICE, DEMO_PW)
        msg = (f"From: {SALES}\r\nTo: {BOB}\r\nSubject: console test {time.time()}\r\n\r\nhello\r\n")
        try:
            s.sendmail(SALES, [BOB], msg)
            return True
        except smtplib.SMTPResponseException as e:
            assert e.smtp_code >= 500, e
            return False
        except smtplib.SMTPRecipientsRefused:
            return False
        except smtplib.SMTPSenderRefused as e:
            assert e.smtp_code >= 500, e
            return False


def grants_row(right_label):
    """The text of sales@'s row for one right on the shared mailboxes page."""
    table = driver.find_element(By.CSS_SELECTOR, f'table.grants[data-mailbox="{SALES}"]')
    for row in table.find_elements(By.CSS_SELECTOR, "tbody tr"):
        cells = row.find_elements(By.TAG_NAME, "td")
        if cells[0].text.strip() == right_label:
            return row
    raise AssertionError(f"no row {right_label!r}")


def flash():
    return driver.find_element(By.CSS_SELECTOR, ".notice, .error").text


options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--window-size=1280,900"):
    options.add_argument(flag)
options.add_argument(f"--user-data-dir={tempfile.mkdtemp()}")
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
wait = WebDriverWait(driver, 30)
try:
    # Signing in: a wrong password first.
    driver.get(url + "/accounts")
    wait.until(EC.presence_of_element_located((By.ID, "sign-in")))
    assert driver.current_url.endswith("/login"), driver.current_url
    driver.find_element(By.ID, "name").send_keys("admin")
    driver.find_element(By.ID, "password").send_keys("not-the-password")
    driver.find_element(By.ID, "sign-in").click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".error")))
    assert "Wrong name or password" in flash(), flash()
    shot("login")
    driver.find_element(By.ID, "name").send_keys("admin")
    driver.find_element(By.ID, "password").send_keys(DEMO_PW)
    driver.find_element(By.ID, "sign-in").click()
    wait.until(EC.presence_of_element_located((By.ID, "accounts")))
    assert ALICE in driver.find_element(By.ID, "accounts").text

    # An account and its first password, shown once; IMAP takes it.
    form = driver.find_element(By.ID, "add-account")
    form.find_element(By.NAME, "login").send_keys("dave@contoso.test")
    form.find_element(By.NAME, "microsoft_user").send_keys(ALICE)
    Select(form.find_element(By.NAME, "mode")).select_by_value("app-only")
    form.find_element(By.NAME, "label").clear()
    form.find_element(By.NAME, "label").send_keys("crm")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    password = wait.until(EC.presence_of_element_located((By.ID, "new-password"))).text.strip()
    assert len(password) == 23 and password.count("-") == 3, password
    shot("new-password")
    imap = imaplib.IMAP4("127.0.0.1", imap_port)
    imap.starttls(ssl.create_default_context(cafile=cert))
    imap.login("dave@contoso.test", password)
    typ, data = imap.select("INBOX", readonly=True)
    assert typ == "OK", (typ, data)
    imap.logout()
    driver.get(url + "/accounts")
    assert "dave@contoso.test" in driver.find_element(By.ID, "accounts").text
    shot("accounts")

    # Send-as on sales@: revoke, grant, revoke; SMTP follows each change.
    assert send_as_sales(), "the demo lets alice send as sales@"
    driver.get(url + "/mailboxes")
    row = grants_row("send as")
    assert ALICE in row.text, row.text
    row.find_element(By.CSS_SELECTOR, f'button[title="Remove {ALICE}"]').click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".notice")))
    assert "no longer listed to send as" in flash(), flash()
    assert ALICE not in grants_row("send as").text
    assert not send_as_sales(), "revoked: graphgate must refuse alice's mail from sales@"

    form = driver.find_element(By.ID, "grant")
    form.find_element(By.NAME, "who").send_keys(ALICE)
    Select(form.find_element(By.NAME, "right")).select_by_value("send_as")
    Select(form.find_element(By.NAME, "mailbox")).select_by_value(SALES)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".notice")))
    assert "may now send as" in flash(), flash()
    assert ALICE in grants_row("send as").text
    shot("mailboxes")
    assert send_as_sales(), "granted: graphgate must accept alice's mail from sales@"

    grants_row("send as").find_element(By.CSS_SELECTOR, f'button[title="Remove {ALICE}"]').click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".notice")))
    assert not send_as_sales(), "revoked again: refused again"
    text = open(policy_file).read()
    assert "# read and change" in text and ALICE not in text.split("send_as")[1].split("\n")[0], text

    # Effective rights on sales@ (local grants and Microsoft 365's).
    driver.get(url + "/mailboxes/" + SALES)
    effective = wait.until(EC.presence_of_element_located((By.ID, "effective"))).text
    assert BOB in effective and "read only" in effective, effective

    # The audit log names the administrator.
    driver.get(url + "/audit?action=admin-grant")
    audit = wait.until(EC.presence_of_element_located((By.ID, "audit"))).text
    assert "admin:admin" in audit and f"{ALICE} may now send as {SALES}" in audit, audit
    driver.get(url + "/audit")
    shot("audit")

    # A live session, ended from the console.
    bob = imaplib.IMAP4("127.0.0.1", imap_port)
    bob.starttls(ssl.create_default_context(cafile=cert))
    bob.login(BOB, DEMO_PW)
    bob.select("INBOX")
    driver.get(url + "/sessions")
    row = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, f'tr[data-login="{BOB}"]')))
    assert "imap" in row.text, row.text
    shot("sessions")
    row.find_element(By.CSS_SELECTOR, "form[action$='/end'] button").click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".notice")))
    assert "ended the imap session of " + BOB in flash(), flash()
    ended = False
    try:
        typ, data = bob.noop()
    except (imaplib.IMAP4.abort, OSError, EOFError):
        ended = True
    assert ended, "the ended session still answers"

    # A device-code sign-in started from the console.
    driver.get(url + "/accounts/carol@contoso.test")
    driver.find_element(By.ID, "start-signin").click()
    code = wait.until(EC.presence_of_element_located((By.ID, "user-code"))).text.strip()
    assert len(code) >= 6, code
    shot("account")

    driver.get(url + "/doctor")
    summary = wait.until(EC.presence_of_element_located((By.ID, "doctor-summary"))).text
    assert "Everything checked works" in summary or "problem" in summary, summary
    assert "Account alice@contoso.test" in driver.page_source
    shot("doctor")
    driver.get(url + "/graph")
    budget = wait.until(EC.presence_of_element_located((By.ID, "budget"))).text
    assert ALICE in budget, budget
    shot("graph")

    driver.find_element(By.ID, "sign-out").click()
    wait.until(EC.presence_of_element_located((By.ID, "sign-in")))
    driver.get(url + "/accounts")
    wait.until(EC.presence_of_element_located((By.ID, "sign-in")))
    print("OK")
finally:
    driver.quit()
