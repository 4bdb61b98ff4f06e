import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../src/common/project-root.js';
import { MAX_JSON_DEPTH } from '../src/common/errors/json-depth.js';
import {
  QUIET_ENV,
  createAccount,
  signInAs,
  testGstin,
  testPan,
  type SignedIn,
} from './support/accounts.js';
import { startTestApp, type TestApp } from './support/test-app.js';

type Json = Record<string, unknown>;
interface Answer {
  status: number;
  body: Json;
  ms: number;
}

/** Every operation of the committed contract that takes a JSON body. */
function jsonBodyRoutes(): { method: string; path: string }[] {
  const doc = JSON.parse(readFileSync(join(projectRoot(), 'openapi.json'), 'utf8')) as {
    paths: Record<string, Record<string, { requestBody?: { content: Record<string, unknown> } }>>;
  };
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([, op]) => op.requestBody?.content['application/json'])
      .map(([method]) => ({
        method: method.toUpperCase(),
        path: path.replace(/\{[^}]+\}/g, () => randomUUID()),
      })),
  );
}

const nestedArrays = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
const nestedObjects = (levels: number) => '{"a":'.repeat(levels) + '{}' + '}'.repeat(levels);

describe('input hardening', () => {
  let t: TestApp;
  let admin: SignedIn;
  let dealer: SignedIn;

  /** `body` as a string is sent as it is; anything else as JSON. */
  const send = async (
    method: string,
    path: string,
    opts: { body?: unknown; who?: SignedIn } = {},
  ): Promise<Answer> => {
    const started = performance.now();
    const res = await fetch(`${t.baseUrl}${path}`, {
      method,
      headers: {
        ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(opts.who?.headers ?? {}),
      },
      body:
        opts.body === undefined || typeof opts.body === 'string'
          ? (opts.body as string | undefined)
          : JSON.stringify(opts.body),
    });
    const text = await res.text();
    return {
      status: res.status,
      body: text ? (JSON.parse(text) as Json) : {},
      ms: performance.now() - started,
    };
  };

  beforeAll(async () => {
    t = await startTestApp({ env: QUIET_ENV });
    [admin, dealer] = await Promise.all([signInAs(t, 'admin'), signInAs(t, 'dealer')]);
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('deeply nested JSON', () => {
    it('refuses 5,000-level arrays and objects on every JSON route, never a 5xx', async () => {
      const routes = jsonBodyRoutes();
      expect(routes.length).toBeGreaterThan(50);
      const unexpected: string[] = [];
      for (const { method, path } of routes) {
        for (const body of [nestedArrays(5000), nestedObjects(5000)]) {
          const res = await send(method, path, { body, who: admin });
          const answer = `${res.status} ${String(res.body.code)}`;
          // The webhook route keeps its raw bytes for the signature check and never parses an unsigned body.
          const ok =
            path === '/webhooks/razorpay' ? res.status < 500 : answer === '400 request/too-deep';
          if (!ok) unexpected.push(`${method} ${path}: ${answer}`);
        }
      }
      expect(unexpected).toEqual([]);
    });

    it(`parses ${MAX_JSON_DEPTH} levels, refuses one more, and does not count brackets inside strings`, async () => {
      // The object is level 1, so 31 arrays inside it reach the cap exactly.
      const atCap = `{"identifier":${nestedArrays(MAX_JSON_DEPTH - 1)},"password":"x"}`;
      const overCap = `{"identifier":${nestedArrays(MAX_JSON_DEPTH)},"password":"x"}`;
      const parsed = await send('POST', '/auth/login', { body: atCap });
      expect(parsed.status).toBe(400);
      expect(parsed.body).toMatchObject({ code: 'request/validation-failed' });
      expect(parsed.body.errors).toEqual([
        expect.objectContaining({ field: 'identifier', in: 'body' }),
      ]);
      const refused = await send('POST', '/auth/login', { body: overCap });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({
        code: 'request/too-deep',
        type: '/problems/request/too-deep',
        detail: `JSON arrays and objects may nest at most ${MAX_JSON_DEPTH} levels deep`,
      });
      // Brackets and escaped quotes inside a string are text, not nesting.
      const inString = await send('POST', '/auth/login', {
        body: { identifier: `"[{${'['.repeat(200)}\\"{{`, password: 'not-the-password' },
      });
      expect(inString.status).toBe(401);
      expect(inString.body.code).toBe('auth/invalid-credentials');
    });

    it('refuses 800 KB deep bodies unparsed while /health/live keeps answering', async () => {
      const deep = nestedArrays(400_000);
      expect(deep.length).toBe(800_000);
      const inFlight = [1, 2, 3].map(() => send('POST', '/auth/login', { body: deep }));
      const probes: Answer[] = [];
      let done = false;
      const all = Promise.all(inFlight).finally(() => (done = true));
      while (!done || probes.length < 3) probes.push(await send('GET', '/health/live'));
      const answers = await all;
      // `request/too-deep` comes only from the scan before parsing. Times are not asserted here
      // (a shared 2-core machine); the figures are in the hardening note.
      for (const a of answers) {
        expect(a.status).toBe(400);
        expect(a.body.code).toBe('request/too-deep');
      }
      for (const p of probes) expect(p.status).toBe(200);
    });
  });

  describe('control characters and lone surrogates', () => {
    const expectNamed = (
      res: Answer,
      field: string,
      where = 'body',
      what = /control character/,
    ) => {
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('request/validation-failed');
      expect(res.body.errors).toEqual([
        { field, in: where, messages: [expect.stringMatching(what)] },
      ]);
    };

    it('refuses NUL, other control characters and lone surrogates in any text field, naming it', async () => {
      expectNamed(
        await send('POST', '/auth/login', {
          body: { identifier: 'a\u0000@example.in', password: 'a-long-password-1' },
        }),
        'identifier',
        'body',
        /control character \(U\+0000\)/,
      );
      expectNamed(
        await send('POST', '/accounts/customers', {
          body: {
            displayName: 'Priya\u0001',
            email: 'priya-ctl@example.in',
            password: 'a-long-password-1',
          },
        }),
        'displayName',
        'body',
        /U\+0001/,
      );
      const pan = testPan('F');
      expectNamed(
        await send('POST', '/accounts/dealers', {
          body: {
            displayName: 'Sri Ganesh Mobiles',
            email: 'dealer-ctl@example.in',
            password: 'a-long-password-1',
            businessName: 'Sri Ganesh Mobile Spares',
            gstin: testGstin('Tamil Nadu', pan),
            pan,
            pickupAddress: {
              line1: '4 Ritchie\u0000 Street',
              city: 'Chennai',
              state: 'Tamil Nadu',
              pincode: '600002',
            },
          },
        }),
        'pickupAddress.line1',
      );
      const listing = {
        sku: `CTL-${randomUUID().slice(0, 8)}`,
        name: 'Redmi Note 10 Battery',
        category: 'battery',
        brand: 'Generic',
        compatibleModels: ['Redmi Note 10'],
        condition: 'new',
        hsnCode: '85076000',
        gstRateBps: 1800,
        mrpPaise: 100_000,
        b2cPricePaise: 90_000,
        b2bPricePaise: 80_000,
      };
      expectNamed(
        await send('POST', '/dealer/listings', {
          body: { ...listing, name: 'Battery \ud800' },
          who: dealer,
        }),
        'name',
        'body',
        /unpaired surrogate \(U\+D800\)/,
      );
      expectNamed(
        await send('POST', '/dealer/listings', {
          body: { ...listing, compatibleModels: ['Note 10', 'Note\u001f11'] },
          who: dealer,
        }),
        'compatibleModels.1',
      );
      // A key is named as JSON writes it.
      expectNamed(
        await send('POST', '/dealer/listings', {
          body: { ...listing, 'colour\u0000': 'black' },
          who: dealer,
        }),
        'colour\\u0000',
      );
      const customer = await createAccount(t, 'customer');
      expectNamed(
        await send('POST', `/admin/users/${customer.userId}/suspend`, {
          body: { reason: 'chargeback\u0000 abuse' },
          who: admin,
        }),
        'reason',
      );
      // Query and path parameters too.
      expectNamed(await send('GET', '/catalog/listings?q=bat%00tery'), 'q', 'query');
      expectNamed(
        await send('GET', `/catalog/listings/${randomUUID()}/images/img%01`),
        'imageId',
        'path',
      );
    });

    it('still accepts tab, newline and carriage return', async () => {
      const created = await send('POST', '/dealer/listings', {
        body: {
          sku: `TAB-${randomUUID().slice(0, 8)}`,
          name: 'Redmi Note 10 Battery',
          category: 'battery',
          brand: 'Generic',
          compatibleModels: ['Redmi Note 10'],
          condition: 'new',
          hsnCode: '85076000',
          gstRateBps: 1800,
          mrpPaise: 100_000,
          b2cPricePaise: 90_000,
          b2bPricePaise: 80_000,
          description: 'Original cell.\r\nCapacity:\t5000 mAh\n',
        },
        who: dealer,
      });
      expect(created.status).toBe(201);
      expect(created.body.description).toBe('Original cell.\r\nCapacity:\t5000 mAh\n');
      const customer = await createAccount(t, 'customer');
      const suspended = await send('POST', `/admin/users/${customer.userId}/suspend`, {
        body: { reason: 'chargebacks:\n\t3 in a week' },
        who: admin,
      });
      expect(suspended.status).toBe(200);
    });
  });
});
