// Drives the live dashboard like an operator, for DashboardBrowserIT: token, pick the activity,
// start it (confirmed), watch the figures move while the test grabs, cancel then confirm a pause;
// then open the API docs page.
// Env: BASE_URL, TOKEN, ACTIVITY_ID, OUT_DIR (screenshots), CHROMIUM (default /usr/bin/chromium).
// Prints one JSON line with what it saw; exits non-zero on any failed expectation.
import { chromium } from 'playwright-core';

const base = process.env.BASE_URL;
const id = process.env.ACTIVITY_ID;
const out = process.env.OUT_DIR;
const timeout = 60_000;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  // Without the networking flags Chromium keeps trying hosts this closed network refuses.
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
});
const seen = {};
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(base + '/dashboard');
  await page.fill('#token', process.env.TOKEN);
  await page.click('#token-save');
  const row = page.locator(`#activities tbody tr[data-id="${id}"]`);
  await row.waitFor({ timeout });
  await row.click();
  await page.waitForFunction(() => document.getElementById('live-status').textContent === 'PENDING', null, { timeout });
  seen.remaining_before_start = await page.textContent('#live-remaining');

  await page.click('#op-start');
  await page.waitForSelector('#confirm[open]', { timeout });
  seen.start_confirmation = await page.textContent('#confirm-text');
  await page.click('#confirm-ok');
  await page.waitForFunction(() => document.getElementById('live-status').textContent === 'ACTIVE', null, { timeout });

  const num = (sel) => page.$eval(sel, (e) => Number(e.textContent.replace(/[^0-9.]/g, '')));
  const firstGranted = await num('#live-granted');
  // The figures move: more grants, less stock, a rate, a latency, refusals by reason.
  await page.waitForFunction((first) => {
    const n = (i) => Number(document.getElementById(i).textContent.replace(/[^0-9.]/g, ''));
    const rate = document.getElementById('live-grants-rate').textContent;
    const p99 = document.getElementById('live-p99').textContent;
    const refusals = [...document.querySelectorAll('#rejections tbody tr')]
      .some((tr) => tr.dataset.reason === 'limit_reached' && Number(tr.cells[2].textContent) > 0);
    return n('live-granted') >= first + 20 && rate !== '-' && n('live-grants-rate') > 0 && p99 !== '-' && refusals;
  }, firstGranted, { timeout, polling: 250 });
  seen.first_granted = firstGranted;
  seen.granted = await num('#live-granted');
  seen.remaining = await num('#live-remaining');
  seen.total = await num('#live-total');
  seen.grants_per_second = await num('#live-grants-rate');
  seen.p99_ms = await page.textContent('#live-p99');
  seen.rejection_reasons = await page.$$eval('#rejections tbody tr', (rows) => rows.map((r) => r.dataset.reason));
  await page.screenshot({ path: out + '/dashboard.png', fullPage: true });

  // A cancelled confirmation does nothing.
  await page.click('#op-pause');
  await page.waitForSelector('#confirm[open]', { timeout });
  await page.click('#confirm-cancel');
  await page.waitForFunction(() => document.getElementById('message').textContent === 'cancelled', null, { timeout });
  seen.status_after_cancel = await page.textContent('#live-status');

  await page.click('#op-pause');
  await page.waitForSelector('#confirm[open]', { timeout });
  seen.pause_confirmation = await page.textContent('#confirm-text');
  await page.click('#confirm-ok');
  await page.waitForFunction(() => document.getElementById('live-status').textContent === 'PAUSED'
    && document.getElementById('message').textContent === 'Pause: done', null, { timeout });
  seen.resume_enabled = await page.isEnabled('#op-resume');
  seen.pause_enabled = await page.isEnabled('#op-pause');
  await page.screenshot({ path: out + '/dashboard-paused.png', fullPage: true });

  // The API description renders offline (Swagger UI from the jar) and lists the live route.
  await page.goto(base + '/docs');
  await page.locator('.opblock-summary-path', { hasText: '/api/v1/activities/{id}/live' }).first().waitFor({ timeout });
  seen.docs_operations = await page.locator('.opblock').count();
  await page.screenshot({ path: out + '/docs.png' });
  seen.page_errors = errors;
  console.log(JSON.stringify(seen));
} finally {
  await browser.close();
}
