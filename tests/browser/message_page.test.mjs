// The support agent's path through the admin pages in headless Chromium:
// log in (a wrong token first), search by phone number, open the message,
// read its timeline and open one raw report. Run by test_message_page.cpp
// with a deliveryd it started; talks to 127.0.0.1 only and gives up within
// bounded time.
//
// Environment: DELIVERYD_ADMIN_URL (http://127.0.0.1:PORT), DELIVERYD_ADMIN_TOKEN,
// DELIVERYD_SMS_ID (a failed ZNS with three reports), DELIVERYD_PHONE (its
// number), DELIVERYD_ARTIFACTS (a folder for the screenshots).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import test from 'node:test';

import { chromium } from 'playwright-core';

const base = process.env.DELIVERYD_ADMIN_URL;
const token = process.env.DELIVERYD_ADMIN_TOKEN;
const smsId = process.env.DELIVERYD_SMS_ID;
const phone = process.env.DELIVERYD_PHONE;
const artifacts = process.env.DELIVERYD_ARTIFACTS;

test('an agent logs in, finds a failed ZNS and reads its timeline', { timeout: 60_000 }, async () => {
  for (const [name, value] of Object.entries({ base, token, smsId, phone, artifacts })) {
    assert.ok(value, `${name} is not set`);
  }
  assert.equal(new URL(base).hostname, '127.0.0.1', 'only the local deliveryd');
  // Debian's Chromium: playwright-core downloads no browser of its own.
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, timeout: 30_000 });
  try {
    const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    // Whatever the page asks for beyond the local deliveryd is refused
    // (it asks for nothing: no script, no font, no image).
    const elsewhere = [];
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === '127.0.0.1') return route.continue();
      elsewhere.push(url.href);
      return route.abort();
    });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.setDefaultNavigationTimeout(10_000);

    await page.goto(`${base}/`);
    assert.equal(new URL(page.url()).pathname, '/login', 'sent to the login first');

    await page.fill('#token', 'not-the-token-at-all');
    await page.click('button[type=submit]');
    await page.getByText('That is not the admin token.').waitFor();
    assert.equal((await context.cookies()).length, 0, 'no cookie for a wrong token');

    await page.fill('#token', token);
    await Promise.all([page.waitForURL(`${base}/`), page.click('main button[type=submit]')]);
    await page.getByRole('heading', { name: 'Messages today' }).waitFor();
    const [cookie] = await context.cookies();
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.notEqual(cookie.value, token, 'the cookie is not the token');
    await page.screenshot({ path: join(artifacts, 'overview.png'), fullPage: true });

    await page.fill('input[name=q]', phone);
    await Promise.all([page.waitForURL(/\/messages\?q=/), page.press('input[name=q]', 'Enter')]);
    await page.getByRole('heading', { name: /Messages to phone number/ }).waitFor();
    await page.screenshot({ path: join(artifacts, 'search.png'), fullPage: true });
    await Promise.all([page.waitForURL(`${base}/messages/${smsId}`), page.click(`a[href="/messages/${smsId}"]`)]);

    const state = await page.textContent('#state');
    assert.match(state, /failed/);
    assert.match(state, /final/);
    assert.doesNotMatch(state, /not final/);
    const events = page.locator('#timeline > li.event');
    assert.equal(await events.count(), 3);
    const texts = await events.allTextContents();
    assert.match(texts[0], /SendStatus 1/);
    assert.match(texts[1], /SendStatus 2/);
    assert.match(texts[2], /SendStatus 5/);
    assert.match(texts[2], /-118/);
    assert.match(texts[2], /no Zalo account for this phone number/);

    // The raw report is there on demand only.
    const raw = events.nth(2).locator('details pre');
    assert.equal(await raw.isVisible(), false);
    await events.nth(2).locator('summary').click();
    assert.equal(await raw.isVisible(), true);
    assert.match(await raw.textContent(), /error_info=%7B%22error%22%3A-118/);
    const html = await page.content();
    assert.ok(!html.includes(phone.slice(1)), 'the number is masked');
    assert.ok(!html.includes(token), 'the token never shows');

    await page.screenshot({ path: join(artifacts, 'message-page.png'), fullPage: true });

    // On a phone's screen: one column, nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone`);
    await page.screenshot({ path: join(artifacts, 'message-page-phone.png'), fullPage: true });

    assert.deepEqual(elsewhere, [], 'nothing asked of any other host');
  } finally {
    await browser.close();
  }
});
