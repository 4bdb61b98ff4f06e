/**
 * Early release of a delivered sub-order's escrow (not under a manual hold, no return or dispute
 * open), in the order command's transaction: at or below EARLY_RELEASE_APPROVAL_ABOVE_PAISE (or
 * with an ops leader's override) released at once through the job's code path and the sub-order
 * completed; above it, stored `pending` for a second approver (`ApproveEarlyReleaseHandler`).
 */
import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { EntityManager } from 'typeorm';
import { ProposalDecisions } from '../../approvals/proposal-decisions.service.js';
import { AppProblem } from '../../common/errors/problem.js';
import type { RequestMeta } from '../../common/request-meta.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import { OrderCommands } from '../../orders/order-commands.service.js';
import type { TransitionInput } from '../../orders/order-store.js';
import {
  assertReleasable,
  completion,
  EARLY_COLUMNS,
  EARLY_RELEASE,
  earlyDto,
  type EarlyReleaseRow,
  type HoldRow,
  lockHold,
  orderOfHold,
  overrideForbidden,
  releaseEarlyIn,
} from '../controls/escrow-controls-store.js';
import type { EarlyReleaseDto, RequestEarlyReleaseDto } from '../controls/escrow-controls.dto.js';
import { JobQueue } from '../../jobs/job-queue.service.js';
import { LedgerService } from '../../ledger/persistence/ledger.service.js';
import { CommissionService } from '../../payouts/commission/commission.service.js';
import { RequestEarlyReleaseCommand } from './request-early-release.command.js';

@CommandHandler(RequestEarlyReleaseCommand)
export class RequestEarlyReleaseHandler implements ICommandHandler<RequestEarlyReleaseCommand> {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly proposals: ProposalDecisions,
    private readonly ledger: LedgerService,
    private readonly commission: CommissionService,
    private readonly jobs: JobQueue,
    private readonly orders: OrderCommands,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute({
    subOrderId,
    request: dto,
    meta,
  }: RequestEarlyReleaseCommand): Promise<EarlyReleaseDto> {
    const principal = meta.principal!;
    const override = dto.override === true;
    if (override && principal.role !== 'ops_leader') throw overrideForbidden();
    const orderId = await orderOfHold(this.transactions, subOrderId);
    return this.orders.withSubOrder(orderId, subOrderId, null, async (tx, _sub, move) => {
      const { hold, subStatus } = await lockHold(tx, subOrderId);
      await assertReleasable(tx, hold, subStatus);
      const { rows: pending } = await execute<{ id: string }>(
        tx,
        `SELECT id::text AS id FROM escrow_early_releases WHERE sub_order_id = $1 AND status = 'pending'`,
        [subOrderId],
      );
      if (pending[0] !== undefined) {
        throw new AppProblem(
          409,
          'escrow/early-release-pending',
          'Conflict',
          'An early release of this escrow is already waiting for approval',
          { earlyReleaseId: pending[0].id },
        );
      }
      const needsApproval =
        BigInt(hold.amount_paise) >
        BigInt(this.config.escrowControls.earlyReleaseApprovalAbovePaise);
      if (needsApproval && !override) return this.propose(tx, hold, dto, meta);
      return this.releaseNow(tx, { hold, subStatus, move }, dto, meta, needsApproval);
    });
  }

  /** Above the threshold without an override: a `pending` request waits for a second approver. */
  private async propose(
    tx: EntityManager,
    hold: HoldRow,
    dto: RequestEarlyReleaseDto,
    meta: RequestMeta,
  ): Promise<EarlyReleaseDto> {
    const subOrderId = hold.sub_order_id;
    const { rows } = await execute<EarlyReleaseRow>(
      tx,
      `INSERT INTO escrow_early_releases
         (sub_order_id, order_id, dealer_id, amount_paise, status, reason, requested_by, needs_approval)
       VALUES ($1, $2, $3, $4, 'pending', $5, $6, true) RETURNING ${EARLY_COLUMNS}`,
      [
        subOrderId,
        hold.order_id,
        hold.dealer_id,
        hold.amount_paise,
        dto.reason,
        meta.principal!.userId,
      ],
    );
    const row = rows[0]!;
    await this.proposals.proposed(tx, EARLY_RELEASE, row, {
      meta,
      reason: dto.reason,
      after: { status: row.status, subOrderId, amountPaise: hold.amount_paise },
    });
    return earlyDto(row);
  }

  /** At once: releases the escrow, completes the sub-order and records the request as released. */
  private async releaseNow(
    tx: EntityManager,
    {
      hold,
      subStatus,
      move,
    }: { hold: HoldRow; subStatus: string; move: (input: TransitionInput) => Promise<void> },
    dto: RequestEarlyReleaseDto,
    meta: RequestMeta,
    needsApproval: boolean,
  ): Promise<EarlyReleaseDto> {
    const principal = meta.principal!;
    const subOrderId = hold.sub_order_id;
    const overriding = needsApproval && dto.override === true;
    await releaseEarlyIn(this.releaseDeps(), tx, hold, principal.userId);
    await move(completion(meta));
    const { rows } = await execute<EarlyReleaseRow>(
      tx,
      `INSERT INTO escrow_early_releases
         (sub_order_id, order_id, dealer_id, amount_paise, status, reason, requested_by, needs_approval,
          decided_by, decided_at, override)
       VALUES ($1, $2, $3, $4, 'released', $5, $6, $7, $6, now(), $8) RETURNING ${EARLY_COLUMNS}`,
      [
        subOrderId,
        hold.order_id,
        hold.dealer_id,
        hold.amount_paise,
        dto.reason,
        principal.userId,
        needsApproval,
        overriding,
      ],
    );
    const row = rows[0]!;
    await this.proposals.proposed(tx, EARLY_RELEASE, row, {
      meta,
      reason: dto.reason,
      action: 'escrow.early_release.release',
      override: overriding,
      before: { holdStatus: 'held', subOrderStatus: subStatus },
      after: {
        status: row.status,
        subOrderId,
        subOrderStatus: 'completed',
        amountPaise: hold.amount_paise,
        needsApproval,
      },
    });
    return earlyDto(row);
  }

  private releaseDeps() {
    return { ledger: this.ledger, commission: this.commission, jobs: this.jobs };
  }
}
