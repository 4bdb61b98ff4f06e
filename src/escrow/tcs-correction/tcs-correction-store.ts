/**
 * TCS corrections' rows (`tcs_corrections`, `tcs_correction_items`) as their commands
 * (src/escrow/commands/) and reads use them: the maker-checker kind, the lock and move of a
 * decision, and the assessment of one release's TCS on both bases.
 */
import type { EntityManager } from 'typeorm';
import type { ProposalKind } from '../../approvals/proposal-decisions.service.js';
import { AppProblem } from '../../common/errors/problem.js';
import { execute } from '../../database/sql.js';
import { computeDeductions, linesLessRefund } from '../../ledger/domain/recipes.js';
import { releasedSaleLinesIn } from '../../payments/sale-lines.js';
import {
  refundedAfterReleaseIn,
  releasedHoldIn,
  releaseTermsIn,
  type ReleasedHold,
} from '../refund-after-release-posting.js';
import type {
  TcsCorrectionDto,
  TcsCorrectionItemDto,
  TcsCorrectionStatus,
} from './tcs-correction.dto.js';

const TARGET = 'tcs_correction';

export interface CorrectionRow {
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

export const COLUMNS = `id::text AS id, status, reason, proposed_by::text AS proposed_by, proposed_at,
  decided_by::text AS decided_by, decided_at, decision_reason`;
const ITEM_COLUMNS = `sub_order_id::text AS sub_order_id, order_id::text AS order_id,
  dealer_id::text AS dealer_id, released_at, released_paise::text AS released_paise,
  refunded_after_release_paise::text AS refunded_after_release_paise,
  taxable_before_paise::text AS taxable_before_paise, taxable_after_paise::text AS taxable_after_paise,
  tcs_before_paise::text AS tcs_before_paise, tcs_after_paise::text AS tcs_after_paise,
  difference_paise::text AS difference_paise, from_receivable_paise::text AS from_receivable_paise,
  entry_key`;

/** What one `schedule` release's TCS is as posted and on its lines (net of refunds after release). */
export interface Assessment {
  hold: ReleasedHold;
  refundedAfterRelease: bigint;
  taxableBefore: bigint;
  taxableAfter: bigint;
  tcsBefore: bigint;
  tcsAfter: bigint;
  terms: Awaited<ReturnType<typeof releaseTermsIn>>;
}

/** TCS corrections as maker-checker proposals (src/approvals). */
export const CORRECTION: ProposalKind<CorrectionRow> = {
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

export const notFound = () =>
  new AppProblem(404, 'tcs-correction/not-found', 'Not found', 'No such TCS correction');

/** The correction with its items as finance sees it. */
export async function correctionDtoIn(
  tx: EntityManager,
  r: CorrectionRow,
): Promise<TcsCorrectionDto> {
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

/** The correction, locked until commit (404 if there is none). */
export async function lockCorrection(tx: EntityManager, id: string): Promise<CorrectionRow> {
  const { rows } = await execute<CorrectionRow>(
    tx,
    `SELECT ${COLUMNS} FROM tcs_corrections WHERE id = $1 FOR UPDATE`,
    [id],
  );
  if (rows[0] === undefined) throw notFound();
  return rows[0];
}

/** The correction's move (`transition()`'s update), if it is still `from`. */
export async function moveCorrection(
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
export async function assessIn(tx: EntityManager, subOrderId: string): Promise<Assessment> {
  const hold = (await releasedHoldIn(tx, { subOrderId }, false))!;
  const terms = await releaseTermsIn(tx, hold);
  const refundedAfterRelease = await refundedAfterReleaseIn(tx, hold, `r.status = 'processed'`);
  const onLines = await releasedSaleLinesIn(tx, { ...hold, sub_order_id: subOrderId }, 'lines');
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

export function itemValues(correctionId: string, subOrderId: string, a: Assessment): unknown[] {
  return [
    correctionId,
    subOrderId,
    a.hold.order_id,
    a.hold.payee_id,
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
