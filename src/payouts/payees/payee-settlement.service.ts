/**
 * Payees' onboarding data (`payee_settlement_details`): an approved dealer or technician submits its
 * PAN, GSTIN, legal business type and settlement bank account; the account number is encrypted at
 * rest (AccountSecrets, AES-256-GCM) and only ever shown masked (XXXXXX1234), in answers and in the
 * audit log. Every submission is held `pending` until staff other than the payee approve it (a newer
 * submission supersedes a pending one); only the newest approved row is used, and its approval hands
 * the payee to Route onboarding (hooks registered by RouteAccountsService, in the same transaction).
 *
 * A change is a maker-checker proposal (src/approvals, `SETTLEMENT_CHANGE`): the payee is the maker, staff the
 * checker (the payee neither approves nor withdraws it: 403 `payee/self-review`); a newer submission
 * supersedes the waiting change (`supersede`, by the payee). Every step writes a row of
 * `payee_settlement_detail_history`.
 */
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  ProposalDecisions,
  type ProposalKind,
} from '../../approvals/proposal-decisions.service.js';
import { AppProblem } from '../../common/errors/problem.js';
import { cursorFields, encodeCursor, parseKeysetCursor } from '../../common/pagination.js';
import type { RequestMeta } from '../../common/request-meta.js';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import { accountNamesIn } from '../../identity/account-names.js';
import { AccountSecrets } from '../../identity/account-secrets.js';
import { notePayeeDetailsIn } from '../../technicians/technician-readiness.js';
import { checkSettlementDetails, masked } from './domain/settlement-details.js';
import type {
  PayeeKind,
  PendingSettlementReviewPageDto,
  SettlementDetailsDto,
  SubmitSettlementDetailsDto,
} from './dto/payee.dto.js';

/** Approved details as Route onboarding sends them (the account number decrypted). */
export interface ApprovedSettlementDetails {
  pan: string;
  gstin: string | null;
  businessType: string;
  beneficiaryName: string;
  ifsc: string;
  accountNumber: string;
  registeredAddress: Record<string, unknown> | null;
}

export type ApprovalHook = (
  tx: EntityManager,
  payee: { kind: PayeeKind; id: string },
) => Promise<void>;

interface DetailsRow {
  id: string;
  payee_id: string;
  payee_kind: PayeeKind;
  pan: string;
  gstin: string | null;
  business_type: string;
  beneficiary_name: string;
  ifsc: string;
  account_number_sealed: string;
  account_last4: string;
  account_length: number;
  registered_address: Record<string, unknown> | null;
  review_status: 'pending' | 'approved' | 'rejected' | 'superseded';
  submitted_by: string;
  submitted_at: Date;
  reviewed_by: string | null;
  reviewed_at: Date | null;
  review_reason: string | null;
}

/** A payee's settlement-details change as a maker-checker proposal (audited on the payee). */
export const SETTLEMENT_CHANGE: ProposalKind<DetailsRow> = {
  statuses: {
    proposed: 'pending',
    approved: 'approved',
    rejected: 'rejected',
    superseded: 'superseded',
  },
  history: { table: 'payee_settlement_detail_history', key: 'change_id' },
  audit: {
    targetType: 'user',
    actions: {
      propose: 'payees.settlement_details.submit',
      approve: 'payees.settlement_details.approve',
      reject: 'payees.settlement_details.reject',
    },
  },
  makerChecker: {
    code: 'payee/self-review',
    detail: 'A payee cannot review its own settlement details',
    noWithdrawal: true,
  },
  notPending: (row) =>
    new AppProblem(
      409,
      'payee/change-not-pending',
      'Already decided',
      `This settlement-details change is ${row.review_status}`,
      { changeStatus: row.review_status },
    ),
  ref: (r) => ({
    id: r.id,
    status: r.review_status,
    maker: r.submitted_by,
    auditTarget: r.payee_id,
  }),
};

const noPending = () =>
  new AppProblem(
    404,
    'payee/no-pending-change',
    'Not found',
    'This payee has no settlement details waiting for review',
  );

