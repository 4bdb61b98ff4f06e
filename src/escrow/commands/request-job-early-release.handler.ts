/**
 * Early release of a done repair job's escrow (every held hold of it; not under a manual hold, not
 * disputed), in one transaction with the job locked: at or below EARLY_RELEASE_APPROVAL_ABOVE_PAISE
 * (or with an ops leader's override) released at once through the job's code path and the job
 * confirmed by staff (then closed by the release); above it, stored `pending` for a second approver
 * (`ApproveEarlyReleaseHandler`).
 */
import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ProposalDecisions } from '../../approvals/proposal-decisions.service.js';
import { AppProblem } from '../../common/errors/problem.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import { JobQueue } from '../../jobs/job-queue.service.js';
import { LedgerService } from '../../ledger/persistence/ledger.service.js';
import { CommissionService } from '../../payouts/commission/commission.service.js';
import {
  assertJobReleasable,
  EARLY_RELEASE,
  earlyDto,
  insertJobEarlyRelease,
  lockJobHolds,
  overrideForbidden,
  releaseJobEarlyIn,
} from '../controls/escrow-controls-store.js';
import type { EarlyReleaseDto } from '../controls/escrow-controls.dto.js';
import { RequestJobEarlyReleaseCommand } from './request-job-early-release.command.js';

@CommandHandler(RequestJobEarlyReleaseCommand)
export class RequestJobEarlyReleaseHandler implements ICommandHandler<RequestJobEarlyReleaseCommand> {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly proposals: ProposalDecisions,
    private readonly ledger: LedgerService,
    private readonly commission: CommissionService,
    private readonly jobs: JobQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute({
    repairJobId,
    request: dto,
    meta,
  }: RequestJobEarlyReleaseCommand): Promise<EarlyReleaseDto> {
    const principal = meta.principal!;
    const override = dto.override === true;
    if (override && principal.role !== 'ops_leader') throw overrideForbidden();
    return this.transactions.run(async (tx) => {
      const { job, holds } = await lockJobHolds(tx, repairJobId);
      const held = await assertJobReleasable(tx, job, holds);
      const { rows: pending } = await execute<{ id: string }>(
        tx,
        `SELECT id::text AS id FROM escrow_early_releases WHERE repair_job_id = $1 AND status = 'pending'`,
        [job.id],
      );
      if (pending[0] !== undefined)
        throw new AppProblem(
          409,
          'escrow/early-release-pending',
          'Conflict',
          'An early release of this escrow is already waiting for approval',
          { earlyReleaseId: pending[0].id },
        );
      const needsApproval =
        held > BigInt(this.config.escrowControls.earlyReleaseApprovalAbovePaise);
      const request = { reason: dto.reason, requestedBy: principal.userId, needsApproval };
      const releaseNow = !needsApproval || override;
      if (releaseNow) {
        const deps = { ledger: this.ledger, commission: this.commission, jobs: this.jobs };
        await releaseJobEarlyIn(deps, tx, job, meta);
      }
      const overriding = needsApproval && override;
      const row = await insertJobEarlyRelease(
        tx,
        job,
        held,
        request,
        releaseNow ? { override: overriding } : null,
      );
      await this.proposals.proposed(tx, EARLY_RELEASE, row, {
        meta,
        reason: dto.reason,
        ...(releaseNow
          ? {
              action: 'escrow.early_release.release',
              override: overriding,
              before: { heldPaise: held.toString(), repairJobStatus: job.status },
            }
          : {}),
        after: {
          status: row.status,
          repairJobId: job.id,
          amountPaise: held.toString(),
          ...(releaseNow ? { repairJobStatus: 'closed', needsApproval } : {}),
        },
      });
      return earlyDto(row);
    });
  }
}
