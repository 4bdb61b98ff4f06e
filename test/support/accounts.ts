import { randomInt, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AccountStatus, Role, TechnicianKind } from '../../src/common/roles.js';
import { gstinCheckChar } from '../../src/common/gstin.js';
import { gstStateCodeOf, type IndianState } from '../../src/common/indian-states.js';
import { isStaff, ROLES } from '../../src/common/roles.js';
import { AccountSecrets } from '../../src/identity/account-secrets.js';
import { platformTotp } from '../../src/identity/mfa.service.js';
import { PasswordHasher } from '../../src/identity/password-hasher.js';
import { RATE_LIMIT_CATEGORIES } from '../../src/config/rate-limit-policy.js';
import type { TestApp } from './test-app.js';
import { withClient } from './test-database.js';

export const TEST_PASSWORD = 'correct-horse-battery-staple';

/** The TOTP secret of every staff account `createAccount` makes (enrolled directly in the database). */
export const TEST_TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

/** The current TOTP code of `secret` (base32), as an authenticator app shows it. */
export function totpCode(secret: string, timestamp = Date.now()): string {
  return platformTotp(secret).generate({ timestamp });
}

/** Limits high enough (every role, every category) that a test's traffic from 127.0.0.1 is never throttled or blocked. */
const UNLIMITED = { perMinute: 100000, burst: 100000 };
const QUIET_ROLES = ['anonymous', ...ROLES];
export const QUIET_ENV = {
  RATE_LIMIT_POLICY: JSON.stringify({
    ...Object.fromEntries(
      QUIET_ROLES.map((r) => [
        r,
        Object.fromEntries(RATE_LIMIT_CATEGORIES.map((c) => [c, UNLIMITED])),
      ]),
    ),
    perIp: UNLIMITED,
  }),
  ABUSE_PENALTY_THRESHOLD: '100000',
  ARGON2_MEMORY_KIB: '8192',
  ARGON2_TIME_COST: '1',
};

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const letters = (n: number) => Array.from({ length: n }, () => LETTERS[randomInt(26)]).join('');

/** A random PAN of holder type `holder` (4th character; P a person, C a company, F a firm, …). */
export function testPan(holder = 'P'): string {
  return `${letters(3)}${holder}${letters(1)}${String(randomInt(10000)).padStart(4, '0')}${letters(1)}`;
}

/** A valid GSTIN (check character computed) of `pan`, registered in `state`. */
export function testGstin(state: IndianState = 'Karnataka', pan = testPan()): string {
  const first14 = `${gstStateCodeOf(state)}${pan}1Z`;
  return first14 + gstinCheckChar(first14);
}

/** An address in `state` (a dealer's pickup address, a business buyer's billing address). */
export function testAddress(state: IndianState = 'Karnataka') {
  return state === 'Karnataka'
    ? { line1: '1 MG Road', city: 'Bengaluru', state, pincode: '560001' }
    : { line1: '1 Main Road', city: `${state} city`, state, pincode: '400001' };
}

export interface SignedIn {
  userId: string;
  /** Dealers and business buyers: their GSTIN. */
  gstin?: string;
  email: string;
  accessToken: string;
  refreshToken: string;
  sessionId: string;
  headers: { authorization: string };
}

export interface AccountOptions {
  status?: AccountStatus;
  technicianKind?: TechnicianKind;
  email?: string;
  /** Dealers and business buyers: the GSTIN's and the address's state (default Karnataka). */
  state?: IndianState;
  /** An E.164 phone number on the account, verified unless `phoneVerified: false`. */
  phone?: string;
  phoneVerified?: boolean;
  /**
   * Technicians: ready for jobs (brands on file and payee details submitted) unless `false` — the
   * brands are set, and the payee details noted as the payouts module would on a submission.
   */
  readyForJobs?: boolean;
}

/** The brands a test technician repairs (unless created not ready for jobs). */
export const TEST_BRANDS = ['Samsung', 'Xiaomi'];

const hashes = new WeakMap<TestApp, Promise<string>>();

/**
 * Creates an account of any role directly in the test database (staff and approvals need no ceremony
 * here). Dealers and business buyers get a GSTIN of their own (a random PAN, so distinct), with the
 * pickup or billing address in its state. Staff are enrolled in TOTP with TEST_TOTP_SECRET; a phone
 * (`opts.phone`) is verified unless told otherwise.
 */
