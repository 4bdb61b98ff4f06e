/**
 * The app's web build (`expo export -p web`, served by mobile/scripts/serve-web.mjs with the API and
 * the Razorpay sandbox on its origin) in a real browser (Debian's Chromium through playwright-core)
 * against the real API on its own database: a customer signs up, finds a part with a typo, is refused
 * checkout below ₹500, checks out and pays (the sandbox playing Checkout); the dealer accepts, packs
 * and ships it; the customer confirms it arrived and requests a return with a photo, which the dealer
 * answers on the dispute's page; a business buyer sees B2B prices and is refused checkout below ₹10,000; a customer
 * books a repair at home (a 400 naming the problem field highlighted first); a technician lands on
 * its Work tab, goes active and sends a typed position, which a customer's nearby search then finds.
 * Screenshots go to mobile/test-results/ (not committed).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jest } from '@jest/globals';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createAccount, login, signInAs, TEST_PASSWORD } from '../../test/support/accounts.js';
import { activeListing } from '../../test/support/orders.js';
import { startSandboxApp, type SandboxApp } from '../../test/support/payments.js';
import { makeImage } from '../../test/support/test-images.js';
import type { TestApp } from '../../test/support/test-app.js';

const APP = join(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = join(APP, 'test-results');
const PART = 'Redmi Note 12 display';

jest.setTimeout(180_000);

let started: SandboxApp;
let t: TestApp;
let web: ChildProcess;
let appUrl: string;
let browser: Browser;
let storageDir: string;
let dealerEmail: string;
let orderId: string;
let customerEmail: string;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`the web server exited with ${child.exitCode}`);
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer`);
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(RESULTS, `${name}.png`), fullPage: true });

/** A fresh browser (tokens live in memory on the web: one session per page). */
async function openApp(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 420, height: 900 } });
  const page = await context.newPage();
  await page.goto(appUrl);
  await page.waitForURL(/\/sign-in$/);
  return page;
}