@Injectable()
export class PayeeSettlementService {
  private readonly approvalHooks: ApprovalHook[] = [];

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly proposals: ProposalDecisions,
    private readonly secrets: AccountSecrets,
  ) {}

  /** Called, in the approval's transaction, for each approved change. */
  onApproved(hook: ApprovalHook): void {
    this.approvalHooks.push(hook);
  }

  /** The payee submits (or changes) its details: validated, stored encrypted, held for review, audited masked. */
  async submit(
    payee: { kind: PayeeKind; id: string },
    dto: SubmitSettlementDetailsDto,
    meta: RequestMeta,
  ): Promise<SettlementDetailsDto> {
    const checked = checkSettlementDetails({
      pan: dto.pan,
      gstin: dto.gstin ?? null,
      businessType: dto.businessType,
      beneficiaryName: dto.beneficiaryName,
      ifsc: dto.ifsc,
      accountNumber: dto.accountNumber,
    });
    if (!checked.ok) {
      const { code, field, detail } = checked.refusal;
      throw new AppProblem(400, code, 'Settlement details refused', detail, { field });
    }
    const d = checked.details;
    return this.transactions.run(async (tx) => {
      // One submission at a time per payee (the partial unique index allows one pending change).
      await execute(tx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
        `payee-settlement:${payee.id}`,
      ]);
      const id = randomUUID();
      const waiting = await pendingChange(tx, payee.id);
      if (waiting !== undefined)
        await this.proposals.supersede(tx, SETTLEMENT_CHANGE, waiting, {
          by: payee.id,
          reason: `superseded by change ${id}`,
          update: (from, to) => moveChange(tx, waiting.id, from, to),
        });
      const { rows } = await execute<DetailsRow>(
        tx,
        `INSERT INTO payee_settlement_details (id, payee_id, payee_kind, pan, gstin, business_type,
           beneficiary_name, ifsc, account_number_sealed, account_last4, account_length,
           registered_address, submitted_by)
         VALUES ($12, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $1) RETURNING *`,
        [
          payee.id,
          payee.kind,
          d.pan,
          d.gstin,
          d.businessType,
          d.beneficiaryName,
          d.ifsc,
          this.secrets.encrypt(d.accountNumber),
          d.accountNumber.slice(-4),
          d.accountNumber.length,
          dto.registeredAddress === undefined ? null : JSON.stringify(dto.registeredAddress),
          id,
        ],
      );
      const view = toDto(rows[0]!);
      if (payee.kind === 'technician') await notePayeeDetailsIn(tx, payee.id);
      await this.proposals.proposed(tx, SETTLEMENT_CHANGE, rows[0]!, {
        meta,
        ...(waiting === undefined ? {} : { before: { supersededChange: waiting.id } }),
        after: auditView(view),
      });
      return view;
    });
  }

  /** The payee's details in use (newest approved) and its change waiting for review, masked. */
  async current(
    payeeId: string,
  ): Promise<{ active: SettlementDetailsDto | null; pending: SettlementDetailsDto | null }> {
    const { rows } = await this.transactions.run((tx) =>
      execute<DetailsRow>(
        tx,
        `(SELECT * FROM payee_settlement_details WHERE payee_id = $1 AND review_status = 'approved'
          ORDER BY reviewed_at DESC, submitted_at DESC LIMIT 1)
         UNION ALL
         (SELECT * FROM payee_settlement_details WHERE payee_id = $1 AND review_status = 'pending')`,
        [payeeId],
      ),
    );
    const active = rows.find((r) => r.review_status === 'approved');
    const pending = rows.find((r) => r.review_status === 'pending');
    return { active: active ? toDto(active) : null, pending: pending ? toDto(pending) : null };
  }

  /**
   * Staff's review queue: payees whose change waits for review, the longest-waiting first (keyset on
   * the submission time and the change's id), with the payee's name and whether details are on file.
   */
  async pendingReviews(q: {
    limit: number;
    cursor?: string;
  }): Promise<PendingSettlementReviewPageDto> {
    const after = parseKeysetCursor(q.cursor, {
      at: cursorFields.isoTimestamp,
      id: cursorFields.uuid,
    });
    const { rows, names } = await this.transactions.run(async (tx) => {
      const { rows } = await execute<DetailsRow & { has_approved: boolean; cursor_at: string }>(
        tx,
        `SELECT d.*,
                EXISTS (SELECT 1 FROM payee_settlement_details a
                        WHERE a.payee_id = d.payee_id AND a.review_status = 'approved') AS has_approved,
                to_char(d.submitted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at
         FROM payee_settlement_details d
         WHERE d.review_status = 'pending'
           AND ($1::timestamptz IS NULL OR (d.submitted_at, d.id) > ($1::timestamptz, $2::uuid))
         ORDER BY d.submitted_at, d.id LIMIT $3`,
        [after?.at ?? null, after?.id ?? null, q.limit + 1],
      );
      return {
        rows,
        names: await accountNamesIn(
          tx,
          rows.map((r) => r.payee_id),
        ),
      };
    });
    const items = rows.slice(0, q.limit);
    const last = rows.length > q.limit ? items[items.length - 1] : undefined;
    return {
      items: items.map((r) => ({
        payeeId: r.payee_id,
        payeeKind: r.payee_kind,
        payeeName: names.get(r.payee_id)!,
        hasApprovedDetails: r.has_approved,
        pendingChange: toDto(r),
      })),
      ...(last ? { nextCursor: encodeCursor({ at: last.cursor_at, id: last.id }) } : {}),
    };
  }

  /** The newest approved details, decrypted, for Route onboarding; null when none are approved. */
  async approved(tx: EntityManager, payeeId: string): Promise<ApprovedSettlementDetails | null> {
    const { rows } = await execute<DetailsRow>(
      tx,
      `SELECT * FROM payee_settlement_details WHERE payee_id = $1 AND review_status = 'approved'
       ORDER BY reviewed_at DESC, submitted_at DESC LIMIT 1`,
      [payeeId],
    );
    const r = rows[0];
    if (r === undefined) return null;
    return {
      pan: r.pan,
      gstin: r.gstin,
      businessType: r.business_type,
      beneficiaryName: r.beneficiary_name,
      ifsc: r.ifsc,
      accountNumber: this.secrets.decrypt(r.account_number_sealed),
      registeredAddress: r.registered_address,
    };
  }

  /**
   * Staff approve or reject the payee's pending change (never their own: the proposal's maker), a
   * rejection with a reason, audited; an approval runs the approval hooks (Route onboarding) in the
   * same transaction.
   */
  async review(
    payeeId: string,
    decision: 'approved' | 'rejected',
    reason: string | null,
    meta: RequestMeta,
  ): Promise<SettlementDetailsDto> {
    const reviewer = meta.principal?.userId;
    if (reviewer === undefined) throw new Error('review without a principal');
    return this.transactions.run(async (tx) => {
      const change = await pendingChange(tx, payeeId);
      if (change === undefined) throw noPending();
      const updated = await this.proposals.decide(tx, SETTLEMENT_CHANGE, change, {
        event: decision === 'approved' ? 'approve' : 'reject',
        meta,
        reason,
        update: (from, to) => moveChange(tx, change.id, from, to, { reviewer, reason }),
        audit: (moved) => ({
          before: { reviewStatus: change.review_status },
          after: auditView(toDto(moved)),
        }),
      });
      if (decision === 'approved')
        for (const hook of this.approvalHooks)
          await hook(tx, { kind: change.payee_kind, id: payeeId });
      return toDto(updated);
    });
  }
}

