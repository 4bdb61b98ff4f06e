/**
 * The second approval of a pending early release: releases the escrow through the job's code path
 * (`release-escrow.steps.ts`) and completes the sub-order, in the order command's
 * transaction (a repair job's: confirmed by staff and closed by the release, in a transaction with
 * the job locked first). The proposer approving gets 403 `escrow/maker-checker` unless an ops leader
 * overrides (with a reason; audited with the override flag).
 */
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ProposalDecisions } from '../../approvals/proposal-decisions.service.js';
import { AppProblem } from '../../common/errors/problem.js';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import { OrderCommands } from '../../orders/order-commands.service.js';
import type { RequestMeta } from '../../common/request-meta.js';
import {
  assertJobReleasable,
  assertReleasable,
  completion,
  EARLY_RELEASE,
  earlyDto,
  earlyNotFound,
  lockHold,
  lockJobHolds,
  lockRequest,
  moveEarlyRelease,
  overrideForbidden,
  releaseEarlyIn,
  releaseJobEarlyIn,
} from '../controls/escrow-controls-store.js';
import type { ApproveEarlyReleaseDto, EarlyReleaseDto } from '../controls/escrow-controls.dto.js';
import { JobQueue } from '../../jobs/job-queue.service.js';
import { LedgerService } from '../../ledger/persistence/ledger.service.js';
import { CommissionService } from '../../payouts/commission/commission.service.js';
import { ApproveEarlyReleaseCommand } from './approve-early-release.command.js';

@CommandHandler(ApproveEarlyReleaseCommand)
export class ApproveEarlyReleaseHandler implements ICommandHandler<ApproveEarlyReleaseCommand> {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly proposals: ProposalDecisions,
    private readonly ledger: LedgerService,
    private readonly commission: CommissionService,
    private readonly jobs: JobQueue,
    private readonly orders: OrderCommands,
  ) {}

  async execute({
    earlyReleaseId: id,
    approval: dto,
    meta,
  }: ApproveEarlyReleaseCommand): Promise<EarlyReleaseDto> {
    const principal = meta.principal!;
    const override = dto.override === true;
    if (override && principal.role !== 'ops_leader') throw overrideForbidden();
    if (override && dto.reason === undefined) {
      throw new AppProblem(
        400,
        'escrow/override-reason-required',
        'Bad request',
        'An override needs a reason',
      );
    }
    const request = await this.transactions.run(async (tx) => {
      const { rows } = await execute<{
        order_id: string | null;
        sub_order_id: string | null;
        repair_job_id: string | null;
      }>(
        tx,
        `SELECT order_id::text AS order_id, sub_order_id::text AS sub_order_id,
                repair_job_id::text AS repair_job_id
         FROM escrow_early_releases WHERE id = $1`,
        [id],
      );
      return rows[0];
    });
    if (request === undefined) throw earlyNotFound();
    if (request.repair_job_id !== null) return this.approveForRepairJob(id, dto, meta);
    const { order_id: orderId, sub_order_id: subOrderId } = request;
    return this.orders.withSubOrder(orderId!, subOrderId!, null, async (tx, _sub, move) => {
      const row = await lockRequest(tx, id);
      const updated = await this.proposals.decide(tx, EARLY_RELEASE, row, {
        event: 'approve',
        meta,
        reason: dto.reason ?? null,
        override,
        effect: async () => {
          const { hold, subStatus } = await lockHold(tx, row.sub_order_id!);
          await assertReleasable(tx, hold, subStatus);
          await releaseEarlyIn(this.releaseDeps(), tx, hold, principal.userId);
          await move(completion(meta));
        },
        update: (from, to, actor) =>
          moveEarlyRelease(
            tx,
            row.id,
            from,
            to,
            principal.userId,
            dto.reason ?? null,
            actor === 'override',
          ),
        audit: (u) => ({
          before: { status: row.status, requestedBy: row.requested_by },
          after: { status: u.status, subOrderId: row.sub_order_id, subOrderStatus: 'completed' },
        }),
      });
      return earlyDto(updated);
    });
  }

  /** A repair job's: the job, then the request locked; its held escrow released and the job closed. */
  private approveForRepairJob(
    id: string,
    dto: ApproveEarlyReleaseDto,
    meta: RequestMeta,
  ): Promise<EarlyReleaseDto> {
    return this.transactions.run(async (tx) => {
      const row = await lockRequest(tx, id);
      const updated = await this.proposals.decide(tx, EARLY_RELEASE, row, {
        event: 'approve',
        meta,
        reason: dto.reason ?? null,
        override: dto.override === true,
        effect: async () => {
          const { job, holds } = await lockJobHolds(tx, row.repair_job_id!);
          await assertJobReleasable(tx, job, holds);
          await releaseJobEarlyIn(this.releaseDeps(), tx, job, meta);
        },
        update: (from, to, actor) =>
          moveEarlyRelease(
            tx,
            row.id,
            from,
            to,
            meta.principal!.userId,
            dto.reason ?? null,
            actor === 'override',
          ),
        audit: (u) => ({
          before: { status: row.status, requestedBy: row.requested_by },
          after: { status: u.status, repairJobId: row.repair_job_id, repairJobStatus: 'closed' },
        }),
      });
      return earlyDto(updated);
    });
  }

  private releaseDeps() {
    return { ledger: this.ledger, commission: this.commission, jobs: this.jobs };
  }
}
