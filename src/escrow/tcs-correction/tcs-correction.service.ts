/**
 * Correction of releases posted with TCS on the supply GST schedule's rate (`taxable_basis =
 * 'schedule'`, the rule before per-line TCS) to TCS on the released lines' own taxable values
 * (ledger-spec/recipes.md §3), under maker-checker:
 *
 * - `propose` (finance): checks every `schedule` release not corrected yet and stores the report —
 *   per release the taxable value and TCS as posted and on its lines, both net of the refunds after
 *   release processed so far, and the difference. Nothing is posted.
 * - `approve` (another finance user): in one transaction, recomputes each release of the report
 *   (order row, then hold row locked: releases and refunds serialise with it), posts the difference
 *   (`tcsCorrected`: dealer payable ↔ TCS liability, the receivable for what a paid-out dealer's
 *   payable cannot bear; key `tcs_correction:<subOrderId>`), and marks it applied: from then on its
 *   refunds after release claw back on the lines basis. A release already applied by another
 *   correction is skipped. Running it again finds nothing to correct.
 * - `reject` (another finance user, or the proposer withdrawing it). All three are audited.
 */
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  ProposalDecisions,
  type ProposalKind,
} from '../../approvals/proposal-decisions.service.js';
import { AppProblem } from '../../common/errors/problem.js';
import type { RequestMeta } from '../../common/request-meta.js';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import {
  computeDeductions,
  linesLessRefund,
  payableAccount,
  receivableAccount,
  tcsCorrected,
} from '../../ledger/domain/recipes.js';
import { LedgerService } from '../../ledger/persistence/ledger.service.js';
import { lockOrder } from '../../orders/order-store.js';
import {
  HOLD_SQL,
  lockedAvailableIn,
  releaseTermsIn,
  type ReleasedHold,
} from '../../payments/refund-after-release-posting.js';
import { releasedSaleLinesIn } from '../../payments/sale-lines.js';
import type {
  TcsCorrectionDto,
  TcsCorrectionItemDto,
  TcsCorrectionStatus,
} from './tcs-correction.dto.js';

const TARGET = 'tcs_correction';

interface CorrectionRow {
  id: string;
  status: TcsCorrectionStatus;
  reason: string;
  proposed_by: string;
  proposed_at: Date;
  decided_by: string | null;
  decided_at: Date | null;
  decision_reason: string | null;
}

interface ItemRow {
  sub_order_id: string;
  order_id: string;
  dealer_id: string;
  released_at: Date;
  released_paise: string;
  refunded_after_release_paise: string;
  taxable_before_paise: string;
  taxable_after_paise: string;
  tcs_before_paise: string;
  tcs_after_paise: string;
  difference_paise: string;
  from_receivable_paise: string;
  entry_key: string | null;
}

const COLUMNS = `id::text AS id, status, reason, proposed_by::text AS proposed_by, proposed_at,
  decided_by::text AS decided_by, decided_at, decision_reason`;
const ITEM_COLUMNS = `sub_order_id::text AS sub_order_id, order_id::text AS order_id,
  dealer_id::text AS dealer_id, released_at, released_paise::text AS released_paise,
  refunded_after_release_paise::text AS refunded_after_release_paise,
  taxable_before_paise::text AS taxable_before_paise, taxable_after_paise::text AS taxable_after_paise,
  tcs_before_paise::text AS tcs_before_paise, tcs_after_paise::text AS tcs_after_paise,
  difference_paise::text AS difference_paise, from_receivable_paise::text AS from_receivable_paise,
  entry_key`;

/** What one `schedule` release's TCS is as posted and on its lines (net of refunds after release). */
interface Assessment {
  hold: ReleasedHold;
  refundedAfterRelease: bigint;
  taxableBefore: bigint;
  taxableAfter: bigint;
  tcsBefore: bigint;
  tcsAfter: bigint;
  terms: Awaited<ReturnType<typeof releaseTermsIn>>;
}

