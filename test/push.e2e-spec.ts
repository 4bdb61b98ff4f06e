/**
 * Push notifications (src/notifications/, src/push-triggers/) with the local outbox adapter (the
 * push_outbox table): device tokens registered per session and dropped when the session ends,
 * per-user preferences, and the pushes of an incoming call, a repair offer and an order's
 * cancellation.
 */
import { randomUUID } from 'node:crypto';
import { startLiveKitStandin, type LiveKitStandin } from '../scripts/livekit-standin/standin.js';
import { STANDIN_LIVEKIT } from '../src/config/app-config.js';
import { RepairOffers } from '../src/matching/repair-offers.service.js';
import { Push } from '../src/notifications/push.service.js';
import { login, QUIET_ENV, signInAs, type SignedIn } from './support/accounts.js';
import { activeListing, checkout, putInCart } from './support/orders.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

const expoToken = () => `ExponentPushToken[${randomUUID().replace(/-/g, '').slice(0, 22)}]`;

describe('push notifications', () => {
  let t: TestApp;
  let standin: LiveKitStandin;
  let admin: SignedIn;

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);
  const register = (who: { headers: Record<string, string> }, token = expoToken()) =>
    t.api.POST('/me/push-tokens', { body: { token, platform: 'android' }, headers: who.headers });
  const tokensOf = async (userId: string) =>
    (
      await sql<{ token: string }>(
        `SELECT token FROM push_tokens WHERE user_id = $1 ORDER BY token`,
        [userId],
      )
    ).map((r) => r.token);
  const outboxOf = (userId: string, category?: string) =>
    sql<{ token: string; category: string; title: string; data: Record<string, string> }>(
      `SELECT token, category, title, data FROM push_outbox
        WHERE user_id = $1 AND ($2::text IS NULL OR category = $2) ORDER BY id`,
      [userId, category ?? null],
    );
  /** Waits for an after-commit push to reach the outbox. */
  const pushed = async (userId: string, category: string) => {
    for (let i = 0; i < 100; i++) {
      const rows = await outboxOf(userId, category);
      if (rows.length > 0) return rows;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no ${category} push to ${userId}`);
  };

  beforeAll(async () => {
    standin = await startLiveKitStandin({
      apiKey: STANDIN_LIVEKIT.apiKey,
      apiSecret: STANDIN_LIVEKIT.apiSecret,
    });
    t = await startTestApp({ env: { ...QUIET_ENV, LIVEKIT_URL: standin.url } });
    admin = await signInAs(t, 'admin');
  });
  afterAll(async () => {
    await t?.close();
    await standin?.stop();
  });

  it('registers tokens per session and drops them when the session ends', async () => {
    const phone = await signInAs(t, 'customer');
    const tablet = await login(t, phone.email);
    const third = await login(t, phone.email);
    const [a, b, c] = [expoToken(), expoToken(), expoToken()];
    const registered = await register(phone, a);
    expect(registered.response.status).toBe(200);
    expect(registered.data).toMatchObject({ token: a, platform: 'android' });
    await register(tablet, b);
    await register(third, c);
    expect(await tokensOf(phone.userId)).toEqual([a, b, c].sort());

    const bad = await t.api.POST('/me/push-tokens', {
      body: { token: 'not-a-token', platform: 'windows' } as never,
      headers: phone.headers,
    });
    expect(bad.response.status).toBe(400);
    expect(bad.error).toMatchObject({
      errors: expect.arrayContaining([
        expect.objectContaining({ field: 'token' }),
        expect.objectContaining({ field: 'platform' }),
      ]),
    });

    // Logout drops the tablet's token; revoking a session drops its token; the phone keeps its own.
    const out = await fetch(`${t.baseUrl}/auth/logout`, {
      method: 'POST',
      headers: tablet.headers,
    });
    expect(out.status).toBe(204);
    expect(await tokensOf(phone.userId)).toEqual([a, c].sort());
    const revoked = await t.api.DELETE('/me/sessions/{sessionId}', {
      params: { path: { sessionId: third.sessionId } },
      headers: phone.headers,
    });
    expect(revoked.response.status).toBe(204);
    expect(await tokensOf(phone.userId)).toEqual([a]);

    // Unregistering: mine goes; another user's token is left alone.
    const other = await signInAs(t, 'customer');
    const theirs = expoToken();
    await register(other, theirs);
    const del = (who: SignedIn, token: string) =>
      t.api.DELETE('/me/push-tokens/{token}', {
        params: { path: { token } },
        headers: who.headers,
      });
    expect((await del(phone, theirs)).response.status).toBe(204);
    expect(await tokensOf(other.userId)).toEqual([theirs]);
    expect((await del(phone, a)).response.status).toBe(204);
    expect(await tokensOf(phone.userId)).toEqual([]);

    // A token registered again by another account moves to it.
    await register(phone, theirs);
    expect(await tokensOf(other.userId)).toEqual([]);
    expect(await tokensOf(phone.userId)).toEqual([theirs]);
  });

  it('respects each user’s preferences', async () => {
    const user = await signInAs(t, 'technician');
    const token = expoToken();
    await register(user, token);
    const prefs = await t.api.GET('/me/notification-preferences', { headers: user.headers });
    expect(prefs.data).toEqual({
      messages: true,
      calls: true,
      jobOffers: true,
      orders: true,
      payments: true,
    });
    const push = t.app.get(Push);
    const content = { title: 'New message', body: 'Hello', data: { roomId: 'r1' } };
    await push.notify([user.userId], 'messages', content);
    expect(await outboxOf(user.userId)).toEqual([
      { token, category: 'messages', title: 'New message', data: { roomId: 'r1' } },
    ]);

    const updated = await t.api.PUT('/me/notification-preferences', {
      body: { messages: false },
      headers: user.headers,
    });
    expect(updated.data).toMatchObject({ messages: false, calls: true, jobOffers: true });
    await push.notify([user.userId], 'messages', content);
    await push.notify([user.userId], 'calls', { ...content, title: 'Incoming call' });
    expect((await outboxOf(user.userId)).map((r) => [r.category, r.title])).toEqual([
      ['messages', 'New message'],
      ['calls', 'Incoming call'],
    ]);
    const bad = await t.api.PUT('/me/notification-preferences', {
      body: { messages: 'no' } as never,
      headers: user.headers,
    });
    expect(bad.response.status).toBe(400);
    // Null is not "keep": refused, naming the field (the fuzzer found it a 500 once).
    const nulled = await t.api.PUT('/me/notification-preferences', {
      body: { jobOffers: null } as never,
      headers: user.headers,
    });
    expect(nulled.response.status).toBe(400);
    expect(nulled.error).toMatchObject({
      code: 'request/validation-failed',
      errors: [{ field: 'jobOffers', in: 'body' }],
    });
    // Unknown fields are refused, not stored.
    const unknown = await t.api.PUT('/me/notification-preferences', {
      body: { marketing: true } as never,
      headers: user.headers,
    });
    expect(unknown.response.status).toBe(400);
    expect(
      (await t.api.GET('/me/notification-preferences', { headers: user.headers })).data,
    ).toMatchObject({ messages: false, calls: true });
  });

  it('pushes an incoming call to the callee', async () => {
    const [customer, technician] = await Promise.all([
      signInAs(t, 'customer'),
      signInAs(t, 'technician', { technicianKind: 'software' }),
    ]);
    const token = expoToken();
    await register(technician, token);
    const job = await t.api.POST('/repairs', {
      body: {
        kind: 'software',
        mode: 'online',
        deviceBrand: 'Xiaomi',
        deviceModel: 'Redmi Note 12',
        problem: 'Stuck in a boot loop',
      },
      headers: customer.headers,
    });
    const repairJobId = job.data!.id;
    await t.api.POST('/admin/repairs/{repairJobId}/assign', {
      params: { path: { repairJobId } },
      body: { technicianId: technician.userId },
      headers: admin.headers,
    });
    const call = await t.api.POST('/repairs/{repairJobId}/calls', {
      params: { path: { repairJobId } },
      body: { kind: 'video' },
      headers: customer.headers,
    });
    const callId = call.data!.callId;
    expect(await pushed(technician.userId, 'calls')).toEqual([
      {
        token,
        category: 'calls',
        title: 'Incoming video call',
        data: { type: 'call', callId, repairJobId, kind: 'video' },
      },
    ]);
    expect(await outboxOf(customer.userId)).toEqual([]);
  });

  it('pushes a repair offer to the technician offered the job', async () => {
    const at = { lat: 21.1458, lng: 79.0882 };
    const technician = await signInAs(t, 'technician', { technicianKind: 'hardware' });
    await t.api.PUT('/technicians/me/availability', {
      body: { availability: 'active' },
      headers: technician.headers,
    });
    await t.api.POST('/technicians/me/location', {
      body: { ...at, accuracyM: 8, recordedAt: new Date().toISOString() },
      headers: technician.headers,
    });
    const token = expoToken();
    await register(technician, token);
    const customer = await signInAs(t, 'customer');
    const job = await t.api.POST('/repairs', {
      body: {
        kind: 'hardware',
        mode: 'offline',
        location: at,
        deviceBrand: 'Samsung',
        deviceModel: 'Galaxy M31',
        problem: 'cracked screen',
      },
      headers: customer.headers,
    });
    const repairJobId = job.data!.id;
    await t.app.get(RepairOffers).start({ repairJobId });
    const [offer] = await sql<{ id: string }>(
      `SELECT id::text AS id FROM repair_offers WHERE repair_job_id = $1 AND technician_id = $2`,
      [repairJobId, technician.userId],
    );
    expect(await pushed(technician.userId, 'job_offers')).toEqual([
      {
        token,
        category: 'job_offers',
        title: 'New repair job nearby',
        data: {
          type: 'repair_offer',
          offerId: offer!.id,
          repairJobId,
          expiresAt: expect.any(String),
        },
      },
    ]);
  });

  it('pushes an order’s cancellation to its buyer and dealer', async () => {
    const [buyer, dealer] = await Promise.all([signInAs(t, 'customer'), signInAs(t, 'dealer')]);
    const [buyerToken, dealerToken] = [expoToken(), expoToken()];
    await register(buyer, buyerToken);
    await register(dealer, dealerToken);
    const listing = await activeListing(t, dealer.userId, { b2cPricePaise: 150_000 });
    await putInCart(t, buyer, listing, 1);
    const placed = await checkout(t, buyer);
    expect(placed.status).toBe(201);
    const orderId = placed.order!.id;
    const cancelled = await t.api.POST('/orders/{orderId}/cancel', {
      params: { path: { orderId } },
      body: { reason: 'changed my mind' },
      headers: buyer.headers,
    });
    expect(cancelled.response.status).toBe(200);
    for (const [who, token] of [
      [buyer, buyerToken],
      [dealer, dealerToken],
    ] as const)
      expect(await pushed(who.userId, 'orders')).toEqual([
        expect.objectContaining({
          token,
          title: 'Order cancelled',
          data: expect.objectContaining({ type: 'sub_order', orderId }),
        }),
      ]);
  });
});