async function signIn(email: string): Promise<Page> {
  const page = await openApp();
  await page.getByLabel('Email or phone').fill(email);
  await page.getByLabel('Password').fill(TEST_PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  return page;
}

async function searchWithTypo(page: Page): Promise<void> {
  await page.waitForURL(/\/search$/);
  await page.getByLabel('Search parts').fill('redmi note 12 displya');
  await page.getByLabel('Phone model').fill('Test Phone 1');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(page.getByTestId('corrected-query').innerText()).resolves.toBe(
    `Showing results for "redmi note 12 display"`,
  );
}

/** Opens the part from the search results (its photo shown) and puts `quantity` in the cart. */
async function addToCart(page: Page, quantity: string): Promise<void> {
  await page.getByRole('link', { name: PART }).click();
  // The dealer's 300×200 photo, fetched through the web server's /api proxy.
  await page.waitForFunction(
    `[...document.images].some((img) => img.src.includes('/api/catalog/listings/') && img.complete && img.naturalWidth === 300)`,
  );
  await page.getByLabel('Quantity').fill(quantity);
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await page.getByText('Added to your cart').waitFor();
  await page.goBack();
  await page.getByRole('tab', { name: 'Cart' }).click();
  await page.getByTestId('minimum-order').waitFor();
}

beforeAll(async () => {
  if (!existsSync(join(APP, 'dist', 'index.html')))
    throw new Error(
      'the app is not built: run "bash scripts/mobile.sh build" (npm test does it first)',
    );
  mkdirSync(RESULTS, { recursive: true });
  storageDir = mkdtempSync(join(tmpdir(), 'fixbazaar-app-images-'));
  started = await startSandboxApp({
    env: { STORAGE_DRIVER: 'local', STORAGE_LOCAL_DIR: storageDir },
  });
  t = started.t;
  const dealer = await createAccount(t, 'dealer');
  dealerEmail = dealer.email;
  // ₹450 to a consumer (₹405 to a business): one is below the ₹500 minimum, two are above.
  const listingId = await activeListing(t, dealer.userId, {
    name: PART,
    b2cPricePaise: 45_000,
    stock: 20,
  });
  const photo = await t.api.POST('/dealer/listings/{listingId}/images', {
    params: { path: { listingId } },
    headers: { ...(await login(t, dealerEmail)).headers, 'content-type': 'image/png' },
    body: (await makeImage('image/png', 300, 200)) as unknown as string,
    bodySerializer: (b) => b,
  });
  expect(photo.response.status).toBe(201);

  const port = await freePort();
  appUrl = `http://127.0.0.1:${port}`;
  web = spawn(process.execPath, [join(APP, 'scripts', 'serve-web.mjs')], {
    env: {
      ...process.env,
      API_URL: t.baseUrl,
      RAZORPAY_SANDBOX_URL: started.sandbox.url,
      WEB_PORT: String(port),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitFor(appUrl, web);
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
  if (web && web.exitCode === null) {
    web.kill('SIGTERM');
    await new Promise((r) => web.once('exit', r));
  }
  await started?.close();
  if (storageDir) rmSync(storageDir, { recursive: true, force: true });
});

describe('the app on the web', () => {
  it('a customer signs up, finds a part with a typo, is refused below ₹500, checks out and pays', async () => {
    const page = await openApp();
    await page.getByRole('button', { name: 'New to FixBazaar? Create an account' }).click();
    const email = `asha-${Date.now()}@test.fixbazaar.in`;
    customerEmail = email;
    await page.getByLabel('Your name').fill('Asha Rao');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Create an account' }).click();

    await searchWithTypo(page);
    const result = page.getByTestId('listing').filter({ hasText: PART });
    await expect(result.innerText()).resolves.toMatch(/₹450\.00/);
    await shot(page, 'customer-search');

    await addToCart(page, '1');
    await expect(page.getByTestId('shortfall').innerText()).resolves.toBe(
      'Add ₹50.00 more to check out (items total ₹450.00).',
    );
    const checkout = page.getByRole('button', { name: 'Checkout' });
    await expect(checkout.getAttribute('aria-disabled')).resolves.toBe('true');
    await shot(page, 'customer-cart-below-minimum');

    await page.getByRole('button', { name: `One more ${PART}` }).click();
    await page.getByText('Minimum order ₹500.00 reached').waitFor();
    await expect(page.getByTestId('cart-group').innerText()).resolves.toMatch(
      /2 × Redmi Note 12 display/,
    );
    await checkout.click();

    await page.getByLabel('Phone (+91…)').fill('+919876543210');
    await page.getByLabel('Address line').fill('12 Residency Road');
    await page.getByLabel('City').fill('Bengaluru');
    await page.getByLabel('PIN code').fill('560025');
    // ₹900 of parts and ₹49 delivery (free from ₹999).
    await page.getByRole('button', { name: 'Place order · ₹949.00' }).click();
    await page.waitForURL(/\/order\/[0-9a-f-]+$/);
    orderId = page.url().split('/').pop()!;
    await expect(page.getByTestId('payment-status').innerText()).resolves.toBe(
      'Waiting for payment',
    );

    await page.getByRole('button', { name: 'Pay ₹949.00' }).click();
    await page.getByTestId('payment-status').getByText('Paid').waitFor();
    await expect(page.getByTestId('sub-order-status').innerText()).resolves.toBe('Paid');
    await shot(page, 'customer-order-paid');

    const buyer = await login(t, email);
    const order = await t.api.GET('/orders/{orderId}', {
      params: { path: { orderId } },
      headers: buyer.headers,
    });
    expect({
      status: order.data?.paymentStatus,
      total: order.data?.totalPaise,
      lines: order.data?.subOrders[0]?.lines.map((l) => [l.name, l.quantity]),
    }).toEqual({ status: 'paid', total: 94_900, lines: [[PART, 2]] });
    await page.context().close();
  });

  it('the dealer accepts, packs and ships it', async () => {
    const page = await signIn(dealerEmail);
    await page.waitForURL(/\/dealer\/listings$/);
    await expect(page.getByTestId('dealer-listing').innerText()).resolves.toMatch(/Live/);
    await page.getByRole('tab', { name: 'Sales' }).click();
    const sub = page.getByTestId('dealer-sub-order').filter({ hasText: 'Asha Rao' });
    await sub.getByRole('button', { name: 'Accept' }).click();
    await sub.getByRole('button', { name: 'Mark packed' }).click();
    await sub.getByLabel('Carrier').fill('Delhivery');
    await sub.getByLabel('Tracking number').fill('DLV123456');
    await sub.getByRole('button', { name: 'Ship' }).click();
    await sub.getByText('Delhivery · DLV123456').waitFor();
    await expect(sub.getByTestId('dealer-sub-order-status').innerText()).resolves.toBe('Shipped');
    await shot(page, 'dealer-shipped');

    const dealer = await login(t, dealerEmail);
    const subs = await t.api.GET('/dealer/orders', { headers: dealer.headers });
    expect(subs.data?.items.map((s) => [s.orderId, s.status, s.carrier, s.trackingNumber])).toEqual(
      [[orderId, 'shipped', 'Delhivery', 'DLV123456']],
    );
    await page.context().close();
  });

  it('the customer confirms it arrived and requests a return with a photo; the dealer answers it', async () => {
    const page = await signIn(customerEmail);
    await page.getByRole('tab', { name: 'Orders' }).click();
    await page.getByRole('link', { name: /^Order of / }).click();
    await page.getByRole('button', { name: 'I received it' }).click();
    await page.getByTestId('sub-order-status').getByText('Delivered').waitFor();
    await page.getByRole('button', { name: 'Return it' }).click();
    await page.getByLabel('What is wrong?').fill('The display has a dead line');
    await page.getByRole('button', { name: 'Request the return' }).click();
    await page.waitForURL(/\/dispute\/[0-9a-f-]+$/);
    const disputeId = page.url().split('/').pop()!;
    // The order's screen underneath keeps a summary of the dispute too: read the dispute's own card.
    await expect(
      page.getByTestId('dispute').getByTestId('dispute-status').innerText(),
    ).resolves.toBe('Opened: waiting for the other side’s answer');
    // A photo picked in the browser's file chooser goes up as its raw bytes.
    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Add photos or videos' }).click();
    await (
      await chooser
    ).setFiles({
      name: 'line.png',
      mimeType: 'image/png',
      buffer: await makeImage('image/png', 64, 64),
    });
    await page.getByText('Photos and videos (1 of 10)').waitFor();
    await shot(page, 'customer-return');
    await page.context().close();

    const dealerPage = await signIn(dealerEmail);
    await dealerPage.getByRole('tab', { name: 'Sales' }).click();
    const sub = dealerPage.getByTestId('dealer-sub-order').filter({ hasText: 'Asha Rao' });
    await expect(sub.getByTestId('dealer-sub-order-status').innerText()).resolves.toBe(
      'Return requested',
    );
    await sub.getByRole('link', { name: /^Return of / }).click();
    await dealerPage.getByLabel('Your answer').fill('Tested before dispatch');
    await dealerPage.getByRole('button', { name: 'Send the answer' }).click();
    await dealerPage
      .getByTestId('dispute')
      .getByTestId('dispute-status')
      .getByText('Answered')
      .waitFor();
    await shot(dealerPage, 'dealer-answered-return');

    const buyer = await login(t, customerEmail);
    const dispute = await t.api.GET('/disputes/{id}', {
      params: { path: { id: disputeId } },
      headers: buyer.headers,
    });
    expect({
      kind: dispute.data?.kind,
      status: dispute.data?.status,
      orderId: dispute.data?.orderId,
      reason: dispute.data?.reason,
      answer: dispute.data?.dealerResponse,
      evidence: dispute.data?.evidence.map((e) => [e.role, e.contentType]),
    }).toEqual({
      kind: 'return',
      status: 'responded',
      orderId,
      reason: 'The display has a dead line',
      answer: 'Tested before dispatch',
      evidence: [['buyer', 'image/png']],
    });
    await dealerPage.context().close();
  });

  it('a business buyer sees B2B prices and is refused below ₹10,000', async () => {
    const business = await signInAs(t, 'business');
    const page = await signIn(business.email);
    await searchWithTypo(page);
    const result = page.getByTestId('listing').filter({ hasText: PART });
    await expect(result.innerText()).resolves.toMatch(/₹405\.00\s*B2B price/);
    await shot(page, 'business-search');

    await addToCart(page, '20');
    await expect(page.getByTestId('shortfall').innerText()).resolves.toBe(
      'Add ₹1,900.00 more to check out (items total ₹8,100.00).',
    );
    await expect(
      page.getByRole('button', { name: 'Checkout' }).getAttribute('aria-disabled'),
    ).resolves.toBe('true');
    await shot(page, 'business-cart-below-minimum');

    await page.getByRole('tab', { name: 'Account' }).click();
    await expect(page.getByTestId('verification').innerText()).resolves.toMatch(
      new RegExp(`${business.gstin}\\s*Verified: you buy at B2B prices.`),
    );
    await page.context().close();
  });

  it('a customer books a repair at home: the field the API refuses is highlighted, then it is requested', async () => {
    const customer = await signInAs(t, 'customer');
    const page = await signIn(customer.email);
    await page.waitForURL(/\/search$/);
    await page.getByRole('tab', { name: 'Repairs' }).click();
    await page.getByText('No repairs yet.').waitFor();
    await page.getByRole('button', { name: 'Book a repair' }).click();

    await page.getByLabel('Device brand').fill('Xiaomi');
    await page.getByLabel('Device model').fill('Redmi Note 12');
    await page.getByLabel('What is wrong?').fill('Bad');
    await page.getByLabel('Latitude').fill('12.9716');
    await page.getByLabel('Longitude').fill('77.5946');
    await page.getByLabel('Address').fill('12 Residency Road, Bengaluru');
    await page.getByLabel('Preferred from (YYYY-MM-DD HH:MM)').fill('2030-01-15 10:00');
    await page.getByLabel('Preferred until (YYYY-MM-DD HH:MM)').fill('2030-01-15 13:00');
    await page.getByRole('button', { name: 'Find technicians nearby' }).click();
    await page
      .getByText('No technician is available nearby right now. Book anyway: FixBazaar finds one.')
      .waitFor();
    await page.getByRole('button', { name: 'Request repair' }).click();
    await expect(page.getByTestId('error-What is wrong?').innerText()).resolves.toMatch(/problem/);
    await shot(page, 'customer-repair-refused-field');

    await page.getByLabel('What is wrong?').fill('The screen is cracked and does not respond');
    await page.getByRole('button', { name: 'Request repair' }).click();
    await page.waitForURL(/\/repair\/[0-9a-f-]+$/);
    const repairJobId = page.url().split('/').pop()!;
    await expect(page.getByTestId('repair').innerText()).resolves.toMatch(
      /Xiaomi Redmi Note 12[\s\S]*The screen is cracked and does not respond[\s\S]*12 Residency Road, Bengaluru/,
    );
    await expect(page.getByTestId('cancel').innerText()).resolves.toMatch(
      /Cancelling is free until the technician is on the way/,
    );
    await shot(page, 'customer-repair-requested');

    const job = await t.api.GET('/repairs/{repairJobId}', {
      params: { path: { repairJobId } },
      headers: (await login(t, customer.email)).headers,
    });
    expect(job.data).toMatchObject({
      kind: 'hardware',
      mode: 'offline',
      deviceBrand: 'Xiaomi',
      deviceModel: 'Redmi Note 12',
      problem: 'The screen is cracked and does not respond',
      location: { lat: 12.9716, lng: 77.5946 },
      address: '12 Residency Road, Bengaluru',
    });
    expect([Date.parse(job.data!.preferredFrom!), Date.parse(job.data!.preferredTo!)]).toEqual([
      Date.parse('2030-01-15T10:00:00+05:30'),
      Date.parse('2030-01-15T13:00:00+05:30'),
    ]);
    await page.context().close();
  });

  it('a technician lands on its tabs, goes active and sends its position from the web', async () => {
    const tech = await signInAs(t, 'technician', { technicianKind: 'hardware' });
    const page = await signIn(tech.email);
    await page.waitForURL(/\/technician\/work$/);
    await page.getByText('No offers right now.').waitFor();
    for (const tab of ['Jobs', 'Earnings', 'Account'])
      await expect(page.getByRole('tab', { name: tab }).count()).resolves.toBe(1);
    await page.getByRole('button', { name: 'Go active' }).click();
    await page.getByText('Active: you receive offers').waitFor();
    await page.getByLabel('Latitude').fill('12.9352');
    await page.getByLabel('Longitude').fill('77.6245');
    await page.getByRole('button', { name: 'Send my position' }).click();
    await page.getByText(/^Position sent at/).waitFor();
    await shot(page, 'technician-active');

    // A customer nearby now finds it (distance in 100 m steps).
    const customer = await signInAs(t, 'customer');
    const nearby = await t.api.GET('/technicians/nearby', {
      params: { query: { lat: 12.9352, lng: 77.6245, kind: 'hardware' } },
      headers: customer.headers,
    });
    expect(nearby.data?.items.filter((i) => i.id === tech.userId).map((i) => i.distanceM)).toEqual([
      100,
    ]);
    await page.getByRole('button', { name: 'Go inactive' }).click();
    await page.getByText('Inactive: no offers').waitFor();
    await page.context().close();
  });
});
