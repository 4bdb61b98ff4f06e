import { randomInt, randomUUID } from 'node:crypto';
import type { AccountStatus, Role, TechnicianKind } from '../../src/access/roles.js';
import { gstinCheckChar } from '../../src/common/gstin.js';
import { gstStateCodeOf, type IndianState } from '../../src/common/indian-states.js';
import { PasswordHasher } from '../../src/identity/password-hasher.js';
import { RATE_LIMIT_CATEGORIES } from '../../src/rate-limit/rate-limit.policy.js';
import type { TestApp } from './test-app.js';
import { withClient } from './test-database.js';

export const TEST_PASSWORD = 'correct-horse-battery-staple';

/** Limits high enough (every role, every category) that a test's traffic from 127.0.0.1 is never throttled or blocked. */
const UNLIMITED = { perMinute: 100000, burst: 100000 };
const QUIET_ROLES = [
  'anonymous',
  'customer',
  'business',
  'dealer',
  'technician',
  'admin',
  'finance',
  'ops_leader',
  'compliance',
];
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
}

const hashes = new WeakMap<TestApp, Promise<string>>();

/**
 * Creates an account of any role directly in the test database (staff and approvals need no ceremony
 * here). Dealers and business buyers get a GSTIN of their own (a random PAN, so distinct), with the
 * pickup or billing address in its state.
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
                          technician_kind, skills, service_area, service_radius_km, billing_address)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,
               CASE WHEN $10::text IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint(77.59, 12.97), 4326)::geography END,
               CASE WHEN $10::text IS NULL THEN NULL ELSE 10 END, $12)
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
      ],
    );
    return rows[0]!.id;
  });
  return { userId, email, ...(gstin ? { gstin } : {}) };
}

/** Signs in through the API (`headers`: e.g. the client's `x-forwarded-for`). */
export async function login(
  t: TestApp,
  identifier: string,
  password = TEST_PASSWORD,
  headers: Record<string, string> = {},
): Promise<SignedIn & { status: number }> {
  const res = await fetch(`${t.baseUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ identifier, password }),
  });
  const body = (await res.json()) as {
    accessToken: string;
    refreshToken: string;
    sessionId: string;
  };
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
