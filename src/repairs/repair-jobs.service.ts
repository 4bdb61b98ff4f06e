/**
 * Repair jobs (the skeleton the repair-services issue extends): a customer creates a job for an
 * approved technician at an agreed amount, pays it through the payments module (the repair-job
 * payable, `RepairJobPayments` below is its port), and completes it; completion makes the job's
 * escrow hold due for release to the technician (src/escrow/escrow-release.service.ts). Staff may
 * complete a job for the customer (with a reason, audited). One command = one transaction, the job
 * row locked first.
 */
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { AppProblem } from '../common/errors/problem.js';
import type { RequestMeta } from '../common/request-meta.js';
import { execute } from '../database/sql.js';
import { TransactionRunner } from '../database/transaction.js';
import type { CreateRepairJobDto, RepairJobDto } from './dto/repair-job.dto.js';
import {
  applyRepairTransition,
  lockRepairJob,
  REPAIR_JOB_COLUMNS,
  repairJobDto,
  repairJobNotFound,
  type RepairJobRow,
} from './repair-job-store.js';

@Injectable()
export class RepairJobs {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
  ) {}

  /** A job awaiting payment, for an approved technician of its kind (else 422). */
  async create(dto: CreateRepairJobDto, meta: RequestMeta): Promise<RepairJobDto> {
    const customerId = meta.principal!.userId;
    return this.transactions.run(async (tx) => {
      const { rows: technician } = await execute(
        tx,
        `SELECT 1 FROM users WHERE id = $1 AND role = 'technician' AND status = 'approved'
           AND technician_kind = $2 FOR SHARE`,
        [dto.technicianId, dto.kind],
      );
      if (technician.length === 0)
        throw new AppProblem(
          422,
          'repair-job/unknown-technician',
          'Unknown technician',
          `No approved ${dto.kind} technician ${dto.technicianId}`,
          { technicianId: dto.technicianId },
        );
      if (dto.technicianId === customerId)
        throw new AppProblem(
          422,
          'repair-job/own-technician',
          'Not allowed',
          'A technician cannot hire themselves',
        );
      const { rows } = await execute<RepairJobRow>(
        tx,
        `INSERT INTO repair_jobs (customer_id, technician_id, kind, amount_paise)
         VALUES ($1, $2, $3, $4) RETURNING ${REPAIR_JOB_COLUMNS}`,
        [customerId, dto.technicianId, dto.kind, dto.amountPaise],
      );
      return repairJobDto(rows[0]!);
    });
  }

  /** The customer's job (404 for anyone else's). */
  async get(id: string, meta: RequestMeta): Promise<RepairJobDto> {
    return this.transactions.run(async (tx) => {
      const { rows } = await execute<RepairJobRow>(
        tx,
        `SELECT ${REPAIR_JOB_COLUMNS} FROM repair_jobs WHERE id = $1 AND customer_id = $2`,
        [id, meta.principal!.userId],
      );
      if (rows.length === 0) throw repairJobNotFound();
      return repairJobDto(rows[0]!);
    });
  }

  /** The customer cancels a job not paid yet. */
  async cancel(id: string, meta: RequestMeta): Promise<RepairJobDto> {
    const p = meta.principal!;
    return this.transactions.run(async (tx) => {
      const job = await lockRepairJob(tx, id, p.userId);
      return repairJobDto(
        await applyRepairTransition(tx, job, {
          event: 'cancel',
          actor: 'customer',
          actorId: p.userId,
          actorRole: p.role,
        }),
      );
    });
  }

  /** The customer confirms the repair is done: the job's escrow becomes due to the technician. */
  async complete(id: string, meta: RequestMeta): Promise<RepairJobDto> {
    const p = meta.principal!;
    return this.transactions.run(async (tx) => {
      const job = await lockRepairJob(tx, id, p.userId);
      return repairJobDto(
        await applyRepairTransition(tx, job, {
          event: 'complete',
          actor: 'customer',
          actorId: p.userId,
          actorRole: p.role,
        }),
      );
    });
  }

  /** Staff complete a paid job for the customer (a reason, audited `repair_job.complete`). */
  async staffComplete(id: string, reason: string, meta: RequestMeta): Promise<RepairJobDto> {
    const p = meta.principal!;
    return this.transactions.run(async (tx) => {
      const job = await lockRepairJob(tx, id, null);
      const done = await applyRepairTransition(tx, job, {
        event: 'complete',
        actor: 'admin',
        actorId: p.userId,
        actorRole: p.role,
        reason,
      });
      await this.audit.record(tx, meta, {
        action: 'repair_job.complete',
        targetType: 'repair_job',
        targetId: job.id,
        reason,
        before: { status: job.status },
        after: { status: done.status },
      });
      return repairJobDto(done);
    });
  }
}

/** What the payment flow learns from `RepairJobPayments.confirmPaid` (as orders' `PaymentOutcome`). */
export type RepairPaymentOutcome =
  | { code: 'paid'; job: RepairJobRow; excessPaise: number }
  | { code: 'already_paid' }
  | { code: 'duplicate_payment' }
  | { code: 'not_payable'; status: RepairJobRow['status'] }
  | { code: 'amount_mismatch'; payablePaise: number };

/**
 * The repair jobs' payment port (as `OrderCommands.confirmPaid` is the orders'): the payments module
 * locks a job and confirms its payment through it, in its own transaction.
 */
@Injectable()
export class RepairJobPayments {
  /** The job locked for its payment (`customerId`: only theirs, else 404; null: any). */
  lock(tx: EntityManager, id: string, customerId: string | null): Promise<RepairJobRow> {
    return lockRepairJob(tx, id, customerId);
  }

  /** 404 unless the job exists (and is `customerId`'s, when given). */
  async assertVisible(tx: EntityManager, id: string, customerId: string | null): Promise<void> {
    const { rows } = await execute(
      tx,
      `SELECT 1 FROM repair_jobs WHERE id = $1 AND ($2::uuid IS NULL OR customer_id = $2)`,
      [id, customerId],
    );
    if (rows.length === 0) throw repairJobNotFound();
  }

  /** A captured payment of the (locked) job: it becomes paid unless it cannot be (then why). */
  async confirmPaid(
    tx: EntityManager,
    job: RepairJobRow,
    payment: { reference: string; amountPaise: number },
  ): Promise<RepairPaymentOutcome> {
    if (job.status !== 'awaiting_payment') {
      if (job.payment_reference === null) return { code: 'not_payable', status: job.status };
      return {
        code: job.payment_reference === payment.reference ? 'already_paid' : 'duplicate_payment',
      };
    }
    const payable = Number(job.amount_paise);
    if (payment.amountPaise < payable) return { code: 'amount_mismatch', payablePaise: payable };
    const paid = await applyRepairTransition(tx, job, {
      event: 'pay',
      actor: 'payment',
      actorId: null,
      actorRole: 'payment',
      paymentReference: payment.reference,
    });
    return { code: 'paid', job: paid, excessPaise: payment.amountPaise - payable };
  }
}
