/**
 * The generic maker-checker (src/approvals) on real PostgreSQL, through the ledger adjustments'
 * routes (one of its kinds): a proposal, the maker's own approval refused, approval by another
 * person (once: a second one is refused), rejection with a reason and withdrawal by the maker —
 * each step a row in the object's own history table (written by transition()) and an event in the
 * hash-chained audit log, and the refusals leaving neither. The history table is append-only; the
 * books stay balanced; the migration's back-fill of rows that existed before it writes the same
 * history as the code.
 */
import { randomUUID } from 'node:crypto';
import { ProposalHistory1764460000000 } from '../migrations/1764460000000-ProposalHistory.js';
import { AuditQueryService } from '../src/audit/audit-query.service.js';
import { LedgerIntegrityService } from '../src/ledger/integrity/ledger-integrity.service.js';
import { LedgerService } from '../src/ledger/persistence/ledger.service.js';
import { QUIET_ENV, signInAs, type SignedIn } from './support/accounts.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { rowsAfterRemigrating, withClient } from './support/test-database.js';

const GOODWILL = 'expense:goodwill';
const PAYABLE = 'liability:dealer_payable:approvals-d1';

interface HistoryRow extends Record<string, unknown> {
  event: string;
  from_status: string | null;
  to_status: string;
  actor: string;
  actor_id: string;
  reason: string | null;
}

