/**
 * Push through Expo's service end to end (`PUSH_PROVIDER=expo` against a stand-in for Expo's API):
 * an API process sends a chat message's push to the other party's devices, and the receipts it
 * asks for a second later drop the token Expo reports gone (`DeviceNotRegistered`), keeping the
 * others. The push-sending process is a second server (Expo's client reads its base URL when
 * loaded); the in-process app only signs in and sets up, with no job workers, so the receipt
 * check runs where Expo is configured.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { projectRoot } from '../src/common/project-root.js';
import { startServer, type Server } from './bench/bench-util.js';
import { QUIET_ENV, signInAs } from './support/accounts.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

const expoToken = () => `ExponentPushToken[${randomUUID().replace(/-/g, '').slice(0, 22)}]`;
const live = expoToken();
const gone = expoToken();

/** Expo's API as the stand-in saw it. */
const seen = { sent: [] as { to: string }[][], receiptIds: [] as string[][] };
const ticketOf = (token: string) => (token === gone ? 'ticket-gone' : 'ticket-live');

let expo: HttpServer;
let t: TestApp;
let b: Server | undefined;

beforeAll(async () => {
  expo = createServer((req, res) => {
    void buffer(req).then((raw) => {
      const body = JSON.parse(raw.toString('utf8')) as unknown;
      let data: unknown;
      if (req.url === '/--/api/v2/push/getReceipts') {
        const { ids } = body as { ids: string[] };
        seen.receiptIds.push(ids);
        data = Object.fromEntries(
          ids.map((id) => [
            id,
            id === 'ticket-gone'
              ? { status: 'error', message: 'gone', details: { error: 'DeviceNotRegistered' } }
              : { status: 'ok' },
          ]),
        );
      } else {
        const messages = body as { to: string }[];
        seen.sent.push(messages);
        data = messages.map((m) => ({ status: 'ok', id: ticketOf(m.to) }));
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data }));
    });
  });
  await new Promise<void>((r) => expo.listen(0, '127.0.0.1', r));
  t = await startTestApp({ env: { ...QUIET_ENV, JOBS_WORKERS: 'false' } });
  b = await startServer(join(projectRoot(), 'dist', 'src', 'main.js'), {
    ...QUIET_ENV,
    NODE_ENV: 'test',
    DATABASE_URL: t.db.appUrl,
    DATABASE_OWNER_URL: t.db.ownerUrl,
    DOCS_ENABLED: 'false',
    PUSH_PROVIDER: 'expo',
    EXPO_BASE_URL: `http://127.0.0.1:${(expo.address() as AddressInfo).port}`,
    PUSH_RECEIPT_DELAY_SECONDS: '1',
  });
}, 60_000);

afterAll(async () => {
  if (b && b.child.exitCode === null && b.child.signalCode === null) await b.stop();
  await t?.close();
  await new Promise<void>((r) => expo.close(() => r()));
});

it("drops a device token once Expo's receipt says the app is gone, and keeps the others", async () => {
  const [customer, technician, admin] = await Promise.all([
    signInAs(t, 'customer'),
    signInAs(t, 'technician'),
    signInAs(t, 'admin'),
  ]);
  const job = await t.api.POST('/repairs', {
    body: {
      kind: 'hardware',
      mode: 'offline',
      deviceBrand: 'Samsung',
      deviceModel: 'Galaxy A54',
      problem: 'Cracked screen, touch dead at the bottom',
      location: { lat: 12.9716, lng: 77.5946 },
    },
    headers: customer.headers,
  });
  const repairJobId = job.data!.id;
  const assigned = await t.api.POST('/admin/repairs/{repairJobId}/assign', {
    params: { path: { repairJobId } },
    body: { technicianId: technician.userId },
    headers: admin.headers,
  });
  expect(assigned.response.status).toBe(200);
  for (const token of [live, gone]) {
    const registered = await t.api.POST('/me/push-tokens', {
      body: { token, platform: 'android' },
      headers: technician.headers,
    });
    expect(registered.response.status).toBe(200);
  }

  // The customer writes through the Expo-configured instance: the technician's devices are pushed.
  const sent = await fetch(`${b!.base}/chat/rooms/job/${repairJobId}/messages`, {
    method: 'POST',
    headers: { ...customer.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ clientMessageId: randomUUID(), body: 'Is the screen in stock?' }),
  });
  expect(sent.status).toBe(201);

  const tokens = () =>
    withClient(t.db.ownerUrl, async (c) =>
      (
        await c.query<{ token: string }>(`SELECT token FROM push_tokens WHERE user_id = $1`, [
          technician.userId,
        ])
      ).rows.map((r) => r.token),
    );
  const deadline = Date.now() + 15_000;
  while ((await tokens()).includes(gone) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 200));

  expect(await tokens()).toEqual([live]);
  expect(
    seen.sent
      .flat()
      .map((m) => m.to)
      .sort(),
  ).toEqual([live, gone].sort());
  expect(seen.receiptIds.flat().sort()).toEqual(['ticket-gone', 'ticket-live']);
});
