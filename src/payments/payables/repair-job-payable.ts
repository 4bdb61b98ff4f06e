/**
 * Repair jobs as a payable: what is due is the job's approved quote while it awaits payment, then
 * each approved supplementary quote while it is in progress; a captured payment pays it through the
 * repair jobs' payment port (`RepairJobPayments.confirmPaid`) and obliges one escrow hold per payment
 * toward the job's technician (`liability:escrow:job:<jobId>` → technician payable): the first
 * `hold:job:<jobId>`, the n-th (its (n−1)-th supplement) `hold:job:<jobId>:<n>`.
 */
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppProblem } from '../../common/errors/problem.js';
import { execute } from '../../database/sql.js';
import { RepairJobPayments } from '../../repairs/repair-jobs.service.js';
import type { CaptureDecision, Payable } from '../payable.js';

@Injectable()
export class RepairJobPayable implements Payable {
  readonly type = 'repair_job' as const;
  readonly escrow = 'job' as const;
  readonly noun = 'repair job';
  readonly notesKey = 'repairJobId';

  constructor(private readonly jobs: RepairJobPayments) {}

  async lockForPayment(
    tx: EntityManager,
    jobId: string,
    buyerId: string,
  ): Promise<{ duePaise: number }> {
    const job = await this.jobs.lock(tx, jobId, buyerId);
    const duePaise = this.jobs.amountDue(job);
    if (duePaise === null)
      throw new AppProblem(
        409,
        'payment/not-payable',
        'Nothing to pay',
        `This repair job is ${job.status.replace(/_/g, ' ')}`,
        { repairJobStatus: job.status },
      );
    return { duePaise };
  }

  async lockForCapture(tx: EntityManager, jobId: string): Promise<void> {
    await this.jobs.lock(tx, jobId, null);
  }

  async confirmPaid(
    tx: EntityManager,
    jobId: string,
    payment: { reference: string; amountPaise: number },
  ): Promise<CaptureDecision> {
    const outcome = await this.jobs.confirmPaid(tx, await this.jobs.lock(tx, jobId, null), payment);
    if (outcome.code === 'duplicate_payment') return { code: 'duplicate' };
    if (outcome.code !== 'paid') return { code: 'unpayable' };
    const { job } = outcome;
    const { rows } = await execute<{ n: number }>(
      tx,
      `SELECT count(*)::int AS n FROM escrow_holds WHERE repair_job_id = $1`,
      [job.id],
    );
    const n = rows[0]!.n + 1;
    return {
      code: 'paid',
      excessPaise: outcome.excessPaise,
      obligations: [
        {
          payee: { kind: 'technician', id: job.technician_id! },
          amountPaise: outcome.amountPaise,
          subject: { repairJobId: job.id, repairQuoteId: outcome.quoteId },
          holdKey: n === 1 ? `hold:job:${job.id}` : `hold:job:${job.id}:${n}`,
          holdMetadata: { repairJobId: job.id },
        },
      ],
    };
  }

  async assertVisible(tx: EntityManager, jobId: string, buyerId: string | null): Promise<void> {
    await this.jobs.assertVisible(tx, jobId, buyerId);
  }
}
