/**
 * Razorpay webhook ingestion against real PostgreSQL and real pg-boss workers: the signature over the
 * exact raw bytes (current and previous secret), the inbox deduplicated by event id, processing once
 * through WebhookHandlers (test handlers registered here on a small state machine of the test's own
 * tables), deferral until a prerequisite arrives, retries then failure, the sweeper, no throttling of
 * bursts, and a fast-check property: any stream where each event arrives 1–5 times, shuffled, ends in
 * the state of the orderly stream with every event's effect applied exactly once.
 * Environment: WEBHOOK_PROPERTY_RUNS (default 30).
 */
import fc from 'fast-check';
import type { EntityManager } from 'typeorm';
import { transition } from '../src/common/state-transition.js';
import { execute } from '../src/database/sql.js';
import { TransactionRunner } from '../src/database/transaction.js';
import {
  INBOX_MACHINE,
  type InboxEvent,
  type InboxStatus,
} from '../src/gateway/webhooks/inbox-state.js';
import { webhookSignature } from '../src/gateway/webhooks/signature.js';
import type { RazorpayWebhookEvent } from '../src/gateway/webhooks/webhook-event.js';
import { WebhookHandlers, type WebhookOutcome } from '../src/gateway/webhooks/webhook-handlers.js';
import { WEBHOOK_JOBS, WebhookProcessor } from '../src/gateway/webhooks/webhook-jobs.js';
import { RazorpayGateway } from '../src/gateway/razorpay.gateway.js';
import { startRazorpaySandbox, type RazorpaySandbox } from '../scripts/razorpay-sandbox/sandbox.js';
import { SANDBOX_RAZORPAY } from '../src/config/app-config.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

const RUNS = Number(process.env.WEBHOOK_PROPERTY_RUNS ?? 30);
const CURRENT = 'current-webhook-secret';
const PREVIOUS = 'previous-webhook-secret';
/** How long the test handlers wait for a missing prerequisite. */
const DEFER_MS = 150;

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface InboxRow {
  event_id: string;
  event: string;
  status: string;
  outcome: string | null;
  attempts: number;
  failures: number;
  last_error: string | null;
  account_id: string | null;
}

