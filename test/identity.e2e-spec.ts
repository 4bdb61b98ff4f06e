import type { QueryRunner } from 'typeorm';
import { GstinRules1764350000000 } from '../migrations/1764350000000-GstinRules.js';
import { withClient } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import {
  createAccount,
  login,
  QUIET_ENV,
  signInAs,
  TEST_PASSWORD,
  testGstin,
  testPan,
} from './support/accounts.js';

type Json = Record<string, unknown>;

async function call(
  t: TestApp,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown } = {},
): Promise<{ status: number; body: Json; headers: Headers }> {
  const res = await fetch(`${t.baseUrl}${path}`, {
    method,
    headers: {
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
    },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : {}, headers: res.headers };
}

/** A dealer in Tamil Nadu (GST state code 33) with a GSTIN of its own (a random PAN). */
const dealerBody = (email: string, pan = testPan('F')) => ({
  displayName: 'Sri Ganesh Mobiles',
  email,
  password: 'a-long-password-1',
  businessName: 'Sri Ganesh Mobile Spares',
  gstin: testGstin('Tamil Nadu', pan),
  pan,
  pickupAddress: {
    line1: '4 Ritchie Street',
    city: 'Chennai',
    state: 'Tamil Nadu',
    pincode: '600002',
  },
});

/** A business buyer in Maharashtra (27), billed there. */
const businessBody = (email: string, gstin = testGstin('Maharashtra', testPan('C'))) => ({
  displayName: 'B2B',
  email,
  password: 'a-long-password-1',
  businessName: 'Fixit Pvt Ltd',
  gstin,
  billingAddress: {
    line1: '9 Lamington Road',
    city: 'Mumbai',
    state: 'Maharashtra',
    pincode: '400007',
  },
});

const auditRows = (t: TestApp, action: string) =>
  withClient(
    t.db.ownerUrl,
    async (c) =>
      (await c.query(`SELECT * FROM audit_events WHERE action = $1 ORDER BY seq`, [action]))
        .rows as Json[],
  );

describe('identity', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: QUIET_ENV });
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('signup and sign-in', () => {
    it('signs a customer up (approved at once) and in, by email and by phone', async () => {
      const su = await call(t, 'POST', '/accounts/customers', {
        body: {
          displayName: 'Priya',
          email: 'Priya@Example.in',
          phone: '+919876500001',
          password: 'a-long-password-1',
        },
      });
      expect(su.status).toBe(201);
      expect(su.body).toMatchObject({
        role: 'customer',
        status: 'approved',
        email: 'priya@example.in',
        phone: '+919876500001',
      });
      expect(JSON.stringify(su.body)).not.toMatch(/password/i);

      const byEmail = await call(t, 'POST', '/auth/login', {
        body: { identifier: 'PRIYA@example.in', password: 'a-long-password-1' },
      });
      expect(byEmail.status).toBe(200);
      expect(byEmail.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
      const byPhone = await call(t, 'POST', '/auth/login', {
        body: { identifier: '+919876500001', password: 'a-long-password-1' },
      });
      expect(byPhone.status).toBe(200);
      const me = await call(t, 'GET', '/me', { token: byPhone.body.accessToken as string });
      expect(me.body).toMatchObject({ id: su.body.id, role: 'customer' });
    });

    it('starts dealers, technicians and business buyers pending, and queues them oldest first', async () => {
      const a = await call(t, 'POST', '/accounts/dealers', {
        body: dealerBody('dealer-a@example.in'),
      });
      const b = await call(t, 'POST', '/accounts/businesses', {
        body: businessBody('b2b@example.in'),
      });
      const c = await call(t, 'POST', '/accounts/technicians', {
        body: {
          displayName: 'Ravi',
          phone: '+919876500002',
          password: 'a-long-password-1',
          kind: 'software',
          skills: ['flashing', 'FRP unlock'],
          brands: ['Samsung', 'Xiaomi'],
          serviceArea: { latitude: 19.076, longitude: 72.8777, radiusKm: 12.5 },
        },
      });
      expect([a.status, b.status, c.status]).toEqual([201, 201, 201]);
      expect([a.body.status, b.body.status, c.body.status]).toEqual([
        'pending',
        'pending',
        'pending',
      ]);
      expect(c.body).toMatchObject({
        technicianKind: 'software',
        brands: ['Samsung', 'Xiaomi'],
        serviceArea: { latitude: 19.076, longitude: 72.8777, radiusKm: 12.5 },
      });

      const admin = await signInAs(t, 'admin');
      const page1 = await call(t, 'GET', '/admin/approvals?limit=2', { token: admin.accessToken });
      expect(page1.status).toBe(200);
      const ids1 = (page1.body.items as Json[]).map((i) => i.id);
      expect(ids1).toEqual([a.body.id, b.body.id]);
      const page2 = await call(
        t,
        'GET',
        `/admin/approvals?limit=2&cursor=${page1.body.nextCursor as string}`,
        { token: admin.accessToken },
      );
      expect((page2.body.items as Json[]).map((i) => i.id)).toEqual([c.body.id]);
      expect(page2.body.nextCursor).toBeUndefined();
      const dealersOnly = await call(t, 'GET', '/admin/approvals?role=technician', {
        token: admin.accessToken,
      });
      expect((dealersOnly.body.items as Json[]).map((i) => i.id)).toEqual([c.body.id]);
    });

    it('names each invalid field and refuses duplicates', async () => {
      const bad = await call(t, 'POST', '/accounts/dealers', {
        body: { ...dealerBody('x@example.in'), gstin: 'NOTAGSTIN', pan: 'x' },
      });
      expect(bad.status).toBe(400);
      expect((bad.body.errors as Json[]).map((e) => e.field).sort()).toEqual(['gstin', 'pan']);
      const noContact = await call(t, 'POST', '/accounts/customers', {
        body: { displayName: 'N', password: 'a-long-password-1' },
      });
      expect(noContact.status).toBe(400);
      expect(noContact.body.detail).toMatch(/email or phone/);
      await call(t, 'POST', '/accounts/customers', {
        body: { displayName: 'D', email: 'dup@example.in', password: 'a-long-password-1' },
      });
      const dup = await call(t, 'POST', '/accounts/customers', {
        body: { displayName: 'D', email: 'DUP@example.in', password: 'a-long-password-1' },
      });
      expect(dup.status).toBe(409);
      expect(dup.body.code).toBe('account/already-exists');
    });

    it('persists nothing when a body injects role, status or approved', async () => {
      const count = () =>
        withClient(
          t.db.appUrl,
          async (c) =>
            (await c.query(`SELECT count(*)::int AS n FROM users`)).rows[0] as { n: number },
        );
      const before = await count();
      const r = await call(t, 'POST', '/accounts/dealers', {
        body: {
          ...dealerBody('sneaky@example.in'),
          role: 'admin',
          status: 'approved',
          approved: true,
        },
      });
      expect(r.status).toBe(400);
      expect((r.body.errors as Json[]).map((e) => e.field).sort()).toEqual([
        'approved',
        'role',
        'status',
      ]);
      expect(await count()).toEqual(before);

      const me = await signInAs(t, 'customer');
      const patch = await call(t, 'PATCH', '/me', {
        token: me.accessToken,
        body: { displayName: 'New', role: 'admin', status: 'blocked' },
      });
      expect(patch.status).toBe(400);
      const after = await call(t, 'GET', '/me', { token: me.accessToken });
      expect(after.body).toMatchObject({
        role: 'customer',
        status: 'approved',
        displayName: 'Test customer',
      });
      const ok = await call(t, 'PATCH', '/me', {
        token: me.accessToken,
        body: { displayName: 'Renamed' },
      });
      expect(ok.body).toMatchObject({ displayName: 'Renamed', role: 'customer' });
    });

    it('answers a wrong password and an unknown account alike', async () => {
      const { email } = await createAccount(t, 'customer');
      const wrong = await call(t, 'POST', '/auth/login', {
        body: { identifier: email, password: 'not-the-password' },
      });
      const unknown = await call(t, 'POST', '/auth/login', {
        body: { identifier: 'nobody@example.in', password: 'not-the-password' },
      });
      expect([wrong.status, unknown.status]).toEqual([401, 401]);
      expect(wrong.body.code).toBe('auth/invalid-credentials');
      expect(unknown.body.detail).toEqual(wrong.body.detail);
    });
  });

  describe('GSTIN rules', () => {
    const owner = <T>(fn: Parameters<typeof withClient<T>>[1]) => withClient(t.db.ownerUrl, fn);

    it('refuses a GSTIN whose check character is wrong, naming the field', async () => {
      const body = dealerBody('bad-check@example.in');
      const last = body.gstin.charAt(14);
      const wrong = `${body.gstin.slice(0, 14)}${last === 'Z' ? 'Y' : 'Z'}`;
      const r = await call(t, 'POST', '/accounts/dealers', { body: { ...body, gstin: wrong } });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({
        code: 'request/validation-failed',
        errors: [
          expect.objectContaining({
            field: 'gstin',
            messages: [expect.stringMatching(/check character/)],
          }),
        ],
      });
      const b = await call(t, 'POST', '/accounts/businesses', {
        body: { ...businessBody('bad-check-b@example.in'), gstin: '27AAACR5055K1Z8' },
      });
      expect(b.status).toBe(400);
      expect((b.body.errors as Json[]).map((e) => e.field)).toEqual(['gstin']);
    });

    it('allows one dealer account per GSTIN: a second is 409 naming gstin, recorded on the holder', async () => {
      const first = await call(t, 'POST', '/accounts/dealers', {
        body: dealerBody('gst-1@example.in'),
      });
      expect(first.status).toBe(201);
      const gstin = first.body.gstin as string;
      const pan = gstin.slice(2, 12);
      const second = await call(t, 'POST', '/accounts/dealers', {
        body: { ...dealerBody('gst-2@example.in', pan), displayName: 'Impostor' },
      });
      expect(second.status).toBe(409);
      expect(second.body).toMatchObject({
        code: 'account/gstin-taken',
        errors: [
          { field: 'gstin', in: 'body', messages: [expect.stringMatching(/dealer account/)] },
        ],
      });
      expect((await login(t, 'gst-2@example.in', 'a-long-password-1')).status).toBe(401);
      // Staff find the attempt on the holder's audit trail.
      const admin = await signInAs(t, 'admin');
      const events = await call(
        t,
        'GET',
        `/audit/events?action=account.signup_refused&targetId=${first.body.id as string}`,
        { token: admin.accessToken },
      );
      expect(events.status).toBe(200);
      expect(events.body.items).toEqual([
        expect.objectContaining({
          actorId: null,
          targetId: first.body.id,
          reason: 'a second dealer account for the GSTIN of this account',
          after: { role: 'dealer', email: 'gst-2@example.in', phone: null },
        }),
      ]);

      // Concurrent signups with one new GSTIN make one account.
      const racePan = testPan('F');
      const race = await Promise.all(
        [1, 2, 3].map((i) =>
          call(t, 'POST', '/accounts/dealers', {
            body: dealerBody(`race-${i}@example.in`, racePan),
          }),
        ),
      );
      expect(race.map((r) => r.status).sort()).toEqual([201, 409, 409]);
      // The database refuses a second dealer row with that GSTIN even without the service.
      await expect(
        owner((c) =>
          c.query(
            `INSERT INTO users (role, status, email, password_hash, display_name, business_name, gstin, pan, pickup_address)
             SELECT role, 'pending', 'direct@example.in', password_hash, display_name, business_name, gstin, pan, pickup_address
               FROM users WHERE id = $1`,
            [first.body.id],
          ),
        ),
      ).rejects.toThrow(/users_dealer_gstin_key/);
    });

    it('allows one business account per GSTIN, and a dealer and a business account on the same GSTIN', async () => {
      const pan = testPan('C');
      const gstin = testGstin('Tamil Nadu', pan);
      const dealer = await call(t, 'POST', '/accounts/dealers', {
        body: dealerBody('both-dealer@example.in', pan),
      });
      const billing = {
        line1: '2 Anna Salai',
        city: 'Chennai',
        state: 'Tamil Nadu',
        pincode: '600002',
      };
      const business = await call(t, 'POST', '/accounts/businesses', {
        body: { ...businessBody('both-business@example.in', gstin), billingAddress: billing },
      });
      expect([dealer.status, business.status]).toEqual([201, 201]);
      expect(business.body).toMatchObject({ role: 'business', gstin, billingAddress: billing });
      expect(dealer.body).toMatchObject({ role: 'dealer', gstin });
      const again = await call(t, 'POST', '/accounts/businesses', {
        body: { ...businessBody('both-business-2@example.in', gstin), billingAddress: billing },
      });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({
        code: 'account/gstin-taken',
        errors: [expect.objectContaining({ field: 'gstin' })],
      });
    });

    it("requires a dealer's pickup address in the GSTIN's state and its PAN inside the GSTIN", async () => {
      const body = dealerBody('mismatch@example.in');
      const elsewhere = await call(t, 'POST', '/accounts/dealers', {
        body: {
          ...body,
          pickupAddress: { ...body.pickupAddress, city: 'Bengaluru', state: 'Karnataka' },
        },
      });
      expect(elsewhere.status).toBe(422);
      expect(elsewhere.body).toMatchObject({
        code: 'account/gstin-state-mismatch',
        errors: [
          {
            field: 'pickupAddress.state',
            in: 'body',
            messages: [expect.stringMatching(/state code 33/)],
          },
        ],
      });
      const otherPan = await call(t, 'POST', '/accounts/dealers', {
        body: { ...body, pan: testPan('F') },
      });
      expect(otherPan.status).toBe(422);
      expect(otherPan.body).toMatchObject({
        code: 'account/gstin-pan-mismatch',
        errors: [{ field: 'pan', in: 'body', messages: [expect.stringMatching(body.pan)] }],
      });
      const unknownState = await call(t, 'POST', '/accounts/dealers', {
        body: { ...body, pickupAddress: { ...body.pickupAddress, state: 'Madras' } },
      });
      expect(unknownState.status).toBe(400);
      expect((unknownState.body.errors as Json[]).map((e) => e.field)).toEqual([
        'pickupAddress.state',
      ]);
      // None of them made an account; the right details do.
      expect((await login(t, 'mismatch@example.in', 'a-long-password-1')).status).toBe(401);
      expect((await call(t, 'POST', '/accounts/dealers', { body })).status).toBe(201);
    });

    it("requires a business buyer's billing address, in the GSTIN's state (and a dealer's pickup address)", async () => {
      const body = businessBody('billing@example.in');
      const { billingAddress: _, ...without } = body;
      const missing = await call(t, 'POST', '/accounts/businesses', { body: without });
      expect(missing.status).toBe(400);
      expect((missing.body.errors as Json[]).map((e) => e.field)).toEqual(['billingAddress']);
      const { pickupAddress: __, ...noPickup } = dealerBody('no-pickup@example.in');
      const noPickupAddress = await call(t, 'POST', '/accounts/dealers', { body: noPickup });
      expect(noPickupAddress.status).toBe(400);
      expect((noPickupAddress.body.errors as Json[]).map((e) => e.field)).toEqual([
        'pickupAddress',
      ]);
      const elsewhere = await call(t, 'POST', '/accounts/businesses', {
        body: { ...body, billingAddress: { ...body.billingAddress, state: 'Gujarat' } },
      });
      expect(elsewhere.status).toBe(422);
      expect(elsewhere.body).toMatchObject({
        code: 'account/gstin-state-mismatch',
        errors: [expect.objectContaining({ field: 'billingAddress.state' })],
      });
      const ok = await call(t, 'POST', '/accounts/businesses', { body });
      expect(ok.status).toBe(201);
      const admin = await signInAs(t, 'admin');
      const seen = await call(t, 'GET', `/admin/users/${ok.body.id as string}`, {
        token: admin.accessToken,
      });
      expect(seen.body).toMatchObject({ billingAddress: body.billingAddress });
      expect(seen.body).not.toHaveProperty('gstinDuplicateOf');
    });

    it('migrates a database with shared GSTINs: later duplicates flagged for staff, the oldest keeps the GSTIN', async () => {
      const pan = testPan('F');
      const gstin = testGstin('Tamil Nadu', pan);
      const ids = await owner(async (c) => {
        await c.query('BEGIN');
        const runner = { query: (sql: string) => c.query(sql) } as unknown as QueryRunner;
        const migration = new GstinRules1764350000000();
        await migration.down(runner);
        const inserted: string[] = [];
        // Three dealers (newest first) and a business account on one GSTIN, as before the rules.
        for (const [role, daysAgo] of [
          ['dealer', 1],
          ['dealer', 3],
          ['business', 4],
          ['dealer', 2],
        ] as const) {
          const { rows } = await c.query<{ id: string }>(
            `INSERT INTO users (role, status, email, password_hash, display_name, business_name, gstin, pan,
                                pickup_address, created_at)
             VALUES ($1, 'approved', $2, 'x', 'Legacy', 'Legacy Traders', $3, $4, $5, now() - make_interval(days => $6))
             RETURNING id`,
            [
              role,
              `legacy-${role}-${daysAgo}@example.in`,
              gstin,
              role === 'dealer' ? pan : null,
              role === 'dealer' ? JSON.stringify(dealerBody('x', pan).pickupAddress) : null,
              daysAgo,
            ],
          );
          inserted.push(rows[0]!.id);
        }
        await migration.up(runner);
        await c.query('COMMIT');
        return inserted;
      });
      const [newest, oldest, business, middle] = ids as [string, string, string, string];
      const admin = await signInAs(t, 'admin');
      const view = async (id: string) =>
        (await call(t, 'GET', `/admin/users/${id}`, { token: admin.accessToken })).body;
      expect(await view(newest)).toMatchObject({ gstinDuplicateOf: oldest });
      expect(await view(middle)).toMatchObject({ gstinDuplicateOf: oldest });
      expect(await view(oldest)).not.toHaveProperty('gstinDuplicateOf');
      expect(await view(business)).not.toHaveProperty('gstinDuplicateOf');
      // A new signup meets the oldest, which the attempt is recorded on.
      const late = await call(t, 'POST', '/accounts/dealers', {
        body: dealerBody('late@example.in', pan),
      });
      expect(late.status).toBe(409);
      expect(
        (await auditRows(t, 'account.signup_refused')).filter((e) => e.target_id === oldest),
      ).toHaveLength(1);
    });
  });

  describe('tokens and sessions', () => {
    it('rotates refresh tokens; reusing a rotated one revokes the whole family', async () => {
      const s = await signInAs(t, 'customer');
      const r1 = await call(t, 'POST', '/auth/refresh', { body: { refreshToken: s.refreshToken } });
      expect(r1.status).toBe(200);
      expect(r1.body.refreshToken).not.toEqual(s.refreshToken);
      expect(r1.body.sessionId).toEqual(s.sessionId);
      expect((await call(t, 'GET', '/me', { token: r1.body.accessToken as string })).status).toBe(
        200,
      );

      const reuse = await call(t, 'POST', '/auth/refresh', {
        body: { refreshToken: s.refreshToken },
      });
      expect(reuse.status).toBe(401);
      expect(reuse.body.code).toBe('auth/refresh-token-reused');
      // The family is gone: the newest tokens are dead too.
      expect(
        (await call(t, 'GET', '/me', { token: r1.body.accessToken as string })).body.code,
      ).toBe('auth/session-ended');
      expect(
        (await call(t, 'POST', '/auth/refresh', { body: { refreshToken: r1.body.refreshToken } }))
          .body.code,
      ).toBe('auth/session-ended');
    });

    it('lets exactly one of two concurrent refreshes of one token win', async () => {
      const s = await signInAs(t, 'customer');
      const both = await Promise.all(
        [1, 2].map(() =>
          call(t, 'POST', '/auth/refresh', { body: { refreshToken: s.refreshToken } }),
        ),
      );
      expect(both.map((r) => r.status).sort()).toEqual([200, 401]);
    });

    it('logs out one session, all sessions, and revokes the others on password change', async () => {
      const a = await signInAs(t, 'technician');
      const b = await login(t, a.email);
      const c = await login(t, a.email);
      expect((await call(t, 'POST', '/auth/logout', { token: a.accessToken })).status).toBe(204);
      expect((await call(t, 'GET', '/me', { token: a.accessToken })).status).toBe(401);
      expect((await call(t, 'GET', '/me', { token: b.accessToken })).status).toBe(200);

      const sessions = await call(t, 'GET', '/me/sessions', { token: b.accessToken });
      const list = sessions.body as unknown as Json[];
      expect(list).toHaveLength(3);
      expect(list.filter((x) => x.current).map((x) => x.id)).toEqual([b.sessionId]);
      expect(list.find((x) => x.id === a.sessionId)).toMatchObject({ revokedReason: 'logout' });

      const pw = await call(t, 'POST', '/auth/password', {
        token: b.accessToken,
        body: { currentPassword: TEST_PASSWORD, newPassword: 'an-entirely-new-password' },
      });
      expect(pw.body).toEqual({ revoked: 1 });
      expect((await call(t, 'GET', '/me', { token: c.accessToken })).status).toBe(401);
      expect((await call(t, 'GET', '/me', { token: b.accessToken })).status).toBe(200);
      expect((await login(t, a.email)).status).toBe(401);
      expect((await login(t, a.email, 'an-entirely-new-password')).status).toBe(200);

      const wrong = await call(t, 'POST', '/auth/password', {
        token: b.accessToken,
        body: { currentPassword: 'nope', newPassword: 'whatever-long-1' },
      });
      expect(wrong.status).toBe(403);

      const all = await call(t, 'POST', '/auth/logout-everywhere', { token: b.accessToken });
      expect(all.body).toEqual({ revoked: 2 });
      expect((await call(t, 'GET', '/me', { token: b.accessToken })).status).toBe(401);
    });

    it('lets an owner revoke one of their sessions, and answers 404 for anyone else’s', async () => {
      const a = await signInAs(t, 'customer');
      const a2 = await login(t, a.email);
      const b = await signInAs(t, 'customer');
      const foreign = await call(t, 'DELETE', `/me/sessions/${a2.sessionId}`, {
        token: b.accessToken,
      });
      expect(foreign.status).toBe(404);
      expect(JSON.stringify(foreign.body)).not.toContain(a.email);
      expect((await call(t, 'GET', '/me', { token: a2.accessToken })).status).toBe(200);
      expect(
        (await call(t, 'DELETE', `/me/sessions/${a2.sessionId}`, { token: a.accessToken })).status,
      ).toBe(204);
      expect((await call(t, 'GET', '/me', { token: a2.accessToken })).status).toBe(401);
    });

    it('lets staff list and revoke an account’s sessions, audited', async () => {
      const user = await signInAs(t, 'dealer');
      const admin = await signInAs(t, 'admin');
      const list = await call(t, 'GET', `/admin/users/${user.userId}/sessions`, {
        token: admin.accessToken,
      });
      expect((list.body as unknown as Json[]).map((s) => s.id)).toEqual([user.sessionId]);
      const rev = await call(t, 'POST', `/admin/users/${user.userId}/sessions/revoke`, {
        token: admin.accessToken,
        body: { reason: 'lost phone reported' },
      });
      expect(rev.body).toEqual({ revoked: 1 });
      expect((await call(t, 'GET', '/me', { token: user.accessToken })).status).toBe(401);
      const events = await auditRows(t, 'session.revoke_all');
      expect(events.at(-1)).toMatchObject({
        actor_id: admin.userId,
        actor_role: 'admin',
        target_id: user.userId,
        reason: 'lost phone reported',
      });
    });
  });

  describe('approvals', () => {
    it('approves with a reason, keeps history, and audits in the same transaction', async () => {
      const su = await call(t, 'POST', '/accounts/dealers', {
        body: dealerBody('dealer-approve@example.in'),
      });
      const admin = await signInAs(t, 'admin');
      const noReason = await call(t, 'POST', `/admin/users/${su.body.id as string}/approve`, {
        token: admin.accessToken,
        body: {},
      });
      expect(noReason.status).toBe(400);
      expect((noReason.body.errors as Json[])[0]).toMatchObject({ field: 'reason' });

      const res = await fetch(`${t.baseUrl}/admin/users/${su.body.id as string}/approve`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${admin.accessToken}`,
          'x-device-fingerprint': 'admin-laptop-1',
          'x-request-id': 'approve-req-000001',
        },
        body: JSON.stringify({ reason: 'GSTIN and PAN verified' }),
      });
      const body = (await res.json()) as Json;
      expect(res.status).toBe(200);
      expect(body).toMatchObject({ status: 'approved' });
      expect(body.history).toEqual([
        expect.objectContaining({ fromStatus: null, toStatus: 'pending', reason: 'signup' }),
        expect.objectContaining({
          fromStatus: 'pending',
          toStatus: 'approved',
          reason: 'GSTIN and PAN verified',
          actorId: admin.userId,
          override: false,
        }),
      ]);
      const [event] = (await auditRows(t, 'account.approve')).filter(
        (e) => e.target_id === su.body.id,
      );
      expect(event).toMatchObject({
        actor_id: admin.userId,
        actor_role: 'admin',
        reason: 'GSTIN and PAN verified',
        before: { status: 'pending' },
        after: { status: 'approved' },
        override: false,
        request_id: 'approve-req-000001',
        ip: '127.0.0.1',
      });
      expect(event!.device_fingerprint).toMatch(/^[0-9a-f]{64}$/);
      expect(event!.device_fingerprint).not.toContain('admin-laptop');

      const again = await call(t, 'POST', `/admin/users/${su.body.id as string}/approve`, {
        token: admin.accessToken,
        body: { reason: 'again please' },
      });
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('account/unchanged');
    });

    it('blocks: sessions end, sign-in is refused', async () => {
      const user = await signInAs(t, 'customer');
      const admin = await signInAs(t, 'admin');
      const r = await call(t, 'POST', `/admin/users/${user.userId}/block`, {
        token: admin.accessToken,
        body: { reason: 'chargeback fraud' },
      });
      expect(r.status).toBe(200);
      expect((await call(t, 'GET', '/me', { token: user.accessToken })).status).toBe(401);
      const again = await login(t, user.email);
      expect(again.status).toBe(403);
    });

    it('lets only an ops leader override policy, with a reason, marked in the audit log', async () => {
      const { userId } = await createAccount(t, 'dealer', { status: 'blocked' });
      const admin = await signInAs(t, 'admin');
      const ops = await signInAs(t, 'ops_leader');
      const path = `/admin/users/${userId}/approve`;
      expect(
        (
          await call(t, 'POST', path, {
            token: admin.accessToken,
            body: { reason: 'appeal accepted' },
          })
        ).body.code,
      ).toBe('account/forbidden-by-policy');
      expect(
        (
          await call(t, 'POST', path, {
            token: admin.accessToken,
            body: { reason: 'appeal accepted', override: true },
          })
        ).status,
      ).toBe(403);
      expect(
        (
          await call(t, 'POST', path, {
            token: ops.accessToken,
            body: { reason: 'appeal accepted' },
          })
        ).status,
      ).toBe(409);
      const ok = await call(t, 'POST', path, {
        token: ops.accessToken,
        body: { reason: 'appeal accepted by ops', override: true },
      });
      expect(ok.status).toBe(200);
      expect((ok.body.history as Json[]).at(-1)).toMatchObject({
        fromStatus: 'blocked',
        toStatus: 'approved',
        override: true,
      });
      const [event] = (await auditRows(t, 'account.approve')).filter((e) => e.target_id === userId);
      expect(event).toMatchObject({
        actor_role: 'ops_leader',
        override: true,
        reason: 'appeal accepted by ops',
      });
    });

    it('refuses staff changing their own status, even with an override', async () => {
      const ops = await signInAs(t, 'ops_leader');
      const r = await call(t, 'POST', `/admin/users/${ops.userId}/block`, {
        token: ops.accessToken,
        body: { reason: 'testing self', override: true },
      });
      expect(r.status).toBe(403);
      expect(r.body.code).toBe('account/self');
    });

    it('creates staff accounts only through an admin, audited', async () => {
      const admin = await signInAs(t, 'admin');
      const body = {
        role: 'finance',
        displayName: 'Fin',
        email: 'fin@staff.in',
        password: 'a-long-password-1',
      };
      const customer = await signInAs(t, 'customer');
      expect(
        (await call(t, 'POST', '/admin/staff', { token: customer.accessToken, body })).status,
      ).toBe(403);
      const r = await call(t, 'POST', '/admin/staff', { token: admin.accessToken, body });
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({ role: 'finance', status: 'approved' });
      expect((await login(t, 'fin@staff.in', 'a-long-password-1')).status).toBe(200);
      const [event] = (await auditRows(t, 'account.create')).filter(
        (e) => e.target_id === r.body.id,
      );
      expect(event).toMatchObject({
        actor_id: admin.userId,
        after: { role: 'finance', status: 'approved', email: 'fin@staff.in' },
      });
      const customerRole = await call(t, 'POST', '/admin/staff', {
        token: admin.accessToken,
        body: { ...body, email: 'x@staff.in', role: 'customer' },
      });
      expect(customerRole.status).toBe(400);
    });
  });
});

describe('sign-in throttling', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: {
        ...QUIET_ENV,
        LOGIN_SLOWDOWN_AFTER_FAILURES: '3',
        LOGIN_LOCKOUT_AFTER_FAILURES: '5',
        LOGIN_LOCKOUT_SECONDS: '600',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('slows down, then locks, with a clear error and Retry-After', async () => {
    const { email } = await createAccount(t, 'customer');
    const attempt = (password = 'wrong-password') =>
      call(t, 'POST', '/auth/login', { body: { identifier: email, password } });
    for (let i = 0; i < 3; i++) expect((await attempt()).status).toBe(401);
    const slow = await attempt();
    expect(slow.status).toBe(429);
    expect(slow.body.code).toBe('auth/slow-down');
    expect(slow.headers.get('retry-after')).toBe('1');
    await new Promise((r) => setTimeout(r, 1100));
    expect((await attempt()).status).toBe(401); // 4th failure: next wait 2 s
    expect((await attempt()).body.code).toBe('auth/slow-down');
    await new Promise((r) => setTimeout(r, 2100));
    expect((await attempt()).status).toBe(401); // 5th failure: locked
    const locked = await attempt(TEST_PASSWORD); // even the right password waits
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('auth/locked');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(590);
    expect(Date.parse(locked.body.retryAt as string)).toBeGreaterThan(Date.now() + 590_000);
  });
});