export async function createAccount(
  t: TestApp,
  role: Role,
  opts: AccountOptions = {},
): Promise<{ userId: string; email: string; gstin?: string }> {
  if (!hashes.has(t)) hashes.set(t, t.app.get(PasswordHasher).hash(TEST_PASSWORD));
  const hash = await hashes.get(t)!;
  const email = opts.email ?? `${role}-${randomUUID().slice(0, 8)}@test.fixbazaar.in`;
  const status = opts.status ?? 'approved';
  const business = role === 'business' || role === 'dealer';
  const pan = testPan();
  const gstin = business ? testGstin(opts.state, pan) : undefined;
  const address = business ? JSON.stringify(testAddress(opts.state)) : null;
  const userId = await withClient(t.db.appUrl, async (c) => {
    const { rows } = await c.query<{ id: string }>(
      `INSERT INTO users (role, status, email, password_hash, display_name, business_name, gstin, pan, pickup_address,
                          technician_kind, skills, service_area, service_radius_km, billing_address, phone, phone_verified_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,
               CASE WHEN $10::text IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint(77.59, 12.97), 4326)::geography END,
               CASE WHEN $10::text IS NULL THEN NULL ELSE 10 END, $12, $13, CASE WHEN $14 THEN now() END)
       RETURNING id`,
      [
        role,
        status,
        email,
        hash,
        `Test ${role}`,
        business ? 'Test Traders' : null,
        gstin ?? null,
        role === 'dealer' ? pan : null,
        role === 'dealer' ? address : null,
        role === 'technician' ? (opts.technicianKind ?? 'hardware') : null,
        role === 'technician' ? ['screen replacement'] : [],
        role === 'business' ? address : null,
        opts.phone ?? null,
        opts.phone !== undefined && opts.phoneVerified !== false,
      ],
    );
    if (role === 'technician' && opts.readyForJobs !== false) {
      await c.query(`UPDATE users SET brands = $2 WHERE id = $1`, [rows[0]!.id, TEST_BRANDS]);
      await c.query(
        `INSERT INTO technician_presence (technician_id, payee_details_at) VALUES ($1, now())`,
        [rows[0]!.id],
      );
    }
    if (isStaff(role)) {
      await c.query(
        `INSERT INTO user_totp (user_id, secret_ciphertext, confirmed_at) VALUES ($1, $2, now())`,
        [rows[0]!.id, t.app.get(AccountSecrets).encrypt(TEST_TOTP_SECRET)],
      );
    }
    return rows[0]!.id;
  });
  return { userId, email, ...(gstin ? { gstin } : {}) };
}

async function post(
  t: TestApp,
  path: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${t.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/**
 * Staff's second step, as a staff member with an authenticator would: the secret is read from the
 * database (whoever enrolled it), or the account enrols now. A TOTP code is accepted once per 30-second
 * step and tests sign one staff member in many times a step, so the replay guard is cleared first —
 * in the test database only.
 */
async function secondFactor(
  t: TestApp,
  challenge: { status: string; mfaToken: string },
  headers: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const { mfaToken } = challenge;
  if (challenge.status === 'mfa_enrolment_required') {
    const started = await post(t, '/auth/mfa/enrolment', { mfaToken }, headers);
    if (started.status !== 200) return started;
    const code = totpCode(started.body.secret as string);
    return post(t, '/auth/mfa/enrolment/confirm', { mfaToken, code }, headers);
  }
  const userId = (
    JSON.parse(Buffer.from(mfaToken.split('.')[1]!, 'base64url').toString()) as {
      sub: string;
    }
  ).sub;
  const secret = await withClient(t.db.appUrl, async (c) => {
    const { rows } = await c.query<{ secret_ciphertext: string }>(
      `UPDATE user_totp SET last_used_step = NULL WHERE user_id = $1 RETURNING secret_ciphertext`,
      [userId],
    );
    return t.app.get(AccountSecrets).decrypt(rows[0]!.secret_ciphertext);
  });
  return post(t, '/auth/mfa/verify', { mfaToken, code: totpCode(secret) }, headers);
}

/**
 * Signs in through the API (`headers`: e.g. the client's `x-forwarded-for`); staff also pass the
 * second factor (see `secondFactor`).
 */
export async function login(
  t: TestApp,
  identifier: string,
  password = TEST_PASSWORD,
  headers: Record<string, string> = {},
): Promise<SignedIn & { status: number }> {
  let res = await post(t, '/auth/login', { identifier, password }, headers);
  if (res.status === 200 && typeof res.body.mfaToken === 'string')
    res = await secondFactor(t, res.body as { status: string; mfaToken: string }, headers);
  const body = res.body as { accessToken: string; refreshToken: string; sessionId: string };
  return {
    status: res.status,
    userId: '',
    email: identifier,
    accessToken: body.accessToken,
    refreshToken: body.refreshToken,
    sessionId: body.sessionId,
    headers: { authorization: `Bearer ${body.accessToken}` },
  };
}

/** An account of `role` (approved unless told otherwise), signed in through the API. */
export async function signInAs(
  t: TestApp,
  role: Role,
  opts: AccountOptions = {},
): Promise<SignedIn> {
  const { userId, email, gstin } = await createAccount(t, role, opts);
  const s = await login(t, email);
  if (s.status !== 200) throw new Error(`sign-in as ${role} failed with ${s.status}`);
  return { ...s, userId, ...(gstin ? { gstin } : {}) };
}

/**
 * The messages the local notification adapter wrote to `to` (an e-mail or phone), oldest first, and
 * the newest one's 6-digit code.
 */
export async function outboxFor(
  t: TestApp,
  to: string,
): Promise<{ messages: { channel: string; purpose: string; text: string }[]; lastCode?: string }> {
  const dir = t.config.notifications.outboxDir;
  const files = (await readdir(dir).catch(() => [] as string[])).sort();
  const messages = [];
  for (const f of files) {
    const m = JSON.parse(await readFile(join(dir, f), 'utf8')) as {
      to: string;
      channel: string;
      purpose: string;
      text: string;
    };
    if (m.to === to) messages.push(m);
  }
  return { messages, lastCode: /\b(\d{6})\b/.exec(messages.at(-1)?.text ?? '')?.[1] };
}
