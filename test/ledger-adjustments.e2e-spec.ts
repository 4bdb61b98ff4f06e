/**
 * Maker-checker manual adjustments through the HTTP API (typed client): one finance user proposes, a
 * different one approves (posting the entry) or rejects; the proposer may withdraw. Checked against
 * the database: the entry and its lines, the counters, the audit events, and that a refused command
 * leaves nothing behind.
 */
import { randomUUID } from 'node:crypto';
import { MAX_LINES_PER_ENTRY } from '../src/ledger/domain/journal.js';
import { LedgerService } from '../src/ledger/persistence/ledger.service.js';
import { QUIET_ENV, signInAs, type SignedIn } from './support/accounts.js';
import type { components } from './support/api-types.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

type ProposeBody = components['schemas']['ProposeAdjustmentDto'];
type Adjustment = components['schemas']['LedgerAdjustmentDto'];
type Line = ProposeBody['lines'][number];

const GOODWILL = 'expense:goodwill';
const PAYABLE_D1 = 'liability:dealer_payable:d1';
const PAYABLE_D2 = 'liability:dealer_payable:d2';
const RECEIVABLE = 'asset:gateway_receivable';
const CAPITAL = 'equity:capital';

const debit = (account: string, amountPaise: number): Line => ({
  account,
  side: 'debit',
  amountPaise,
});
const credit = (account: string, amountPaise: number): Line => ({
  account,
  side: 'credit',
  amountPaise,
});