/** TCS corrections as maker-checker proposals (src/approvals). */
const CORRECTION: ProposalKind<CorrectionRow> = {
  statuses: { proposed: 'proposed', approved: 'approved', rejected: 'rejected' },
  history: { table: 'tcs_correction_history', key: 'correction_id' },
  audit: {
    targetType: TARGET,
    actions: {
      propose: 'ledger.tcs-correction.propose',
      approve: 'ledger.tcs-correction.approve',
      reject: 'ledger.tcs-correction.reject',
    },
  },
  makerChecker: {
    code: 'ledger/maker-checker',
    detail: 'A TCS correction must be approved by a finance user other than its proposer',
  },
  notPending: (row) =>
    new AppProblem(
      409,
      'tcs-correction/not-pending',
      'Already decided',
      `This TCS correction is ${row.status}`,
      { correctionStatus: row.status },
    ),
  ref: (r) => ({ id: r.id, status: r.status, maker: r.proposed_by }),
};

const notFound = () =>
  new AppProblem(404, 'tcs-correction/not-found', 'Not found', 'No such TCS correction');

@Injectable()
export class TcsCorrectionService {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly ledger: LedgerService,
    private readonly proposals: ProposalDecisions,
  ) {}

  async propose(reason: string, meta: RequestMeta): Promise<TcsCorrectionDto> {
    return this.transactions.run(async (tx) => {
      const { rows } = await execute<CorrectionRow>(
        tx,
        `INSERT INTO tcs_corrections (reason, proposed_by) VALUES ($1, $2) RETURNING ${COLUMNS}`,
        [reason, meta.principal!.userId],
      );
      const correction = rows[0]!;
      const { rows: due } = await execute<{ sub_order_id: string }>(
        tx,
        `SELECT h.sub_order_id::text AS sub_order_id FROM escrow_holds h
         WHERE h.taxable_basis = 'schedule'
           AND NOT EXISTS (SELECT 1 FROM tcs_correction_items c
                           WHERE c.sub_order_id = h.sub_order_id AND c.applied_at IS NOT NULL)
         ORDER BY h.released_at, h.sub_order_id`,
      );
      for (const { sub_order_id } of due) {
        const a = await assessIn(tx, sub_order_id);
        await execute(
          tx,
          `INSERT INTO tcs_correction_items (correction_id, sub_order_id, order_id, dealer_id,
             released_at, released_paise, refunded_after_release_paise, taxable_before_paise,
             taxable_after_paise, tcs_before_paise, tcs_after_paise, difference_paise)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
          itemValues(correction.id, sub_order_id, a),
        );
      }
      const dto = await this.dtoIn(tx, correction);
      await this.proposals.proposed(tx, CORRECTION, correction, {
        meta,
        reason,
        after: {
          status: correction.status,
          releases: dto.releases,
          totalDifferencePaise: dto.totalDifferencePaise,
        },
      });
      return dto;
    });
  }

  async approve(
    id: string,
    reason: string | undefined,
    meta: RequestMeta,
  ): Promise<TcsCorrectionDto> {
    const checker = meta.principal!.userId;
    return this.transactions.run(async (tx) => {
      const correction = await lockCorrection(tx, id);
      let dto: TcsCorrectionDto | undefined;
      await this.proposals.decide(tx, CORRECTION, correction, {
        event: 'approve',
        meta,
        reason: reason ?? null,
        effect: () => this.applyIn(tx, correction, checker),
        update: (from, to) => move(tx, id, from, to, checker, reason ?? null),
        audit: async (updated) => {
          dto = await this.dtoIn(tx, updated);
          return {
            before: { status: correction.status, proposedBy: correction.proposed_by },
            after: {
              status: dto.status,
              applied: dto.items.filter((i) => i.entryKey !== null).length,
              totalDifferencePaise: dto.totalDifferencePaise,
            },
          };
        },
      });
      return dto!;
    });
  }

  /**
   * Recomputes each release of the report (order row, then hold row locked: releases and refunds
   * serialise with it), posts the difference and marks it applied; a release applied by another
   * correction meanwhile is skipped.
   */
  private async applyIn(
    tx: EntityManager,
    correction: CorrectionRow,
    checker: string,
  ): Promise<void> {
    const id = correction.id;
    const { rows: items } = await execute<{ sub_order_id: string; order_id: string }>(
      tx,
      `SELECT sub_order_id::text AS sub_order_id, order_id::text AS order_id
       FROM tcs_correction_items WHERE correction_id = $1 ORDER BY order_id, sub_order_id`,
      [id],
    );
    for (const item of items) {
      await lockOrder(tx, item.order_id, null);
      await execute(tx, `SELECT 1 FROM escrow_holds WHERE sub_order_id = $1 FOR UPDATE`, [
        item.sub_order_id,
      ]);
      const { rows: applied } = await execute(
        tx,
        `SELECT 1 FROM tcs_correction_items WHERE sub_order_id = $1 AND applied_at IS NOT NULL`,
        [item.sub_order_id],
      );
      if (applied.length > 0) continue; // corrected by another correction meanwhile
      const a = await assessIn(tx, item.sub_order_id);
      const difference = a.tcsAfter - a.tcsBefore;
      let entryKey: string | null = null;
      let fromReceivable = 0n;
      if (difference !== 0n) {
        const supplier = a.terms.supplier;
        await this.ledger.openAccountsIn(tx, [
          payableAccount(supplier),
          receivableAccount(supplier),
        ]);
        const planned = tcsCorrected({
          releaseId: item.sub_order_id,
          reference: `order:${item.order_id}`,
          supplier,
          differencePaise: difference,
          payableAvailablePaise: await lockedAvailableIn(tx, payableAccount(supplier)),
          actor: `user:${checker}`,
          metadata: {
            correctionId: id,
            maker: correction.proposed_by,
            checker,
            tcsBeforePaise: a.tcsBefore.toString(),
            tcsAfterPaise: a.tcsAfter.toString(),
          },
        });
        await this.ledger.postIn(tx, planned.command, {
          what: `the TCS correction of ${item.sub_order_id}`,
        });
        entryKey = `tcs_correction:${item.sub_order_id}`;
        fromReceivable = planned.fromReceivablePaise;
      }
      const [, , , , , ...amounts] = itemValues(id, item.sub_order_id, a);
      await execute(
        tx,
        `UPDATE tcs_correction_items SET released_paise = $3, refunded_after_release_paise = $4,
           taxable_before_paise = $5, taxable_after_paise = $6, tcs_before_paise = $7,
           tcs_after_paise = $8, difference_paise = $9, from_receivable_paise = $10,
           entry_key = $11::text, applied_at = now()
         WHERE correction_id = $1 AND sub_order_id = $2`,
        [id, item.sub_order_id, ...amounts, fromReceivable.toString(), entryKey],
      );
    }
  }

  async reject(id: string, reason: string, meta: RequestMeta): Promise<TcsCorrectionDto> {
    const actor = meta.principal!.userId;
    return this.transactions.run(async (tx) => {
      const correction = await lockCorrection(tx, id);
      const updated = await this.proposals.decide(tx, CORRECTION, correction, {
        event: 'reject',
        meta,
        reason,
        update: (from, to) => move(tx, id, from, to, actor, reason),
        audit: () => ({
          before: { status: correction.status, proposedBy: correction.proposed_by },
          after: { status: 'rejected', withdrawn: actor === correction.proposed_by },
        }),
      });
      return this.dtoIn(tx, updated);
    });
  }

  async get(id: string): Promise<TcsCorrectionDto> {
    return this.transactions.run(async (tx) => {
      const { rows } = await execute<CorrectionRow>(
        tx,
        `SELECT ${COLUMNS} FROM tcs_corrections WHERE id = $1`,
        [id],
      );
      if (rows[0] === undefined) throw notFound();
      return this.dtoIn(tx, rows[0]);
    });
  }

  private async dtoIn(tx: EntityManager, r: CorrectionRow): Promise<TcsCorrectionDto> {
    const { rows } = await execute<ItemRow>(
      tx,
      `SELECT ${ITEM_COLUMNS} FROM tcs_correction_items WHERE correction_id = $1
       ORDER BY released_at, sub_order_id`,
      [r.id],
    );
    const items: TcsCorrectionItemDto[] = rows.map((i) => ({
      subOrderId: i.sub_order_id,
      orderId: i.order_id,
      dealerId: i.dealer_id,
      releasedAt: i.released_at.toISOString(),
      releasedPaise: Number(i.released_paise),
      refundedAfterReleasePaise: Number(i.refunded_after_release_paise),
      taxableBeforePaise: Number(i.taxable_before_paise),
      taxableAfterPaise: Number(i.taxable_after_paise),
      tcsBeforePaise: Number(i.tcs_before_paise),
      tcsAfterPaise: Number(i.tcs_after_paise),
      differencePaise: Number(i.difference_paise),
      fromReceivablePaise: Number(i.from_receivable_paise),
      entryKey: i.entry_key,
    }));
    return {
      id: r.id,
      status: r.status,
      reason: r.reason,
      proposedBy: r.proposed_by,
      proposedAt: r.proposed_at.toISOString(),
      decidedBy: r.decided_by,
      decidedAt: r.decided_at === null ? null : r.decided_at.toISOString(),
      decisionReason: r.decision_reason,
      releases: items.length,
      totalDifferencePaise: items.reduce((s, i) => s + i.differencePaise, 0),
      items,
    };
  }
}

/** The correction, locked until commit (404 if there is none). */
async function lockCorrection(tx: EntityManager, id: string): Promise<CorrectionRow> {
  const { rows } = await execute<CorrectionRow>(
    tx,
    `SELECT ${COLUMNS} FROM tcs_corrections WHERE id = $1 FOR UPDATE`,
    [id],
  );
  if (rows[0] === undefined) throw notFound();
  return rows[0];
}

/** The correction's move (`transition()`'s update), if it is still `from`. */
async function move(
  tx: EntityManager,
  id: string,
  from: string,
  to: string,
  decidedBy: string,
  reason: string | null,
): Promise<CorrectionRow | undefined> {
  const { rows } = await execute<CorrectionRow>(
    tx,
    `UPDATE tcs_corrections SET status = $3, decided_by = $4, decided_at = now(),
       decision_reason = $5 WHERE id = $1 AND status = $2 RETURNING ${COLUMNS}`,
    [id, from, to, decidedBy, reason],
  );
  return rows[0];
}

/** One release's TCS on both bases, net of the refunds after release processed so far. */
async function assessIn(tx: EntityManager, subOrderId: string): Promise<Assessment> {
  const { rows } = await execute<ReleasedHold>(tx, HOLD_SQL, [subOrderId]);
  const hold = rows[0]!;
  const terms = await releaseTermsIn(tx, subOrderId, hold);
  const { rows: refunded } = await execute<{ refunded: string }>(
    tx,
    `SELECT coalesce(sum(amount_paise), 0)::text AS refunded FROM refunds
     WHERE sub_order_id = $1 AND kind = 'after_release' AND status = 'processed'`,
    [subOrderId],
  );
  const refundedAfterRelease = BigInt(refunded[0]!.refunded);
  const onLines = await releasedSaleLinesIn(tx, hold, 'lines');
  const before = computeDeductions(
    linesLessRefund(terms.lines, refundedAfterRelease),
    terms.rates,
    terms.supplier,
  );
  const after = computeDeductions(
    linesLessRefund(onLines, refundedAfterRelease),
    terms.rates,
    terms.supplier,
  );
  return {
    hold,
    refundedAfterRelease,
    taxableBefore: before.taxableValuePaise,
    taxableAfter: after.taxableValuePaise,
    tcsBefore: before.tcsPaise,
    tcsAfter: after.tcsPaise,
    terms,
  };
}

function itemValues(correctionId: string, subOrderId: string, a: Assessment): unknown[] {
  return [
    correctionId,
    subOrderId,
    a.hold.order_id,
    a.hold.dealer_id,
    a.hold.released_at,
    a.hold.released_paise,
    a.refundedAfterRelease.toString(),
    a.taxableBefore.toString(),
    a.taxableAfter.toString(),
    a.tcsBefore.toString(),
    a.tcsAfter.toString(),
    (a.tcsAfter - a.tcsBefore).toString(),
  ];
}