let seq = 0;
function uid(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${(seq++).toString(36)}`;
}

/** A Razorpay-shaped event body, serialised as Razorpay does (compact JSON). */
function eventBody(event: string, payload: Record<string, unknown>): string {
  return JSON.stringify({
    entity: 'event',
    account_id: 'acc_TestAccount01',
    event,
    contains: Object.keys(payload),
    payload,
    created_at: 1764240000,
  });
}

describe('Razorpay webhooks (inbox, pg-boss processing)', () => {
  let t: TestApp;
  let handlers: WebhookHandlers;
  /** The app's gateway: the handlers that confirm with it (the terminal's) get quick answers. */
  let appSandbox: RazorpaySandbox;

  const sql = <R extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<R>(text, params)).rows);

  const inbox = (eventId: string) =>
    sql<InboxRow & Record<string, unknown>>(
      `SELECT event_id, event, status, outcome, attempts, failures, last_error, account_id
         FROM webhook_inbox WHERE event_id = $1`,
      [eventId],
    ).then((rows) => rows[0]);

  const inboxCount = () =>
    sql<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_inbox`).then((r) => r[0]!.n);

  /** Waits until the event reaches a final status (processed or failed). */
  const settled = (eventId: string, timeoutMs?: number) =>
    until(async () => {
      const row = await inbox(eventId);
      return row && (row.status === 'processed' || row.status === 'failed') ? row : undefined;
    }, timeoutMs);

  /** Delivers a body through the typed client, exactly as given (the serializer passes it through). */
  async function deliver(
    body: string,
    options: {
      eventId?: string;
      secret?: string;
      signature?: string | null;
      signedBody?: string;
    } = {},
  ) {
    const signature =
      options.signature === null
        ? undefined
        : (options.signature ??
          webhookSignature(options.signedBody ?? body, options.secret ?? CURRENT));
    const headers: Record<string, string> = {};
    if (signature !== undefined) headers['x-razorpay-signature'] = signature;
    if (options.eventId !== undefined) headers['x-razorpay-event-id'] = options.eventId;
    const res = await t.api.POST('/webhooks/razorpay', {
      params: { header: headers as { 'x-razorpay-signature': string } },
      body: {},
      bodySerializer: () => body,
    });
    return {
      status: res.response.status,
      contentType: res.response.headers.get('content-type'),
      data: res.data,
      error: res.error as { code?: string } | undefined,
    };
  }

  // ---- The test's own small domain: orders, payments (forward-only states), effects per event ----

  const effects = (eventId: string) =>
    sql<{ n: number }>(`SELECT count(*)::int AS n FROM t_effects WHERE event_id = $1`, [
      eventId,
    ]).then((r) => r[0]!.n);

  async function effect(tx: EntityManager, e: RazorpayWebhookEvent, kind: string) {
    await execute(tx, `INSERT INTO t_effects (event_id, kind) VALUES ($1, $2)`, [e.id, kind]);
  }

  const entity = (e: RazorpayWebhookEvent, name: string) =>
    (e.payload[name] as { entity: Record<string, string | number> }).entity;

  const later = (reason: string): WebhookOutcome => ({
    deferUntil: new Date(Date.now() + DEFER_MS),
    reason,
  });

  beforeAll(async () => {
    appSandbox = await startRazorpaySandbox({ ...SANDBOX_RAZORPAY, webhookSecret: CURRENT });
    t = await startTestApp({
      env: {
        RAZORPAY_API_URL: appSandbox.url,
        JOBS_WORKERS: 'true',
        LOG_LEVEL: 'error',
        RAZORPAY_WEBHOOK_SECRET: CURRENT,
        RAZORPAY_WEBHOOK_SECRET_PREVIOUS: PREVIOUS,
      },
    });
    const appRole = decodeURIComponent(new URL(t.db.appUrl).username);
    await sql(`
      CREATE TABLE t_orders (id text PRIMARY KEY);
      CREATE TABLE t_payments (
        id text PRIMARY KEY, order_id text NOT NULL, state text NOT NULL,
        balance bigint NOT NULL DEFAULT 0);
      CREATE TABLE t_effects (id serial PRIMARY KEY, event_id text NOT NULL, kind text NOT NULL);
      CREATE TABLE t_calls (event_id text NOT NULL);
      GRANT SELECT, INSERT, UPDATE, DELETE ON t_orders, t_payments, t_effects, t_calls TO "${appRole}";
      GRANT USAGE ON SEQUENCE t_effects_id_seq TO "${appRole}";`);

    handlers = t.app.get(WebhookHandlers);
    // order.created: the prerequisite of every payment event.
    handlers.register('test.order.created', async (tx, e) => {
      await execute(tx, `INSERT INTO t_orders (id) VALUES ($1) ON CONFLICT DO NOTHING`, [
        entity(e, 'order').id,
      ]);
      await effect(tx, e, 'order');
      return 'done';
    });
    // payment.authorized: created → authorized; never moves a later state back.
    handlers.register('test.payment.authorized', async (tx, e) => {
      const p = entity(e, 'payment');
      const order = await execute(tx, `SELECT 1 FROM t_orders WHERE id = $1`, [p.order_id]);
      if (order.rows.length === 0) return later('order not known yet');
      await execute(
        tx,
        `INSERT INTO t_payments (id, order_id, state) VALUES ($1, $2, 'authorized')
         ON CONFLICT (id) DO NOTHING`,
        [p.id, p.order_id],
      );
      await effect(tx, e, 'authorized');
      return 'done';
    });
    // payment.captured: (none | authorized) → captured, crediting the amount once.
    handlers.register('test.payment.captured', async (tx, e) => {
      const p = entity(e, 'payment');
      const order = await execute(tx, `SELECT 1 FROM t_orders WHERE id = $1`, [p.order_id]);
      if (order.rows.length === 0) return later('order not known yet');
      await execute(
        tx,
        `INSERT INTO t_payments AS t (id, order_id, state, balance) VALUES ($1, $2, 'captured', $3)
         ON CONFLICT (id) DO UPDATE SET state = 'captured', balance = t.balance + EXCLUDED.balance
          WHERE t.state = 'authorized'`,
        [p.id, p.order_id, p.amount],
      );
      await effect(tx, e, 'captured');
      return 'done';
    });
    // refund.processed: needs the capture; captured → refunded, debiting the amount once.
    handlers.register('test.refund.processed', async (tx, e) => {
      const r = entity(e, 'refund');
      const { rows } = await execute<{ state: string }>(
        tx,
        `SELECT state FROM t_payments WHERE id = $1 FOR UPDATE`,
        [r.payment_id],
      );
      if (rows[0]?.state !== 'captured' && rows[0]?.state !== 'refunded')
        return later('payment not captured yet');
      await execute(
        tx,
        `UPDATE t_payments SET state = 'refunded', balance = balance - $2
          WHERE id = $1 AND state = 'captured'`,
        [r.payment_id, r.amount],
      );
      await effect(tx, e, 'refunded');
      return 'done';
    });
  }, 60_000);
  afterAll(async () => {
    try {
      await t.close();
    } finally {
      await appSandbox.stop();
    }
  });

  it('stores a valid event once, processes it once, and acknowledges a redelivery as a duplicate', async () => {
    const calls: string[] = [];
    handlers.register('test.single', async (tx, e) => {
      calls.push(e.id);
      expect(e).toMatchObject({
        event: 'test.single',
        accountId: 'acc_TestAccount01',
        contains: ['thing'],
        payload: { thing: { entity: { id: 'x1' } } },
      });
      expect(e.createdAt?.toISOString()).toBe(new Date(1764240000 * 1000).toISOString());
      await effect(tx, e, 'single');
      return 'done';
    });
    const eventId = uid('evt_single');
    const body = eventBody('test.single', { thing: { entity: { id: 'x1' } } });
    const first = await deliver(body, { eventId });
    expect(first).toMatchObject({ status: 200, data: { status: 'accepted', eventId } });
    expect(await settled(eventId)).toMatchObject({
      status: 'processed',
      outcome: 'handled',
      attempts: 1,
      failures: 0,
      account_id: 'acc_TestAccount01',
    });
    const again = await deliver(body, { eventId });
    expect(again).toMatchObject({ status: 200, data: { status: 'duplicate', eventId } });
    await new Promise((r) => setTimeout(r, 1500)); // a worker would have picked up a second job
    expect(await effects(eventId)).toBe(1);
    expect(calls).toEqual([eventId]);
    expect((await inbox(eventId))?.attempts).toBe(1);
  });

  it('concurrent duplicate deliveries: one row, one accepted, one effect', async () => {
    const eventId = uid('evt_conc');
    const body = eventBody('test.order.created', { order: { entity: { id: uid('order_') } } });
    const results = await Promise.all(Array.from({ length: 6 }, () => deliver(body, { eventId })));
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(200));
    expect(results.filter((r) => r.data?.status === 'accepted')).toHaveLength(1);
    expect(results.filter((r) => r.data?.status === 'duplicate')).toHaveLength(5);
    await settled(eventId);
    expect(await effects(eventId)).toBe(1);
    expect(
      await sql<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_inbox WHERE event_id = $1`, [
        eventId,
      ]),
    ).toEqual([{ n: 1 }]);
  });

  it('accepts the previous secret during a rotation and refuses an unknown one', async () => {
    const prevId = uid('evt_prev');
    const body = eventBody('test.order.created', { order: { entity: { id: uid('order_') } } });
    expect(await deliver(body, { eventId: prevId, secret: PREVIOUS })).toMatchObject({
      status: 200,
      data: { status: 'accepted' },
    });
    await settled(prevId);
    expect(await effects(prevId)).toBe(1);

    const before = await inboxCount();
    const wrongId = uid('evt_wrong');
    const wrong = await deliver(body, { eventId: wrongId, secret: 'some-other-secret' });
    expect(wrong.status).toBe(400);
    expect(wrong.contentType).toContain('application/problem+json');
    expect(wrong.error?.code).toBe('webhook/invalid-signature');
    expect(await inbox(wrongId)).toBeUndefined();
    expect(await inboxCount()).toBe(before);
  });

  it('refuses a missing or bad signature, a re-serialised body and a malformed body: 400, nothing stored', async () => {
    const before = await inboxCount();
    const body = eventBody('test.order.created', { order: { entity: { id: uid('order_') } } });
    const good = webhookSignature(body, CURRENT);
    const cases: { name: string; result: Awaited<ReturnType<typeof deliver>>; code: string }[] = [
      {
        name: 'missing header',
        result: await deliver(body, { eventId: uid('evt_bad'), signature: null }),
        code: 'webhook/invalid-signature',
      },
      {
        name: 'not hex',
        result: await deliver(body, { eventId: uid('evt_bad'), signature: 'not-a-signature' }),
        code: 'webhook/invalid-signature',
      },
      {
        name: 'other bytes signed',
        result: await deliver(body, {
          eventId: uid('evt_bad'),
          signature: webhookSignature(`${body} `, CURRENT),
        }),
        code: 'webhook/invalid-signature',
      },
      {
        name: 're-serialised body (same JSON, other whitespace) with the original signature',
        result: await deliver(JSON.stringify(JSON.parse(body), null, 2), {
          eventId: uid('evt_bad'),
          signature: good,
        }),
        code: 'webhook/invalid-signature',
      },
      {
        name: 'signed, but not JSON',
        result: await deliver('{"entity":"event",', { eventId: uid('evt_bad') }),
        code: 'webhook/malformed',
      },
      {
        name: 'signed JSON that is not an event',
        result: await deliver('[1,2,3]', { eventId: uid('evt_bad') }),
        code: 'webhook/malformed',
      },
      {
        name: 'signed, empty body',
        result: await deliver('', { eventId: uid('evt_bad') }),
        code: 'webhook/malformed',
      },
      {
        name: 'an event id that is not one',
        result: await deliver(body, { eventId: 'evt with spaces' }),
        code: 'webhook/malformed',
      },
    ];
    for (const c of cases) {
      expect({ name: c.name, status: c.result.status, code: c.result.error?.code }).toEqual({
        name: c.name,
        status: 400,
        code: c.code,
      });
      expect(c.result.contentType).toContain('application/problem+json');
    }
    expect(await inboxCount()).toBe(before);
  });

  it('without X-Razorpay-Event-Id the event is deduplicated by the hash of its raw body', async () => {
    const body = eventBody('test.order.created', { order: { entity: { id: uid('order_') } } });
    const first = await deliver(body);
    expect(first.status).toBe(200);
    expect(first.data?.eventId).toMatch(/^body-sha256:[0-9a-f]{64}$/);
    expect((await deliver(body)).data).toEqual({
      status: 'duplicate',
      eventId: first.data?.eventId,
    });
    await settled(first.data!.eventId);
    expect(await effects(first.data!.eventId)).toBe(1);
  });

  it('stores an event without a handler and marks it processed (ignored), with its history row', async () => {
    const eventId = uid('evt_unknown');
    expect((await deliver(eventBody('payment.dispute.created', {}), { eventId })).status).toBe(200);
    expect(await settled(eventId)).toMatchObject({
      status: 'processed',
      outcome: 'ignored',
      attempts: 1,
      last_error: null,
    });
    expect(
      await sql(
        `SELECT event, from_status, to_status, attempt, reason FROM webhook_inbox_history
          WHERE event_id = $1`,
        [eventId],
      ),
    ).toEqual([
      {
        event: 'process',
        from_status: 'received',
        to_status: 'processed',
        attempt: 1,
        reason: 'ignored',
      },
    ]);
  });

  it('an event whose gateway check hangs does not hold up the events after it', async () => {
    let answer!: () => void;
    const gatewayAnswers = new Promise<void>((r) => (answer = r));
    let asked!: () => void;
    const gatewayAsked = new Promise<void>((r) => (asked = r));
    handlers.register(
      'test.slow.gateway',
      async (tx, e) => {
        await effect(tx, e, 'slow');
        return 'done';
      },
      {
        confirm: async () => {
          asked();
          await gatewayAnswers;
          return { confirmed: undefined };
        },
      },
    );
    const slowId = uid('evt_slow');
    expect((await deliver(eventBody('test.slow.gateway', {}), { eventId: slowId })).status).toBe(
      200,
    );
    await gatewayAsked;
    try {
      const quickIds = [uid('evt_quick'), uid('evt_quick'), uid('evt_quick')];
      for (const eventId of quickIds) {
        const delivered = await deliver(eventBody('payment.downtime.resolved', {}), { eventId });
        expect(delivered.status).toBe(200);
      }
      for (const eventId of quickIds)
        expect(await settled(eventId, 5000)).toMatchObject({ status: 'processed' });
      // Every quick event is done while the slow one still waits for its gateway answer.
      expect(await inbox(slowId)).toMatchObject({ status: 'received', attempts: 0 });
      expect(await effects(slowId)).toBe(0);
    } finally {
      answer();
    }
    expect(await settled(slowId)).toMatchObject({ status: 'processed', outcome: 'handled' });
    expect(await effects(slowId)).toBe(1);
  });

  it("payment link and QR code events, signed by the sandbox, are stored for the terminal's handlers; qr_code.created is ignored", async () => {
    const keys = { keyId: 'rzp_test_inboxlinks', keySecret: 'inbox-links-key-secret' };
    const sandbox = await startRazorpaySandbox({ ...keys, webhookSecret: CURRENT });
    try {
      const gateway = new RazorpayGateway({ ...keys, apiUrl: sandbox.url, webhookSecrets: [] });
      const inAnHour = Math.floor(Date.now() / 1000) + 3600;
      const link = (referenceId: string) =>
        gateway.createPaymentLink({
          amountPaise: 149900,
          referenceId,
          description: 'Screen replacement',
          customer: { contact: '+919812345678' },
          notify: { sms: false, email: false },
          expireBy: inAnHour,
          notes: { job: referenceId },
          callbackUrl: null,
        });
      const qr = (name: string) =>
        gateway.createQrCode({
          amountPaise: 89900,
          name,
          description: 'Battery replacement',
          closeBy: inAnHour,
          notes: { job: name },
        });
      const paid = await link(uid('J-'));
      sandbox.control.payPaymentLink(paid.id);
      await gateway.cancelPaymentLink((await link(uid('J-'))).id);
      sandbox.control.expirePaymentLink((await link(uid('J-'))).id);
      const credited = await qr(uid('J-'));
      sandbox.control.payQrCode(credited.id);
      await gateway.closeQrCode((await qr(uid('J-'))).id);
      const records = sandbox.control
        .webhooks()
        .filter((w) => /^(payment_link|qr_code)\./.test(w.event));
      expect(records.map((r) => r.event)).toEqual([
        'payment_link.paid',
        'payment_link.cancelled',
        'payment_link.expired',
        'qr_code.created',
        'qr_code.credited',
        'qr_code.created',
        'qr_code.closed',
      ]);
      // Verified over the raw bytes: a tampered copy is refused, the bodies as sent are stored.
      const [first] = records;
      const tampered = first!.body.replace('149900', '14990');
      expect(
        await deliver(tampered, { eventId: first!.eventId, signature: first!.signature }),
      ).toMatchObject({ status: 400, error: { code: 'webhook/invalid-signature' } });
      for (const r of records)
        expect(await deliver(r.body, { eventId: r.eventId, signature: r.signature })).toMatchObject(
          { status: 200, data: { status: 'accepted', eventId: r.eventId } },
        );
      for (const r of records.filter((x) => x.event === 'qr_code.created'))
        expect(await settled(r.eventId)).toMatchObject({ status: 'processed', outcome: 'ignored' });

      // Each is taken up by its handler (the technician's terminal,
      // test/repair-payment-terminal.e2e-spec.ts), which confirms it with the app's gateway: that
      // one never made these links and QR codes, so each is rejected, none ignored.
      for (const r of records.filter((x) => x.event !== 'qr_code.created'))
        expect(
          await until(async () => {
            const row = await inbox(r.eventId);
            return row?.status === 'rejected' ? row : undefined;
          }),
        ).toMatchObject({
          event: r.event,
          last_error: expect.stringMatching(/the gateway does not know/),
        });
    } finally {
      await sandbox.stop();
    }
  });

  it('an early event waits (deferred) for its prerequisite, then ends as in order', async () => {
    const orderId = uid('order_');
    const paymentId = uid('pay_');
    const captureId = uid('evt_cap');
    const capture = eventBody('test.payment.captured', {
      payment: { entity: { id: paymentId, order_id: orderId, amount: 5000 } },
    });
    expect((await deliver(capture, { eventId: captureId })).status).toBe(200);
    const waiting = await until(async () => {
      const row = await inbox(captureId);
      return row && row.status === 'deferred' && row.attempts >= 2 ? row : undefined;
    });
    expect(waiting.last_error).toBe('order not known yet');
    expect(waiting.failures).toBe(0);
    expect(await effects(captureId)).toBe(0);

    const orderEvent = uid('evt_order');
    await deliver(eventBody('test.order.created', { order: { entity: { id: orderId } } }), {
      eventId: orderEvent,
    });
    expect(await settled(captureId)).toMatchObject({
      status: 'processed',
      outcome: 'handled',
      last_error: null,
    });
    expect(await effects(captureId)).toBe(1);
    expect(await sql(`SELECT state, balance FROM t_payments WHERE id = $1`, [paymentId])).toEqual([
      { state: 'captured', balance: '5000' },
    ]);
  });

  it('a failing handler is retried with backoff, its writes rolled back, then failed with last_error', async () => {
    let calls = 0;
    handlers.register(
      'test.always.fails',
      async (tx, e) => {
        calls++;
        await effect(tx, e, 'should be rolled back');
        throw new Error(`gateway said no (${calls})`);
      },
      { maxFailures: 3, retryBaseMs: 100 },
    );
    const eventId = uid('evt_fail');
    expect((await deliver(eventBody('test.always.fails', {}), { eventId })).status).toBe(200);
    const row = await settled(eventId);
    expect(row).toMatchObject({ status: 'failed', attempts: 3, failures: 3, outcome: null });
    expect(row.last_error).toBe('Error: gateway said no (3)');
    expect(calls).toBe(3);
    expect(await effects(eventId)).toBe(0);
    // Every attempt moved the row through the inbox machine, one webhook_inbox_history row each.
    const history = (id: string) =>
      sql(
        `SELECT event, from_status, to_status, attempt, reason FROM webhook_inbox_history
         WHERE event_id = $1 ORDER BY id`,
        [id],
      );
    expect(await history(eventId)).toEqual([
      {
        event: 'defer',
        from_status: 'received',
        to_status: 'deferred',
        attempt: 1,
        reason: 'Error: gateway said no (1)',
      },
      {
        event: 'defer',
        from_status: 'deferred',
        to_status: 'deferred',
        attempt: 2,
        reason: 'Error: gateway said no (2)',
      },
      {
        event: 'fail',
        from_status: 'deferred',
        to_status: 'failed',
        attempt: 3,
        reason: 'Error: gateway said no (3)',
      },
    ]);
    // A failed row is final: the machine refuses to process it (409, the machine's code), writing nothing.
    const refused = t.app.get(TransactionRunner).run((tx) =>
      transition<InboxStatus, InboxEvent, 'processor'>(
        tx,
        INBOX_MACHINE,
        { from: 'failed', event: 'process', actor: 'processor', reasonRequiredStatus: 422 },
        {
          historyTable: 'webhook_inbox_history',
          update: () => Promise.reject(new Error('not reached')),
          insertHistory: () => Promise.reject(new Error('not reached')),
        },
      ),
    );
    await expect(refused).rejects.toMatchObject({
      status: 409,
      code: 'webhook-inbox/invalid-transition',
      from: 'failed',
      event: 'process',
    });
    expect(await history(eventId)).toHaveLength(3);

    // Fails twice, then succeeds: processed, the errors counted.
    let flaky = 0;
    handlers.register(
      'test.flaky',
      async (tx, e) => {
        if (++flaky <= 2) throw new Error('transient');
        await effect(tx, e, 'flaky');
        return 'done';
      },
      { maxFailures: 5, retryBaseMs: 100 },
    );
    const flakyId = uid('evt_flaky');
    await deliver(eventBody('test.flaky', {}), { eventId: flakyId });
    expect(await settled(flakyId)).toMatchObject({
      status: 'processed',
      attempts: 3,
      failures: 2,
      last_error: null,
    });
    expect(await effects(flakyId)).toBe(1);
    expect((await history(flakyId)).map((h) => [h.event, h.to_status, h.attempt])).toEqual([
      ['defer', 'deferred', 1],
      ['defer', 'deferred', 2],
      ['process', 'processed', 3],
    ]);
  });

  it('the sweeper wakes processing for an overdue row whose job was lost', async () => {
    const eventId = uid('evt_lost');
    const body = eventBody('payment.downtime.started', {});
    // No processing job left over from the tests before (its drain would take the row first).
    for (let i = 0; ; i += 1) {
      const [pending] = await sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND state IN ('created','retry','active')`,
        [WEBHOOK_JOBS.process],
      );
      if (pending!.n === 0) break;
      expect(i).toBeLessThan(100);
      await new Promise((r) => setTimeout(r, 100));
    }
    // Stored without a job (as if the job had been lost), due a minute ago.
    await sql(
      `INSERT INTO webhook_inbox (event_id, event, payload, body_sha256, process_after)
       VALUES ($1, 'payment.downtime.started', $2::jsonb, repeat('0', 64), now() - interval '1 minute')`,
      [eventId, body],
    );
    expect(await t.app.get(WebhookProcessor).sweep()).toBeGreaterThanOrEqual(1);
    expect(await settled(eventId)).toMatchObject({ status: 'processed', outcome: 'ignored' });
  });

  it('is not throttled: a burst of 150 deliveries from one address is all 200', async () => {
    const statuses: number[] = [];
    for (let batch = 0; batch < 5; batch++) {
      const results = await Promise.all(
        Array.from({ length: 30 }, () =>
          deliver(eventBody('payment.downtime.updated', {}), { eventId: uid('evt_burst') }),
        ),
      );
      statuses.push(...results.map((r) => r.status));
    }
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  });

  it(`any stream where each event arrives 1–5 times, shuffled, ends as the orderly stream, each effect once (${RUNS} runs)`, async () => {
    type Kind = 'order' | 'authorized' | 'captured' | 'refunded';
    const KINDS: Kind[] = ['order', 'authorized', 'captured', 'refunded'];
    const AMOUNT = 12_345;

    /** One payment's four events (and one nobody handles), with fresh ids. */
    function events() {
      const orderId = uid('order_');
      const paymentId = uid('pay_');
      const payment = { id: paymentId, order_id: orderId, amount: AMOUNT };
      const bodies: Record<Kind | 'ignored', string> = {
        order: eventBody('test.order.created', { order: { entity: { id: orderId } } }),
        authorized: eventBody('test.payment.authorized', { payment: { entity: payment } }),
        captured: eventBody('test.payment.captured', { payment: { entity: payment } }),
        refunded: eventBody('test.refund.processed', {
          refund: { entity: { id: uid('rfnd_'), payment_id: paymentId, amount: 2345 } },
        }),
        ignored: eventBody('payment.downtime.resolved', {}),
      };
      const ids = Object.fromEntries(
        [...KINDS, 'ignored'].map((k) => [k, uid(`evt_${k}_`)]),
      ) as Record<Kind | 'ignored', string>;
      return { paymentId, bodies, ids };
    }

    async function finalState(run: ReturnType<typeof events>) {
      const ids = Object.values(run.ids);
      await until(async () => {
        const rows = await sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM webhook_inbox
            WHERE event_id = ANY ($1) AND status IN ('processed','failed')`,
          [ids],
        );
        return rows[0]!.n === ids.length ? true : undefined;
      });
      const [payment] = await sql(`SELECT state, balance FROM t_payments WHERE id = $1`, [
        run.paymentId,
      ]);
      const perEvent = await sql<{ event_id: string; n: number }>(
        `SELECT i.event_id, count(e.id)::int AS n
           FROM webhook_inbox i LEFT JOIN t_effects e ON e.event_id = i.event_id
          WHERE i.event_id = ANY ($1) GROUP BY i.event_id`,
        [ids],
      );
      const statuses = await sql<{ status: string; outcome: string; n: number }>(
        `SELECT status, outcome, count(*)::int AS n FROM webhook_inbox
          WHERE event_id = ANY ($1) GROUP BY status, outcome ORDER BY status, outcome`,
        [ids],
      );
      const effectsOf = Object.fromEntries(perEvent.map((r) => [r.event_id, r.n]));
      return {
        payment,
        // Every handled event's effect exactly once; the ignored one has none.
        effects: Object.fromEntries(
          Object.entries(run.ids).map(([kind, id]) => [kind, effectsOf[id]]),
        ),
        statuses,
      };
    }

    // The reference: each event once, in order.
    const orderly = events();
    for (const kind of [...KINDS, 'ignored'] as const)
      expect(
        (await deliver(orderly.bodies[kind], { eventId: orderly.ids[kind] })).data?.status,
      ).toBe('accepted');
    const expected = await finalState(orderly);
    expect(expected).toEqual({
      payment: { state: 'refunded', balance: String(AMOUNT - 2345) },
      effects: { order: 1, authorized: 1, captured: 1, refunded: 1, ignored: 0 },
      statuses: [
        { status: 'processed', outcome: 'handled', n: 4 },
        { status: 'processed', outcome: 'ignored', n: 1 },
      ],
    });

    const kindsAndIgnored = [...KINDS, 'ignored'] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(...kindsAndIgnored.map(() => fc.integer({ min: 1, max: 5 }))) as fc.Arbitrary<
          number[]
        >,
        fc.infiniteStream(fc.nat()),
        fc.boolean(),
        async (copies, randomness, concurrent) => {
          const run = events();
          const deliveries = kindsAndIgnored.flatMap((kind, i) =>
            Array.from({ length: copies[i]! }, () => kind),
          );
          // Fisher–Yates with fast-check's numbers (so a failure replays and shrinks).
          const it = randomness[Symbol.iterator]();
          for (let i = deliveries.length - 1; i > 0; i--) {
            const j = it.next().value! % (i + 1);
            [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
          }
          const send = (kind: (typeof kindsAndIgnored)[number]) =>
            deliver(run.bodies[kind], { eventId: run.ids[kind] });
          const results = concurrent
            ? await Promise.all(deliveries.map(send))
            : await deliveries.reduce<Promise<Awaited<ReturnType<typeof send>>[]>>(
                async (acc, kind) => [...(await acc), await send(kind)],
                Promise.resolve([]),
              );
          expect(results.every((r) => r.status === 200)).toBe(true);
          expect(results.filter((r) => r.data?.status === 'accepted')).toHaveLength(
            kindsAndIgnored.length,
          );
          expect(await finalState(run)).toEqual(expected);
        },
      ),
      { numRuns: RUNS },
    );
  }, 600_000);
});
