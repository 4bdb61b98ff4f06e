import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsString, Min, MinLength, ValidateNested, IsArray } from 'class-validator';
import { Public } from '../src/access/policy.decorator.js';
import { PageQueryDto } from '../src/common/pagination.js';
import { projectRoot } from '../src/common/project-root.js';
import { scrapeMetrics, TEST_METRICS_TOKEN } from './support/metrics.js';
import { withClient } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';

class ProbeItemDto {
  @IsString()
  @MinLength(3)
  sku!: string;

  @IsInt()
  @Min(1)
  quantity!: number;
}

class ProbeOrderDto {
  @IsString()
  note!: string;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ProbeItemDto)
  items!: ProbeItemDto[];
}

/** Routes that exercise the request pipeline (validation, errors, pagination); mounted only in this test. */
@ApiExcludeController()
@Public()
@Controller('probe')
class ProbeController {
  @Post('orders')
  create(@Body() body: ProbeOrderDto): { received: ProbeOrderDto } {
    return { received: body };
  }

  @Get('items')
  list(@Query() page: PageQueryDto): { limit: number } {
    return { limit: page.limit };
  }

  @Get('boom')
  boom(): never {
    throw new Error('relation "secret_table" does not exist at /srv/internal.ts:42');
  }
}

const problemHeaders = (res: Response): void => {
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
};

