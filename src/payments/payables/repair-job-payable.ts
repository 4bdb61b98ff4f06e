/**
 * Repair jobs as a payable: what is due is the job's agreed amount; a captured payment pays it
 * through the repair jobs' payment port (`RepairJobPayments.confirmPaid`) and obliges one escrow
 * hold, toward the job's technician (`liability:escrow:job:<jobId>` → technician payable).
 */
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppProblem } from '../../common/errors/problem.js';
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
    if (job.status !== 'awaiting_payment')
      throw new AppProblem(
        409,
        'payment/not-payable',
        'Nothing to pay',
        `This repair job is ${job.status.replace('_', ' ')}`,
        { repairJobStatus: job.status },
      );
    return { duePaise: Number(job.amount_paise) };
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
    return {
      code: 'paid',
      excessPaise: outcome.excessPaise,
      obligations: [
        {
          payee: { kind: 'technician', id: job.technician_id! },
          amountPaise: Number(job.amount_paise),
          subject: { repairJobId: job.id },
          holdKey: `hold:job:${job.id}`,
          holdMetadata: { repairJobId: job.id },
        },
      ],
    };
  }

  async assertVisible(tx: EntityManager, jobId: string, buyerId: string | null): Promise<void> {
    await this.jobs.assertVisible(tx, jobId, buyerId);
  }
}
