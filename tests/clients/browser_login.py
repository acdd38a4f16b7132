"""Sign in on the tenant's pages with a real headless Chromium (selenium +
chromedriver): open the authorize address graphgate printed, type the user
name and password, accept the consent page, and wait for the redirect to
graphgate's loopback listener. Arguments: address, user, password."""

import sys
import tempfile

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

url, user, password = sys.argv[1:4]
options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync"):
    options.add_argument(flag)
options.add_argument(f"--user-data-dir={tempfile.mkdtemp()}")
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
try:
    wait = WebDriverWait(driver, 20)
    driver.get(url)
    name = wait.until(EC.presence_of_element_located((By.ID, "i0116")))
    name.clear()
    name.send_keys(user)
    driver.find_element(By.ID, "idSIButton9").click()
    wait.until(EC.presence_of_element_located((By.ID, "i0118"))).send_keys(password)
    driver.find_element(By.ID, "idSIButton9").click()
    wait.until(EC.presence_of_element_located((By.ID, "idBtn_Back")))
    driver.find_element(By.ID, "idSIButton9").click()
    wait.until(lambda d: "you are signed in" in d.page_source)
    print("OK")
finally:
    driver.quit()