describe('ledger adjustments (maker-checker)', () => {
  let t: TestApp;
  let ledger: LedgerService;
  let f1: SignedIn;
  let f2: SignedIn;
  let f3: SignedIn;
  let admin: SignedIn;
  let compliance: SignedIn;
  let opsLeader: SignedIn;
  let customer: SignedIn;

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);

  const propose = (who: SignedIn, body: ProposeBody) =>
    t.api.POST('/ledger/adjustments', { body, headers: who.headers });
  const approve = (who: SignedIn, adjustmentId: string, reason?: string) =>
    t.api.POST('/ledger/adjustments/{adjustmentId}/approve', {
      params: { path: { adjustmentId } },
      body: reason === undefined ? {} : { reason },
      headers: who.headers,
    });
  const reject = (who: SignedIn, adjustmentId: string, reason: string) =>
    t.api.POST('/ledger/adjustments/{adjustmentId}/reject', {
      params: { path: { adjustmentId } },
      body: { reason },
      headers: who.headers,
    });
  const getOne = (who: SignedIn, adjustmentId: string) =>
    t.api.GET('/ledger/adjustments/{adjustmentId}', {
      params: { path: { adjustmentId } },
      headers: who.headers,
    });

  /** A stored proposal (f1 by default), asserting it was accepted. */
  const proposed = async (lines: Line[], who: SignedIn = f1): Promise<Adjustment> => {
    const { data, response } = await propose(who, {
      reason: 'goodwill for a late payout',
      reference: `ticket:FIN-${randomUUID().slice(0, 8)}`,
      lines,
    });
    expect(response.status).toBe(201);
    return data!;
  };

  const entryCount = async (id: string) =>
    Number(
      (
        await sql<{ n: string }>(`SELECT count(*)::text AS n FROM ledger_entries WHERE id = $1`, [
          id,
        ])
      )[0]!.n,
    );
  const auditOf = (adjustmentId: string) =>
    sql<{
      action: string;
      actor_id: string;
      actor_role: string;
      reason: string | null;
      after: Record<string, unknown> | null;
    }>(
      `SELECT action, actor_id::text AS actor_id, actor_role, reason, after FROM audit_events
       WHERE target_type = 'ledger_adjustment' AND target_id = $1 ORDER BY seq`,
      [adjustmentId],
    );
  const counters = async (code: string) => {
    const a = await ledger.account(code);
    if (a === undefined) throw new Error(`account ${code} not opened`);
    return a;
  };

  beforeAll(async () => {
    t = await startTestApp({ env: { ...QUIET_ENV, DATABASE_POOL_MAX: '8' } });
    ledger = t.app.get(LedgerService);
    for (const code of [GOODWILL, PAYABLE_D1, PAYABLE_D2, RECEIVABLE, CAPITAL]) {
      expect((await ledger.execute({ type: 'open_account', code })).code).toBe('ok');
    }
    [f1, f2, f3, admin, compliance, opsLeader, customer] = await Promise.all([
      signInAs(t, 'finance'),
      signInAs(t, 'finance'),
      signInAs(t, 'finance'),
      signInAs(t, 'admin'),
      signInAs(t, 'compliance'),
      signInAs(t, 'ops_leader'),
      signInAs(t, 'customer'),
    ]);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('posts a proposal approved by a second finance user, moves the counters and audits both steps', async () => {
    const goodwillBefore = await counters(GOODWILL);
    const payableBefore = await counters(PAYABLE_D1);

    const { data: p, response } = await propose(f1, {
      reason: 'goodwill for a late payout',
      reference: 'ticket:FIN-1',
      lines: [debit(GOODWILL, 5000), credit(PAYABLE_D1, 5000)],
    });
    expect(response.status).toBe(201);
    expect(p).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      status: 'proposed',
      reason: 'goodwill for a late payout',
      reference: 'ticket:FIN-1',
      lines: [debit(GOODWILL, 5000), credit(PAYABLE_D1, 5000)],
      proposedBy: f1.userId,
      proposedAt: expect.any(String),
      decidedBy: null,
      decidedAt: null,
      decisionReason: null,
      entryId: null,
    });
    // Proposing posts nothing.
    expect(await entryCount(`adjustment:${p!.id}`)).toBe(0);
    expect((await counters(GOODWILL)).debitsPosted).toBe(goodwillBefore.debitsPosted);

    const { data: a, response: approved } = await approve(f2, p!.id, 'checked against payout');
    expect(approved.status).toBe(200);
    expect(a).toMatchObject({
      id: p!.id,
      status: 'approved',
      proposedBy: f1.userId,
      decidedBy: f2.userId,
      decisionReason: 'checked against payout',
      entryId: `adjustment:${p!.id}`,
    });
    expect(a!.decidedAt).not.toBeNull();

    const [entry] = await sql<{
      kind: string;
      event_type: string;
      reference: string;
      actor: string;
      metadata: Record<string, string>;
    }>(`SELECT kind, event_type, reference, actor, metadata FROM ledger_entries WHERE id = $1`, [
      `adjustment:${p!.id}`,
    ]);
    expect(entry).toEqual({
      kind: 'posted',
      event_type: 'manual_adjustment',
      reference: `adjustment:${p!.id}`,
      actor: f2.userId,
      metadata: {
        reason: 'goodwill for a late payout',
        maker: f1.userId,
        checker: f2.userId,
        adjustmentId: p!.id,
        reference: 'ticket:FIN-1',
      },
    });
    const lines = await sql(
      `SELECT a.code, l.side, l.amount::text AS amount FROM ledger_lines l
       JOIN ledger_accounts a ON a.id = l.account_id WHERE l.entry_id = $1 ORDER BY l.line_no`,
      [`adjustment:${p!.id}`],
    );
    expect(lines).toEqual([
      { code: GOODWILL, side: 'debit', amount: '5000' },
      { code: PAYABLE_D1, side: 'credit', amount: '5000' },
    ]);
    expect((await counters(GOODWILL)).debitsPosted - goodwillBefore.debitsPosted).toBe(5000n);
    expect((await counters(PAYABLE_D1)).creditsPosted - payableBefore.creditsPosted).toBe(5000n);

    const audit = await auditOf(p!.id);
    expect(audit.map((e) => [e.action, e.actor_id, e.actor_role, e.reason])).toEqual([
      ['ledger.adjustment.propose', f1.userId, 'finance', 'goodwill for a late payout'],
      ['ledger.adjustment.approve', f2.userId, 'finance', 'checked against payout'],
    ]);
    expect(audit[1]!.after).toEqual({ status: 'approved', entryId: `adjustment:${p!.id}` });

    // Readers see the decided proposal.
    const { data: seen } = await getOne(compliance, p!.id);
    expect(seen).toEqual(a);
  });

  it('refuses the proposer as approver (403, nothing posted) and lets the proposer withdraw', async () => {
    const p = await proposed([debit(GOODWILL, 700), credit(PAYABLE_D1, 700)]);
    const { error, response } = await approve(f1, p.id);
    expect(response.status).toBe(403);
    expect(error).toMatchObject({ code: 'ledger/maker-checker' });
    expect(await entryCount(`adjustment:${p.id}`)).toBe(0);
    expect((await getOne(f2, p.id)).data).toMatchObject({ status: 'proposed', entryId: null });

    const { data: withdrawn, response: r2 } = await reject(f1, p.id, 'withdrawn: wrong amount');
    expect(r2.status).toBe(200);
    expect(withdrawn).toMatchObject({
      status: 'rejected',
      decidedBy: f1.userId,
      decisionReason: 'withdrawn: wrong amount',
      entryId: null,
    });
    const late = await approve(f2, p.id);
    expect(late.response.status).toBe(409);
    expect(late.error).toMatchObject({
      code: 'ledger/adjustment-not-pending',
      adjustmentStatus: 'rejected',
    });
    expect(await entryCount(`adjustment:${p.id}`)).toBe(0);

    const audit = await auditOf(p.id);
    expect(audit.map((e) => [e.action, e.actor_id])).toEqual([
      ['ledger.adjustment.propose', f1.userId],
      ['ledger.adjustment.reject', f1.userId],
    ]);
    expect(audit[1]!.after).toEqual({ status: 'rejected', withdrawn: true });
  });

  it('refuses proposals the ledger could never post, with the precise code, and stores nothing', async () => {
    const countRows = async () =>
      (
        await sql<{ proposals: number; events: number }>(
          `SELECT (SELECT count(*)::int FROM ledger_adjustments) AS proposals,
                  (SELECT count(*)::int FROM audit_events
                   WHERE action = 'ledger.adjustment.propose') AS events`,
        )
      )[0]!;
    const before = await countRows();
    const body = (lines: unknown, extra: Record<string, unknown> = {}) =>
      ({
        reason: 'correcting a posting error',
        reference: 'ticket:FIN-2',
        lines,
        ...extra,
      }) as ProposeBody;

    const ledgerCases: [string, unknown, string, number][] = [
      ['unbalanced', [debit(GOODWILL, 5000), credit(PAYABLE_D1, 4000)], 'ledger/unbalanced', 422],
      [
        'unknown account',
        [debit(GOODWILL, 5000), credit('liability:dealer_payable:nobody', 5000)],
        'ledger/account-not-found',
        422,
      ],
      [
        'same account both sides',
        [debit(GOODWILL, 5000), credit(GOODWILL, 2000), credit(PAYABLE_D1, 3000)],
        'ledger/same-account-both-sides',
        422,
      ],
      [
        'invalid account code',
        [debit('petty-cash', 5000), credit(PAYABLE_D1, 5000)],
        'ledger/invalid-account-code',
        422,
      ],
      ['one line', [debit(GOODWILL, 5000)], 'ledger/too-few-lines', 422],
      [
        'zero amount',
        [debit(GOODWILL, 0), credit(PAYABLE_D1, 0)],
        'ledger/amount-must-be-positive',
        422,
      ],
      [
        'negative amount',
        [debit(GOODWILL, -5000), credit(PAYABLE_D1, -5000)],
        'ledger/amount-must-be-positive',
        422,
      ],
    ];
    for (const [name, lines, code, status] of ledgerCases) {
      const { error, response } = await propose(f1, body(lines));
      expect([name, response.status, error?.code]).toEqual([name, status, code]);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
    const missing = await propose(
      f1,
      body([debit(GOODWILL, 5000), credit('liability:dealer_payable:nobody', 5000)]),
    );
    expect(missing.error).toMatchObject({
      resultCode: 'account_not_found',
      accounts: ['liability:dealer_payable:nobody'],
    });

    // Shape errors: 400 naming the field.
    const manyLines = Array.from({ length: MAX_LINES_PER_ENTRY + 1 }, (_, i) =>
      i % 2 === 0 ? debit(GOODWILL, 1) : credit(`liability:dealer_payable:x${i}`, 1),
    );
    const shapeCases: [string, ProposeBody, string][] = [
      [
        'fractional paise',
        body([debit(GOODWILL, 50.5), credit(PAYABLE_D1, 50.5)]),
        'lines.0.amountPaise',
      ],
      [
        'amount as a string',
        body([{ account: GOODWILL, side: 'debit', amountPaise: '5000' }, credit(PAYABLE_D1, 5000)]),
        'lines.0.amountPaise',
      ],
      [
        'amount beyond exact JSON integers (and MAX_PAISE)',
        body([debit(GOODWILL, 2 ** 63), credit(PAYABLE_D1, 2 ** 63)]),
        'lines.0.amountPaise',
      ],
      [
        'unknown side',
        body([{ account: GOODWILL, side: 'left', amountPaise: 5 }, credit(PAYABLE_D1, 5)]),
        'lines.0.side',
      ],
      ['too many lines', body(manyLines), 'lines'],
      [
        'reason too short',
        { ...body([debit(GOODWILL, 5), credit(PAYABLE_D1, 5)]), reason: 'oops' },
        'reason',
      ],
      [
        'blank reason',
        { ...body([debit(GOODWILL, 5), credit(PAYABLE_D1, 5)]), reason: ' '.repeat(12) },
        'reason',
      ],
      [
        'mass assignment of the status',
        body([debit(GOODWILL, 5), credit(PAYABLE_D1, 5)], { status: 'approved' }),
        'status',
      ],
    ];
    for (const [name, b, field] of shapeCases) {
      const { error, response } = await propose(f1, b);
      expect([name, response.status, error?.code]).toEqual([
        name,
        400,
        'request/validation-failed',
      ]);
      expect((error as { errors: { field: string }[] }).errors.map((e) => e.field)).toContain(
        field,
      );
    }
    expect(await countRows()).toEqual(before);
  });

  it('approves once: a second approval gets 409 with the entry id, and one entry exists', async () => {
    const p = await proposed([debit(CAPITAL, 100), credit(PAYABLE_D1, 100)]);
    expect((await approve(f2, p.id)).response.status).toBe(200);
    for (const who of [f2, f3]) {
      const again = await approve(who, p.id);
      expect(again.response.status).toBe(409);
      expect(again.error).toMatchObject({
        code: 'ledger/adjustment-not-pending',
        adjustmentStatus: 'approved',
        entryId: `adjustment:${p.id}`,
      });
    }
    const again = await reject(f3, p.id, 'too late to reject');
    expect(again.response.status).toBe(409);
    expect(await entryCount(`adjustment:${p.id}`)).toBe(1);
    expect((await auditOf(p.id)).map((e) => e.action)).toEqual([
      'ledger.adjustment.propose',
      'ledger.adjustment.approve',
    ]);
  });

  it('posts exactly one entry when two finance users approve the same proposal at once', async () => {
    const capitalBefore = await counters(CAPITAL);
    const rounds = 4;
    for (let i = 0; i < rounds; i++) {
      const p = await proposed([debit(CAPITAL, 1000), credit(PAYABLE_D1, 1000)]);
      const results = await Promise.all([approve(f2, p.id), approve(f3, p.id)]);
      expect(results.map((r) => r.response.status).sort()).toEqual([200, 409]);
      const winner = results.find((r) => r.response.status === 200)!.data!;
      const loser = results.find((r) => r.response.status === 409)!.error;
      expect(loser).toMatchObject({
        code: 'ledger/adjustment-not-pending',
        entryId: `adjustment:${p.id}`,
      });
      expect(await entryCount(`adjustment:${p.id}`)).toBe(1);
      const audit = await auditOf(p.id);
      expect(audit.map((e) => [e.action, e.actor_id])).toEqual([
        ['ledger.adjustment.propose', f1.userId],
        ['ledger.adjustment.approve', winner.decidedBy],
      ]);
    }
    expect((await counters(CAPITAL)).debitsPosted - capitalBefore.debitsPosted).toBe(
      BigInt(rounds * 1000),
    );
  });

  it('refuses approving a rejected proposal', async () => {
    const p = await proposed([debit(GOODWILL, 300), credit(PAYABLE_D1, 300)]);
    const { data, response } = await reject(f2, p.id, 'not supported by the ticket');
    expect(response.status).toBe(200);
    expect(data).toMatchObject({ status: 'rejected', decidedBy: f2.userId, entryId: null });
    const late = await approve(f3, p.id);
    expect(late.response.status).toBe(409);
    expect(late.error).toMatchObject({
      code: 'ledger/adjustment-not-pending',
      adjustmentStatus: 'rejected',
    });
    expect(late.error).not.toHaveProperty('entryId');
    expect(await entryCount(`adjustment:${p.id}`)).toBe(0);
    const audit = await auditOf(p.id);
    expect(audit.map((e) => [e.action, e.actor_id])).toEqual([
      ['ledger.adjustment.propose', f1.userId],
      ['ledger.adjustment.reject', f2.userId],
    ]);
    expect(audit[1]!.after).toEqual({ status: 'rejected', withdrawn: false });
  });

  it('refuses an approval that would take a floored account below zero, leaving it proposed', async () => {
    // The dealer payable d2 has no credits: debiting it breaks its floor.
    const p = await proposed([debit(PAYABLE_D2, 10_000), credit(GOODWILL, 10_000)]);
    const { error, response } = await approve(f2, p.id);
    expect(response.status).toBe(409);
    expect(error).toMatchObject({
      code: 'ledger/exceeds-credits',
      resultCode: 'exceeds_credits',
      adjustmentId: p.id,
    });
    expect((await getOne(f1, p.id)).data).toMatchObject({
      status: 'proposed',
      decidedBy: null,
      entryId: null,
    });
    expect(await entryCount(`adjustment:${p.id}`)).toBe(0);
    expect((await counters(PAYABLE_D2)).debitsPosted).toBe(0n);
    expect((await auditOf(p.id)).map((e) => e.action)).toEqual(['ledger.adjustment.propose']);

    // Once the payable holds enough, the same proposal goes through.
    const funded = await ledger.execute({
      type: 'post',
      key: `test:fund-d2`,
      lines: [
        { account: RECEIVABLE, side: 'debit', amountPaise: 10_000n },
        { account: PAYABLE_D2, side: 'credit', amountPaise: 10_000n },
      ],
      meta: { eventType: 'test_funding', reference: 'test', actor: 'test' },
    });
    expect(funded.code).toBe('ok');
    expect((await approve(f2, p.id)).response.status).toBe(200);
    const d2 = await counters(PAYABLE_D2);
    expect([d2.debitsPosted, d2.creditsPosted]).toEqual([10_000n, 10_000n]);
  });

  it('lets other staff read but not propose or decide; customers and anonymous get nothing', async () => {
    const p = await proposed([debit(GOODWILL, 50), credit(PAYABLE_D1, 50)]);
    const lines = [debit(GOODWILL, 50), credit(PAYABLE_D1, 50)];
    for (const who of [admin, compliance, opsLeader]) {
      const created = await propose(who, { reason: 'not my job to do', reference: 'x', lines });
      expect(created.response.status).toBe(403);
      expect((await approve(who, p.id)).response.status).toBe(403);
      expect((await reject(who, p.id, 'not my job')).response.status).toBe(403);
      const one = await getOne(who, p.id);
      expect(one.response.status).toBe(200);
      expect(one.data!.id).toBe(p.id);
      const list = await t.api.GET('/ledger/adjustments', { headers: who.headers });
      expect(list.response.status).toBe(200);
    }
    const customerCalls = [
      propose(customer, { reason: 'give me money please', reference: 'x', lines }),
      approve(customer, p.id),
      reject(customer, p.id, 'nope'),
      getOne(customer, p.id),
      t.api.GET('/ledger/adjustments', { headers: customer.headers }),
    ];
    for (const { response } of await Promise.all(customerCalls)) expect(response.status).toBe(403);
    const anonymous = await t.api.GET('/ledger/adjustments/{adjustmentId}', {
      params: { path: { adjustmentId: p.id } },
    });
    expect(anonymous.response.status).toBe(401);
    // Still undecided, nothing posted.
    expect((await getOne(f2, p.id)).data!.status).toBe('proposed');
    expect(await entryCount(`adjustment:${p.id}`)).toBe(0);
  });

  it('lists proposals by status with cursor pagination; unknown or malformed ids and cursors are refused', async () => {
    await proposed([debit(GOODWILL, 11), credit(PAYABLE_D1, 11)]);
    await proposed([debit(GOODWILL, 12), credit(PAYABLE_D1, 12)], f2);
    const expected = await sql<{ id: string }>(
      `SELECT id::text AS id FROM ledger_adjustments WHERE status = 'proposed'
       ORDER BY proposed_at, id`,
    );
    expect(expected.length).toBeGreaterThanOrEqual(3);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 50; pages++) {
      const { data, response } = await t.api.GET('/ledger/adjustments', {
        params: { query: { status: 'proposed', limit: 2, ...(cursor ? { cursor } : {}) } },
        headers: admin.headers,
      });
      expect(response.status).toBe(200);
      expect(data!.items.length).toBeLessThanOrEqual(2);
      for (const item of data!.items) {
        expect(item.status).toBe('proposed');
        seen.push(item.id);
      }
      cursor = data!.nextCursor;
      if (cursor === undefined) break;
    }
    expect(seen).toEqual(expected.map((r) => r.id));

    const approvedOnly = await t.api.GET('/ledger/adjustments', {
      params: { query: { status: 'approved', limit: 100 } },
      headers: f1.headers,
    });
    const approvedIds = await sql<{ id: string }>(
      `SELECT id::text AS id FROM ledger_adjustments WHERE status = 'approved' ORDER BY proposed_at, id`,
    );
    expect(approvedOnly.data!.items.map((i) => i.id)).toEqual(approvedIds.map((r) => r.id));
    expect(approvedOnly.data!.items.every((i) => i.entryId === `adjustment:${i.id}`)).toBe(true);

    const badCursor = await t.api.GET('/ledger/adjustments', {
      params: { query: { cursor: 'bm90IGEgY3Vyc29y' } },
      headers: f1.headers,
    });
    expect(badCursor.response.status).toBe(400);
    expect(badCursor.error).toMatchObject({ code: 'request/invalid-cursor' });

    const unknown = randomUUID();
    for (const res of [
      await getOne(f1, unknown),
      await approve(f2, unknown),
      await reject(f2, unknown, 'no such thing'),
    ]) {
      expect(res.response.status).toBe(404);
      expect(res.error).toMatchObject({ code: 'ledger/adjustment-not-found' });
    }
    const malformed = await getOne(f1, 'not-a-uuid');
    expect(malformed.response.status).toBe(400);
    expect(malformed.error).toMatchObject({ code: 'request/validation-failed' });
  });
});
