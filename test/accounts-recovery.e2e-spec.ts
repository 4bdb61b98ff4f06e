import { randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createAccount,
  login,
  outboxFor,
  QUIET_ENV,
  signInAs,
  TEST_PASSWORD,
  TEST_TOTP_SECRET,
  totpCode,
} from './support/accounts.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

type Json = Record<string, unknown>;

let t: TestApp;
let outbox: string;

beforeAll(async () => {
  outbox = await mkdtemp(join(tmpdir(), 'fixbazaar-outbox-'));
  t = await startTestApp({ env: { ...QUIET_ENV, NOTIFICATIONS_OUTBOX_DIR: outbox } });
});

afterAll(async () => {
  await t?.close();
  await rm(outbox, { recursive: true, force: true });
});

async function call(
  method: string,
  path: string,
  opts: { token?: string; body?: unknown } = {},
): Promise<{ status: number; body: Json; type: string | null }> {
  const res = await fetch(`${t.baseUrl}${path}`, {
    method,
    headers: {
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
    },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text ? (JSON.parse(text) as Json) : {},
    type: res.headers.get('content-type'),
  };
}

const sql = <T>(text: string, values: unknown[] = []): Promise<T[]> =>
  withClient(t.db.ownerUrl, async (c) => (await c.query(text, values)).rows as T[]);

const newPhone = () => `+9198${randomInt(10_000_000, 100_000_000)}`;

/** Ends the resend interval of the user's codes (as if a minute had passed). */
const ageCodes = (userId: string) =>
  sql(
    `UPDATE one_time_codes SET created_at = created_at - interval '2 minutes', expires_at = expires_at - interval '2 minutes' WHERE user_id = $1`,
    [userId],
  );

const wrongCodeOf = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

async function requestReset(identifier: string): Promise<string> {
  const res = await call('POST', '/auth/password-reset', { body: { identifier } });
  expect(res.status).toBe(202);
  const { lastCode } = await outboxFor(t, identifier);
  expect(lastCode).toMatch(/^\d{6}$/);
  return lastCode!;
}

describe('password reset by a one-time code', () => {
  it('sets the new password, ends every session, and stores the code only as a hash', async () => {
    const a = await createAccount(t, 'customer');
    const s1 = await login(t, a.email);
    const s2 = await login(t, a.email);
    const code = await requestReset(a.email);
    const [message] = (await outboxFor(t, a.email)).messages;
    expect(message).toMatchObject({ channel: 'email', purpose: 'password_reset' });
    // Logged with the recipient masked, never with the code outside development.
    const logged = t.logs.filter((l) => String(l.msg).includes('password_reset to'));
    expect(logged.at(-1)?.msg).toMatch(
      /^email password_reset to \w\*\*\*@test\.fixbazaar\.in written to the local outbox$/,
    );
    expect(t.logs.map((l) => String(l.msg)).join('\n')).not.toContain(` ${code}`);

    const [row] = await sql<{ code_hash: string; channel: string; ttl: number }>(
      `SELECT code_hash, channel, extract(epoch FROM expires_at - created_at)::int AS ttl FROM one_time_codes WHERE user_id = $1`,
      [a.userId],
    );
    expect(row).toEqual({
      code_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      channel: 'email',
      ttl: 600,
    });
    expect(row!.code_hash).not.toContain(code);

    // The signup password rule applies.
    const short = await call('POST', '/auth/password-reset/confirm', {
      body: { identifier: a.email, code, newPassword: 'short' },
    });
    expect(short.status).toBe(400);
    expect(short.body).toMatchObject({ code: 'request/validation-failed' });

    const done = await call('POST', '/auth/password-reset/confirm', {
      body: { identifier: a.email, code, newPassword: 'a-brand-new-password' },
    });
    expect(done).toMatchObject({ status: 200, body: { revoked: 2 } });
    for (const s of [s1, s2]) {
      expect((await call('GET', '/me', { token: s.accessToken })).body).toMatchObject({
        code: 'auth/session-ended',
      });
    }
    expect((await login(t, a.email)).status).toBe(401);
    expect((await login(t, a.email, 'a-brand-new-password')).status).toBe(200);

    // Single use.
    const again = await call('POST', '/auth/password-reset/confirm', {
      body: { identifier: a.email, code, newPassword: 'yet-another-password' },
    });
    expect(again.status).toBe(400);
    expect(again.type).toMatch(/^application\/problem\+json/);
    expect(again.body).toMatchObject({ code: 'auth/invalid-code', status: 400 });
  });

  it('answers the same whether or not the account exists, and sends nothing to an unknown one', async () => {
    const a = await createAccount(t, 'customer');
    const known = await call('POST', '/auth/password-reset', { body: { identifier: a.email } });
    const unknown = await call('POST', '/auth/password-reset', {
      body: { identifier: 'nobody-here@test.fixbazaar.in' },
    });
    const unknownPhone = await call('POST', '/auth/password-reset', {
      body: { identifier: '+919000000001' },
    });
    expect(known.status).toBe(202);
    expect(unknown).toEqual(known);
    expect(unknownPhone).toEqual(known);
    expect((await outboxFor(t, 'nobody-here@test.fixbazaar.in')).messages).toEqual([]);
    // Confirming for an unknown account fails exactly like a wrong code.
    const confirmUnknown = await call('POST', '/auth/password-reset/confirm', {
      body: {
        identifier: 'nobody-here@test.fixbazaar.in',
        code: '123456',
        newPassword: 'a-long-password-2',
      },
    });
    expect(confirmUnknown).toMatchObject({ status: 400, body: { code: 'auth/invalid-code' } });
    // A second request within a minute sends no second message (still the same answer).
    expect(await call('POST', '/auth/password-reset', { body: { identifier: a.email } })).toEqual(
      known,
    );
    expect((await outboxFor(t, a.email)).messages).toHaveLength(1);
  });

  it('refuses an expired code', async () => {
    const a = await createAccount(t, 'customer');
    const code = await requestReset(a.email);
    await sql(
      `UPDATE one_time_codes SET created_at = now() - interval '11 minutes', expires_at = now() - interval '1 minute' WHERE user_id = $1`,
      [a.userId],
    );
    const res = await call('POST', '/auth/password-reset/confirm', {
      body: { identifier: a.email, code, newPassword: 'a-brand-new-password' },
    });
    expect(res).toMatchObject({ status: 400, body: { code: 'auth/invalid-code' } });
    expect((await login(t, a.email)).status).toBe(200);
  });

  it('ends the code after five wrong attempts; a new request gives a new code', async () => {
    const a = await createAccount(t, 'customer');
    const code = await requestReset(a.email);
    for (let i = 0; i < 5; i++) {
      const wrong = await call('POST', '/auth/password-reset/confirm', {
        body: { identifier: a.email, code: wrongCodeOf(code), newPassword: 'a-brand-new-password' },
      });
      expect(wrong).toMatchObject({ status: 400, body: { code: 'auth/invalid-code' } });
    }
    const right = await call('POST', '/auth/password-reset/confirm', {
      body: { identifier: a.email, code, newPassword: 'a-brand-new-password' },
    });
    expect(right).toMatchObject({ status: 400, body: { code: 'auth/invalid-code' } });
    expect((await login(t, a.email)).status).toBe(200);

    await ageCodes(a.userId);
    const fresh = await requestReset(a.email);
    expect(
      (
        await call('POST', '/auth/password-reset/confirm', {
          body: { identifier: a.email, code: fresh, newPassword: 'a-brand-new-password' },
        })
      ).status,
    ).toBe(200);
  });

  it('texts the code to a phone, and audits a staff account reset', async () => {
    const phone = newPhone();
    await createAccount(t, 'customer', { phone });
    await requestReset(phone);
    expect((await outboxFor(t, phone)).messages.at(-1)).toMatchObject({ channel: 'sms' });

    const admin = await createAccount(t, 'admin');
    const code = await requestReset(admin.email);
    const res = await call('POST', '/auth/password-reset/confirm', {
      body: { identifier: admin.email, code, newPassword: 'a-brand-new-password' },
    });
    expect(res.status).toBe(200);
    const events = await sql<{ action: string; target_id: string }>(
      `SELECT action, target_id FROM audit_events WHERE action = 'account.password_reset'`,
    );
    expect(events).toEqual([{ action: 'account.password_reset', target_id: admin.userId }]);
  });
});

describe('phone verification by SMS', () => {
  it('texts a code at signup; checkout waits for the verified phone', async () => {
    const phone = newPhone();
    const signup = await call('POST', '/accounts/customers', {
      body: { displayName: 'Ravi', phone, password: 'a-long-password-1' },
    });
    expect(signup.status).toBe(201);
    expect(signup.body).toMatchObject({ phone, phoneVerifiedAt: null });
    const { messages, lastCode } = await outboxFor(t, phone);
    expect(messages).toEqual([
      expect.objectContaining({ channel: 'sms', purpose: 'phone_verification' }),
    ]);

    const s = await login(t, phone, 'a-long-password-1');
    expect(s.status).toBe(200);
    const blocked = await call('POST', '/checkout', { token: s.accessToken, body: {} });
    expect(blocked.status).toBe(403);
    expect(blocked.type).toMatch(/^application\/problem\+json/);
    expect(blocked.body).toMatchObject({ code: 'account/phone-unverified' });
    // The cart itself stays usable.
    expect((await call('GET', '/cart', { token: s.accessToken })).status).toBe(200);

    expect(await call('POST', '/me/phone/verification', { token: s.accessToken })).toMatchObject({
      status: 429,
      body: { code: 'account/code-recently-sent' },
    });

    const wrong = await call('POST', '/me/phone/verify', {
      token: s.accessToken,
      body: { code: wrongCodeOf(lastCode!) },
    });
    expect(wrong).toMatchObject({ status: 400, body: { code: 'auth/invalid-code' } });
    const ok = await call('POST', '/me/phone/verify', {
      token: s.accessToken,
      body: { code: lastCode },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.phoneVerifiedAt).toEqual(expect.any(String));

    const after = await call('POST', '/checkout', { token: s.accessToken, body: {} });
    expect(after.body.code).not.toBe('account/phone-unverified');
    expect(after.status).not.toBe(403);
    expect(await call('POST', '/me/phone/verification', { token: s.accessToken })).toMatchObject({
      status: 409,
      body: { code: 'account/phone-already-verified' },
    });
  });

  it('resends a code after a minute; the newest code replaces the older one', async () => {
    const phone = newPhone();
    const c = await createAccount(t, 'customer', { phone, phoneVerified: false });
    const s = await login(t, c.email);
    expect((await call('POST', '/me/phone/verification', { token: s.accessToken })).status).toBe(
      204,
    );
    const first = (await outboxFor(t, phone)).lastCode!;
    await ageCodes(c.userId);
    expect((await call('POST', '/me/phone/verification', { token: s.accessToken })).status).toBe(
      204,
    );
    const second = (await outboxFor(t, phone)).lastCode!;
    if (first !== second) {
      expect(
        (await call('POST', '/me/phone/verify', { token: s.accessToken, body: { code: first } }))
          .status,
      ).toBe(400);
    }
    expect(
      (await call('POST', '/me/phone/verify', { token: s.accessToken, body: { code: second } }))
        .status,
    ).toBe(200);
  });

  it('an account without a phone has nothing to verify', async () => {
    const s = await signInAs(t, 'customer');
    expect(await call('POST', '/me/phone/verification', { token: s.accessToken })).toMatchObject({
      status: 409,
      body: { code: 'account/no-phone' },
    });
  });
});

async function passwordStep(email: string, password = TEST_PASSWORD) {
  const res = await call('POST', '/auth/login', { body: { identifier: email, password } });
  expect(res.status).toBe(200);
  expect(res.body.accessToken).toBeUndefined();
  return res.body as { status: string; mfaToken: string; expiresIn: number };
}

describe('staff two-factor sign-in (TOTP)', () => {
  it('asks enrolled staff for a code; the challenge is no access token; a code works once', async () => {
    const f = await createAccount(t, 'finance');
    const challenge = await passwordStep(f.email);
    expect(challenge).toEqual({
      status: 'mfa_required',
      mfaToken: expect.any(String),
      expiresIn: 300,
    });
    expect((await call('GET', '/me', { token: challenge.mfaToken })).status).toBe(401);

    const code = totpCode(TEST_TOTP_SECRET);
    const wrong = await call('POST', '/auth/mfa/verify', {
      body: { mfaToken: challenge.mfaToken, code: wrongCodeOf(code) },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.type).toMatch(/^application\/problem\+json/);
    expect(wrong.body).toMatchObject({ code: 'auth/invalid-mfa-code' });

    const ok = await call('POST', '/auth/mfa/verify', {
      body: { mfaToken: challenge.mfaToken, code },
    });
    expect(ok.status).toBe(200);
    expect((await call('GET', '/me', { token: ok.body.accessToken as string })).body).toMatchObject(
      {
        id: f.userId,
        role: 'finance',
      },
    );
    // The challenge is spent; the same code is not accepted on a new one (replay).
    expect(
      (await call('POST', '/auth/mfa/verify', { body: { mfaToken: challenge.mfaToken, code } }))
        .body,
    ).toMatchObject({ code: 'auth/mfa-challenge-ended' });
    const next = await passwordStep(f.email);
    expect(
      (await call('POST', '/auth/mfa/verify', { body: { mfaToken: next.mfaToken, code } })).body,
    ).toMatchObject({ code: 'auth/invalid-mfa-code' });
  });

  it('ends a challenge after five wrong codes', async () => {
    const c = await createAccount(t, 'compliance');
    const { mfaToken } = await passwordStep(c.email);
    const wrong = wrongCodeOf(totpCode(TEST_TOTP_SECRET));
    for (let i = 0; i < 5; i++) {
      expect(
        (await call('POST', '/auth/mfa/verify', { body: { mfaToken, code: wrong } })).status,
      ).toBe(400);
    }
    const after = await call('POST', '/auth/mfa/verify', {
      body: { mfaToken, code: totpCode(TEST_TOTP_SECRET) },
    });
    expect(after).toMatchObject({ status: 401, body: { code: 'auth/mfa-challenge-ended' } });
  });

  it('makes new staff enrol before any session; recovery codes work once each', async () => {
    const admin = await signInAs(t, 'admin');
    const created = await call('POST', '/admin/staff', {
      token: admin.accessToken,
      body: {
        role: 'ops_leader',
        email: 'new-ops@staff.fixbazaar.in',
        displayName: 'New Ops',
        password: 'a-long-password-1',
      },
    });
    expect(created.status).toBe(201);
    const userId = created.body.id as string;

    const challenge = await passwordStep('new-ops@staff.fixbazaar.in', 'a-long-password-1');
    expect(challenge.status).toBe('mfa_enrolment_required');
    expect(
      await call('POST', '/auth/mfa/verify', {
        body: { mfaToken: challenge.mfaToken, code: '123456' },
      }),
    ).toMatchObject({ status: 409, body: { code: 'auth/mfa-not-enrolled' } });
    const sessions = () =>
      sql<{ n: number }>(`SELECT count(*)::int AS n FROM sessions WHERE user_id = $1`, [userId]);
    expect(await sessions()).toEqual([{ n: 0 }]);

    const enrolment = await call('POST', '/auth/mfa/enrolment', {
      body: { mfaToken: challenge.mfaToken },
    });
    expect(enrolment.status).toBe(200);
    const secret = enrolment.body.secret as string;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(enrolment.body.otpauthUri).toMatch(
      /^otpauth:\/\/totp\/FixBazaar:new-ops%40staff\.fixbazaar\.in\?issuer=FixBazaar&secret=[A-Z2-7]+&algorithm=SHA1&digits=6&period=30$/,
    );
    const [stored] = await sql<{ secret_ciphertext: string; confirmed_at: Date | null }>(
      `SELECT secret_ciphertext, confirmed_at FROM user_totp WHERE user_id = $1`,
      [userId],
    );
    expect(stored!.confirmed_at).toBeNull();
    expect(stored!.secret_ciphertext).not.toContain(secret);

    expect(
      (
        await call('POST', '/auth/mfa/enrolment/confirm', {
          body: { mfaToken: challenge.mfaToken, code: wrongCodeOf(totpCode(secret)) },
        })
      ).body,
    ).toMatchObject({ code: 'auth/invalid-mfa-code' });
    expect(await sessions()).toEqual([{ n: 0 }]);

    const confirmed = await call('POST', '/auth/mfa/enrolment/confirm', {
      body: { mfaToken: challenge.mfaToken, code: totpCode(secret) },
    });
    expect(confirmed.status).toBe(200);
    const recoveryCodes = confirmed.body.recoveryCodes as string[];
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    expect((await call('GET', '/me', { token: confirmed.body.accessToken as string })).status).toBe(
      200,
    );
    const hashes = await sql<{ code_hash: string }>(
      `SELECT code_hash FROM mfa_recovery_codes WHERE user_id = $1`,
      [userId],
    );
    expect(hashes).toHaveLength(10);
    for (const h of hashes) expect(recoveryCodes).not.toContain(h.code_hash);

    // A recovery code instead of the authenticator: once.
    const recovery = recoveryCodes[3]!;
    const first = await passwordStep('new-ops@staff.fixbazaar.in', 'a-long-password-1');
    expect(first.status).toBe('mfa_required');
    const used = await call('POST', '/auth/mfa/verify', {
      body: { mfaToken: first.mfaToken, recoveryCode: recovery.toLowerCase() },
    });
    expect(used.status).toBe(200);
    const second = await passwordStep('new-ops@staff.fixbazaar.in', 'a-long-password-1');
    expect(
      await call('POST', '/auth/mfa/verify', {
        body: { mfaToken: second.mfaToken, recoveryCode: recovery },
      }),
    ).toMatchObject({ status: 400, body: { code: 'auth/invalid-mfa-code' } });
    expect(
      (
        await call('POST', '/auth/mfa/verify', {
          body: { mfaToken: second.mfaToken, code: '1', recoveryCode: 'x' },
        })
      ).status,
    ).toBe(400);

    const actions = await sql<{ action: string; actor_id: string; after: Json }>(
      `SELECT action, actor_id, after FROM audit_events WHERE target_id = $1 AND action LIKE 'mfa.%' ORDER BY seq`,
      [userId],
    );
    expect(actions).toEqual([
      { action: 'mfa.enrol', actor_id: userId, after: { method: 'totp', recoveryCodes: 10 } },
      { action: 'mfa.recovery_code_used', actor_id: userId, after: { recoveryCodesLeft: 9 } },
    ]);
  });

  it("lets an ops leader reset another staff member's 2FA, audited with the reason; never their own", async () => {
    const ops = await signInAs(t, 'ops_leader');
    const admin = await signInAs(t, 'admin');
    const target = await createAccount(t, 'finance');
    const targetSession = await login(t, target.email);
    expect(targetSession.status).toBe(200);

    expect(
      await call('POST', `/admin/users/${target.userId}/mfa/reset`, {
        token: admin.accessToken,
        body: { reason: 'lost phone' },
      }),
    ).toMatchObject({ status: 403, body: { code: 'auth/forbidden' } });
    expect(
      await call('POST', `/admin/users/${ops.userId}/mfa/reset`, {
        token: ops.accessToken,
        body: { reason: 'my own' },
      }),
    ).toMatchObject({ status: 403, body: { code: 'mfa/self-reset' } });

    const reset = await call('POST', `/admin/users/${target.userId}/mfa/reset`, {
      token: ops.accessToken,
      body: { reason: 'lost phone and recovery codes, identity checked by video call' },
    });
    expect(reset).toMatchObject({ status: 200, body: { revoked: 1 } });
    expect((await call('GET', '/me', { token: targetSession.accessToken })).status).toBe(401);
    expect((await passwordStep(target.email)).status).toBe('mfa_enrolment_required');
    const [event] = await sql<Json>(
      `SELECT actor_id, actor_role, reason, before, after FROM audit_events WHERE action = 'mfa.reset' AND target_id = $1`,
      [target.userId],
    );
    expect(event).toEqual({
      actor_id: ops.userId,
      actor_role: 'ops_leader',
      reason: 'lost phone and recovery codes, identity checked by video call',
      before: { enrolled: true },
      after: { enrolled: false, sessionsRevoked: 1 },
    });
    expect(
      await call('POST', `/admin/users/${target.userId}/mfa/reset`, {
        token: ops.accessToken,
        body: { reason: 'again' },
      }),
    ).toMatchObject({ status: 409, body: { code: 'mfa/not-enrolled' } });
  });
});