describe('foundation', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      controllers: [ProbeController],
      env: { METRICS_TOKEN: TEST_METRICS_TOKEN },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('health', () => {
    it('is live, with a request id on the response', async () => {
      const { data, response } = await t.api.GET('/health/live');
      expect(response.status).toBe(200);
      expect(data).toEqual({ status: 'ok' });
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('keeps a well-formed incoming request id and replaces a malformed one', async () => {
      const kept = await t.api.GET('/health/live', {
        headers: { 'x-request-id': 'client-abc-12345' },
      });
      expect(kept.response.headers.get('x-request-id')).toBe('client-abc-12345');
      const replaced = await t.api.GET('/health/live', {
        headers: { 'x-request-id': 'bad id with spaces' },
      });
      expect(replaced.response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('is ready when the database answers and migrations are current', async () => {
      const { data, response } = await t.api.GET('/health/ready');
      expect(response.status).toBe(200);
      expect(data).toEqual({
        status: 'ready',
        checks: { database: 'up', migrations: 'current', jobs: 'up' },
      });
    });

    it('is not ready (503 problem) on a database whose migrations have not run', async () => {
      const bare = await startTestApp({ database: 'empty' });
      try {
        const { error, response } = await bare.api.GET('/health/ready');
        expect(response.status).toBe(503);
        problemHeaders(response);
        expect(error).toMatchObject({
          code: 'health/not-ready',
          checks: { database: 'up', migrations: 'pending' },
        });
      } finally {
        await bare.close();
      }
    });
  });

  describe('problem+json', () => {
    it('answers an unknown route with 404 route/not-found', async () => {
      const res = await fetch(`${t.baseUrl}/nope`);
      expect(res.status).toBe(404);
      problemHeaders(res);
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toMatchObject({
        status: 404,
        code: 'route/not-found',
        type: '/problems/route/not-found',
        instance: '/nope',
      });
      expect(body.requestId).toBe(res.headers.get('x-request-id'));
    });

    it('lists every invalid field, nested ones by path', async () => {
      const res = await fetch(`${t.baseUrl}/probe/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          note: 5,
          items: [
            { sku: 'ok-sku', quantity: 2 },
            { sku: 'x', quantity: 0 },
          ],
        }),
      });
      expect(res.status).toBe(400);
      problemHeaders(res);
      const body = (await res.json()) as {
        code: string;
        errors: { field: string; in: string; messages: string[] }[];
      };
      expect(body.code).toBe('request/validation-failed');
      expect(body.errors.map((e) => e.field).sort()).toEqual([
        'items.1.quantity',
        'items.1.sku',
        'note',
      ]);
      expect(body.errors.every((e) => e.in === 'body' && e.messages.length > 0)).toBe(true);
    });

    it('rejects fields a DTO does not declare (no mass assignment)', async () => {
      const res = await fetch(`${t.baseUrl}/probe/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ note: 'n', items: [], role: 'admin', status: 'approved' }),
      });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { errors: { field: string }[] };
      expect(body.errors.map((e) => e.field).sort()).toEqual(['role', 'status']);
    });

    it('accepts a valid body', async () => {
      const order = { note: 'n', items: [{ sku: 'abc', quantity: 3 }] };
      const res = await fetch(`${t.baseUrl}/probe/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(order),
      });
      expect(res.status).toBe(201);
      expect(await res.json()).toEqual({ received: order });
    });

    it('answers malformed JSON with 400 request/malformed-json', async () => {
      const res = await fetch(`${t.baseUrl}/probe/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"note": ',
      });
      expect(res.status).toBe(400);
      problemHeaders(res);
      expect(await res.json()).toMatchObject({ code: 'request/malformed-json' });
    });

    it('refuses a body over 1 MB with 413', async () => {
      const res = await fetch(`${t.baseUrl}/probe/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ note: 'x'.repeat(1024 * 1024), items: [] }),
      });
      expect(res.status).toBe(413);
      problemHeaders(res);
      expect(await res.json()).toMatchObject({ code: 'request/body-too-large' });
    });

    it('refuses an unsupported content type with 415', async () => {
      const res = await fetch(`${t.baseUrl}/probe/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/xml' },
        body: '<order/>',
      });
      expect(res.status).toBe(415);
      expect(await res.json()).toMatchObject({ code: 'request/unsupported-media-type' });
    });

    it('turns an unexpected error into a 500 with a correlation id and no internals', async () => {
      const res = await fetch(`${t.baseUrl}/probe/boom`);
      expect(res.status).toBe(500);
      problemHeaders(res);
      const text = await res.text();
      expect(text).not.toMatch(/secret_table|internal\.ts|at |stack/);
      const body = JSON.parse(text) as Record<string, unknown>;
      expect(body).toMatchObject({ code: 'internal/unexpected', status: 500 });
      expect(body.requestId).toBe(res.headers.get('x-request-id'));
      const logged = t.logs.find(
        (l) => l.reqId === body.requestId && l.level === 50 && l.msg === 'unhandled error',
      );
      expect(JSON.stringify(logged)).toContain('secret_table');
    });
  });

  describe('pagination', () => {
    it('defaults to 20 and caps the page size at 100', async () => {
      const get = (q: string) => fetch(`${t.baseUrl}/probe/items${q}`);
      expect(await (await get('')).json()).toEqual({ limit: 20 });
      expect(await (await get('?limit=100')).json()).toEqual({ limit: 100 });
      const tooBig = await get('?limit=101');
      expect(tooBig.status).toBe(400);
      const body = (await tooBig.json()) as { errors: { field: string; in: string }[] };
      expect(body.errors).toEqual([expect.objectContaining({ field: 'limit', in: 'query' })]);
    });
  });

  describe('observability', () => {
    it('logs JSON lines carrying the request id and redacts secrets and personal data', async () => {
      const requestId = 'trace-redaction-0001';
      const res = await fetch(`${t.baseUrl}/probe/orders`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: 'Bearer sup3r-secret-token',
          'x-device-fingerprint': 'device-fp-raw',
          'x-request-id': requestId,
        },
        body: JSON.stringify({ note: 'n', items: [{ sku: 'x', quantity: 1 }] }),
      });
      expect(res.status).toBe(401); // the made-up token is refused; its request is logged all the same
      const lines = t.logs.filter(
        (l) => l.reqId === requestId || (l.req as { id?: string } | undefined)?.id === requestId,
      );
      expect(lines.length).toBeGreaterThan(0);
      const completion = lines.find((l) => l.res !== undefined) as {
        req: { headers: Record<string, string> };
        res: { statusCode: number };
      };
      expect(completion.res.statusCode).toBe(401);
      expect(completion.req.headers.authorization).toBe('[redacted]');
      expect(completion.req.headers['x-device-fingerprint']).toBe('[redacted]');
      expect(JSON.stringify(t.logs)).not.toMatch(/sup3r-secret-token|device-fp-raw/);
    });

    it('does not log liveness probes, but still gives them a request id', async () => {
      const { response } = await t.api.GET('/health/live', {
        headers: { 'x-request-id': 'probe-not-logged-01' },
      });
      expect(response.headers.get('x-request-id')).toBe('probe-not-logged-01');
      expect(JSON.stringify(t.logs)).not.toContain('probe-not-logged-01');
    });

    it('exposes Prometheus metrics to the METRICS_TOKEN bearer: latency per route, the DB pool, escrow', async () => {
      await t.api.GET('/health/ready');
      const res = await fetch(`${t.baseUrl}/metrics`, {
        headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await res.text();
      expect(text).toMatch(
        /http_request_duration_seconds_count\{method="GET",route="\/health\/ready",status_code="200"\} [1-9]/,
      );
      expect(text).toMatch(/db_pool_connections\{state="total"\} [1-9]/);
      expect(text).toMatch(/^escrow_held_paise \d+$/m);
      expect(text).toContain('# TYPE payment_alerts_open gauge');
      expect(text).toContain('process_cpu_seconds_total');
      expect(await scrapeMetrics(t)).toContain('escrow_held_paise');
    });

    it('refuses /metrics without the metrics token, with a wrong one, or with an account-style header (401)', async () => {
      const headers: Record<string, string>[] = [
        {},
        { authorization: `Bearer ${TEST_METRICS_TOKEN.slice(0, -1)}x` },
        { authorization: 'Bearer short' },
        { authorization: TEST_METRICS_TOKEN },
        { authorization: `Basic ${TEST_METRICS_TOKEN}` },
      ];
      for (const h of headers) {
        const res = await fetch(`${t.baseUrl}/metrics`, { headers: h });
        expect(res.status).toBe(401);
        problemHeaders(res);
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
        const body = await res.text();
        expect(JSON.parse(body)).toMatchObject({ code: 'metrics/unauthorized' });
        expect(body).not.toContain('escrow_held_paise');
      }
    });

    it('without METRICS_TOKEN (development, test) serves /metrics to loopback clients only', async () => {
      const open = await startTestApp({ env: { HTTP_TRUST_PROXY: 'true' } });
      try {
        const local = await fetch(`${open.baseUrl}/metrics`);
        expect(local.status).toBe(200);
        expect(await local.text()).toContain('escrow_held_paise');
        // Behind a trusted proxy on this host, the forwarded client is what counts.
        const remote = await fetch(`${open.baseUrl}/metrics`, {
          headers: { 'x-forwarded-for': '203.0.113.7' },
        });
        expect(remote.status).toBe(403);
        problemHeaders(remote);
        expect(await remote.json()).toMatchObject({ code: 'metrics/loopback-only' });
      } finally {
        await open.close();
      }
    });

    it('serves the contract at /openapi.json and interactive docs at /docs', async () => {
      type Spec = { paths: Record<string, unknown>; components: { securitySchemes?: unknown } };
      const spec = (await (await fetch(`${t.baseUrl}/openapi.json`)).json()) as Spec;
      const committed = JSON.parse(
        readFileSync(join(projectRoot(), 'openapi.json'), 'utf8'),
      ) as Spec;
      expect(Object.keys(spec.paths).sort()).toEqual(Object.keys(committed.paths).sort());
      // The scheme behind the docs' "Authorize" button.
      expect(spec.components.securitySchemes).toEqual({
        bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }) as unknown,
      });
      const docs = await fetch(`${t.baseUrl}/docs`);
      expect(docs.status).toBe(200);
      expect(await docs.text()).toContain('swagger');
    });
  });

  describe('database roles', () => {
    it('runs as a role that is not the schema owner and cannot create tables', async () => {
      const denied = await withClient(t.db.appUrl, (c) =>
        c.query('CREATE TABLE app_may_not_create (id int)').then(
          () => null,
          (e: { code?: string }) => e.code,
        ),
      );
      expect(denied).toBe('42501');
      const ownerCan = await withClient(t.db.ownerUrl, async (c) => {
        await c.query('CREATE TABLE owner_may_create (id int)');
        return (await c.query(`SELECT count(*)::int AS n FROM owner_may_create`)).rows[0] as {
          n: number;
        };
      });
      expect(ownerCan).toEqual({ n: 0 });
      // The app reads and writes what the owner creates (default privileges) ...
      await withClient(t.db.appUrl, (c) => c.query('INSERT INTO owner_may_create VALUES (1)'));
      // ... but cannot change its shape.
      const alter = await withClient(t.db.appUrl, (c) =>
        c.query('ALTER TABLE owner_may_create ADD COLUMN x int').then(
          () => null,
          (e: { code?: string }) => e.code,
        ),
      );
      expect(alter).toBe('42501');
    });

    it('has PostGIS', async () => {
      const row = await withClient(
        t.db.appUrl,
        async (c) =>
          (await c.query(`SELECT ST_AsText(ST_MakePoint(77.59, 12.97)) AS p`)).rows[0] as {
            p: string;
          },
      );
      expect(row.p).toBe('POINT(77.59 12.97)');
    });
  });
});