describe('maker-checker proposals (src/approvals)', () => {
  let t: TestApp;
  let maker: SignedIn;
  let checker: SignedIn;
  let other: SignedIn;

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(t.db.ownerUrl, async (c) => (await c.query<T>(text, params)).rows);

  const propose = async (amountPaise: number) => {
    const { data, response } = await t.api.POST('/ledger/adjustments', {
      body: {
        reason: 'goodwill credit for a delayed payout',
        reference: `ticket:FIN-${randomUUID().slice(0, 8)}`,
        lines: [
          { account: GOODWILL, side: 'debit', amountPaise },
          { account: PAYABLE, side: 'credit', amountPaise },
        ],
      },
      headers: maker.headers,
    });
    expect(response.status).toBe(201);
    return data!.id;
  };
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
  const history = (id: string) =>
    sql<HistoryRow>(
      `SELECT event, from_status, to_status, actor, actor_id::text AS actor_id, reason
       FROM ledger_adjustment_history WHERE adjustment_id = $1 ORDER BY id`,
      [id],
    );
  const audit = (id: string) =>
    sql<{ action: string; actor_id: string; reason: string | null; override: boolean }>(
      `SELECT action, actor_id::text AS actor_id, reason, override FROM audit_events
       WHERE target_type = 'ledger_adjustment' AND target_id = $1 ORDER BY seq`,
      [id],
    );
  const expectBooksBalanced = async () => {
    const [totals] = await sql<{ dr: string; cr: string }>(
      `SELECT sum(amount) FILTER (WHERE side = 'debit')::text AS dr,
              sum(amount) FILTER (WHERE side = 'credit')::text AS cr FROM ledger_lines`,
    );
    expect(totals!.dr).toBe(totals!.cr);
    expect((await t.app.get(LedgerIntegrityService).verify()).ok).toBe(true);
  };

  beforeAll(async () => {
    t = await startTestApp({ env: QUIET_ENV });
    const ledger = t.app.get(LedgerService);
    for (const code of [GOODWILL, PAYABLE])
      expect((await ledger.execute({ type: 'open_account', code })).code).toBe('ok');
    [maker, checker, other] = await Promise.all([
      signInAs(t, 'finance'),
      signInAs(t, 'finance'),
      signInAs(t, 'finance'),
    ]);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('proposes, refuses the maker as checker, approves once by another person, all in history and audit', async () => {
    const id = await propose(2_500);
    expect(await history(id)).toEqual([
      {
        event: 'propose',
        from_status: null,
        to_status: 'proposed',
        actor: 'maker',
        actor_id: maker.userId,
        reason: 'goodwill credit for a delayed payout',
      },
    ]);

    const self = await approve(maker, id, 'looks right to me');
    expect([self.response.status, self.error?.code]).toEqual([403, 'ledger/maker-checker']);
    expect(await history(id)).toHaveLength(1);

    const approved = await approve(checker, id, 'matches ticket');
    expect(approved.response.status).toBe(200);
    expect(approved.data).toMatchObject({ status: 'approved', decidedBy: checker.userId });

    const twice = await approve(other, id);
    expect(twice.response.status).toBe(409);
    expect(twice.error).toMatchObject({
      code: 'ledger/adjustment-not-pending',
      adjustmentStatus: 'approved',
    });
    const lateReject = await reject(other, id, 'too late to reject this');
    expect(lateReject.response.status).toBe(409);

    expect((await history(id)).slice(1)).toEqual([
      {
        event: 'approve',
        from_status: 'proposed',
        to_status: 'approved',
        actor: 'checker',
        actor_id: checker.userId,
        reason: 'matches ticket',
      },
    ]);
    expect(await audit(id)).toEqual([
      {
        action: 'ledger.adjustment.propose',
        actor_id: maker.userId,
        reason: 'goodwill credit for a delayed payout',
        override: false,
      },
      {
        action: 'ledger.adjustment.approve',
        actor_id: checker.userId,
        reason: 'matches ticket',
        override: false,
      },
    ]);
    // The audit chain still verifies with the new events in it.
    expect((await t.app.get(AuditQueryService).verify()).intact).toBe(true);
    const [entry] = await sql<{ n: string }>(
      `SELECT count(*)::text AS n FROM ledger_entries WHERE id = $1`,
      [`adjustment:${id}`],
    );
    expect(entry!.n).toBe('1');
    await expectBooksBalanced();
  });

  it('rejects with a reason (by another person, or withdrawn by the maker) and posts nothing', async () => {
    const rejected = await propose(700);
    const noReason = await reject(checker, rejected, '');
    expect(noReason.response.status).toBe(400);
    const r = await reject(checker, rejected, 'not supported by the ticket');
    expect(r.data).toMatchObject({
      status: 'rejected',
      decisionReason: 'not supported by the ticket',
    });
    const approveAfter = await approve(other, rejected);
    expect(approveAfter.error).toMatchObject({
      code: 'ledger/adjustment-not-pending',
      adjustmentStatus: 'rejected',
    });

    const withdrawn = await propose(800);
    expect((await reject(maker, withdrawn, 'withdrawn: wrong amount')).response.status).toBe(200);

    expect((await history(rejected)).map((h) => [h.event, h.actor, h.to_status, h.reason])).toEqual(
      [
        ['propose', 'maker', 'proposed', 'goodwill credit for a delayed payout'],
        ['reject', 'checker', 'rejected', 'not supported by the ticket'],
      ],
    );
    expect((await history(withdrawn)).slice(1)).toEqual([
      {
        event: 'reject',
        from_status: 'proposed',
        to_status: 'rejected',
        actor: 'maker',
        actor_id: maker.userId,
        reason: 'withdrawn: wrong amount',
      },
    ]);
    expect((await audit(withdrawn)).map((a) => [a.action, a.actor_id])).toEqual([
      ['ledger.adjustment.propose', maker.userId],
      ['ledger.adjustment.reject', maker.userId],
    ]);
    const [entries] = await sql<{ n: string }>(
      `SELECT count(*)::text AS n FROM ledger_entries WHERE id = ANY($1::text[])`,
      [[`adjustment:${rejected}`, `adjustment:${withdrawn}`]],
    );
    expect(entries!.n).toBe('0');
    await expectBooksBalanced();
  });

  it('keeps the history append-only', async () => {
    const id = await propose(300);
    await expect(
      sql(`UPDATE ledger_adjustment_history SET reason = 'x' WHERE adjustment_id = $1`, [id]),
    ).rejects.toThrow();
    await expect(
      sql(`DELETE FROM ledger_adjustment_history WHERE adjustment_id = $1`, [id]),
    ).rejects.toThrow();
    expect(await history(id)).toHaveLength(1);
  });

  it('back-fills, for proposals made before the history existed, the rows the code writes', async () => {
    const all = `SELECT adjustment_id::text AS adjustment_id, event, from_status, to_status, actor,
                        actor_id::text AS actor_id, reason, created_at
                 FROM ledger_adjustment_history ORDER BY adjustment_id, id`;
    const written = await sql(all);
    expect(written.map((h) => h.event)).toEqual(
      expect.arrayContaining(['propose', 'approve', 'reject']),
    );
    const backFilled = await rowsAfterRemigrating(
      t.db.ownerUrl,
      new ProposalHistory1764460000000(),
      all,
    );
    expect(backFilled).toEqual(written);
  });
});