/** The payee's change waiting for review, locked. */
async function pendingChange(tx: EntityManager, payeeId: string): Promise<DetailsRow | undefined> {
  const { rows } = await execute<DetailsRow>(
    tx,
    `SELECT * FROM payee_settlement_details WHERE payee_id = $1 AND review_status = 'pending'
     FOR UPDATE`,
    [payeeId],
  );
  return rows[0];
}

/** The change `from` → `to` (a review names its reviewer and reason; a supersession neither). */
async function moveChange(
  tx: EntityManager,
  id: string,
  from: string,
  to: string,
  review?: { reviewer: string; reason: string | null },
): Promise<DetailsRow | undefined> {
  const { rows } = await execute<DetailsRow>(
    tx,
    review === undefined
      ? `UPDATE payee_settlement_details SET review_status = $3
         WHERE id = $1 AND review_status = $2 RETURNING *`
      : `UPDATE payee_settlement_details SET review_status = $3, reviewed_by = $4,
           reviewed_at = now(), review_reason = $5
         WHERE id = $1 AND review_status = $2 RETURNING *`,
    review === undefined ? [id, from, to] : [id, from, to, review.reviewer, review.reason],
  );
  return rows[0];
}

function toDto(r: DetailsRow): SettlementDetailsDto {
  return {
    id: r.id,
    payeeKind: r.payee_kind,
    pan: masked(r.pan),
    gstin: r.gstin === null ? null : masked(r.gstin),
    businessType: r.business_type,
    beneficiaryName: r.beneficiary_name,
    ifsc: r.ifsc,
    accountNumber: 'X'.repeat(r.account_length - 4) + r.account_last4,
    reviewStatus: r.review_status,
    submittedAt: r.submitted_at.toISOString(),
    reviewedAt: r.reviewed_at === null ? null : r.reviewed_at.toISOString(),
    reviewReason: r.review_reason,
  };
}

/** What the audit log keeps of a change: the masked view (never the account number or the full PAN). */
function auditView(v: SettlementDetailsDto): Record<string, unknown> {
  return {
    changeId: v.id,
    pan: v.pan,
    gstin: v.gstin,
    businessType: v.businessType,
    beneficiaryName: v.beneficiaryName,
    ifsc: v.ifsc,
    accountNumber: v.accountNumber,
    reviewStatus: v.reviewStatus,
  };
}
