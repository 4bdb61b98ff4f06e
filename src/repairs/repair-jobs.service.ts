/**
 * Repair jobs (src/repairs/domain/repair-job-state.ts): a customer requests a repair; a hardware job
 * is offered to nearby technicians (src/matching/, enqueued here) until one accepts or it goes to
 * the staff queue; staff assign a technician of its kind (software jobs always, hardware jobs from
 * the queue or taking over matching);
 * the technician travels (offline), diagnoses and quotes; the customer approves the quote and pays
 * it through the payments module (the repair-job payable, `RepairJobPayments` below is its port);
 * while working, the technician may quote more (a supplementary quote), which the customer approves
 * and pays the same way (a new escrow hold of the job) or declines (the work goes on with what was
 * paid); the technician marks it done; the customer confirms it (or the confirmation window passes, or
 * staff confirm with a reason), which makes its escrow due for release to the technician
 * (src/escrow/), and the release closes it. Every staff action is audited. One command = one
 * transaction, the job row locked first.
 */
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { AppProblem } from '../common/errors/problem.js';
import { cursorFields, encodeCursor, parseKeysetCursor } from '../common/pagination.js';
import type { RequestMeta } from '../common/request-meta.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { execute } from '../database/sql.js';
import { TransactionRunner } from '../database/transaction.js';
import { contactIn, type Contact } from '../identity/contact.js';
import { technicianProfileIn } from '../identity/technician-profile.js';
import { missingForJobsIn } from '../technicians/technician-readiness.js';
import { JobQueue } from '../jobs/job-queue.service.js';
import type { RepairJobEvent } from './domain/repair-job-state.js';
import {
  MAX_REPAIR_JOB_PAISE,
  priceQuote,
  type PricedQuote,
  type QuoteProblem,
} from './domain/repair-quote.js';
import type {
  CreateRepairJobDto,
  CreateRepairQuoteDto,
  RepairJobDto,
  RepairJobPageDto,
  RepairJobViewDto,
  StaffRepairJobQueryDto,
  RepairQuoteDto,
  RepairTimelineEntryDto,
  VisitFeeChoice,
} from './dto/repair-job.dto.js';
import {
  amountDueOf,
  applyRepairTransition,
  closeOpenSupplementIn,
  decideQuoteIn,
  insertQuoteIn,
  type JobScope,
  lockProposedQuote,
  lockRepairJob,
  markQuotePaidIn,
  paidJobWithIn,
  quoteDto,
  quotesOf,
  readRepairJob,
  REPAIR_JOB_COLUMNS,
  repairJobDto,
  type RepairJobRow,
  timelineOf,
} from './repair-job-store.js';
import { RepairJobDisputes } from './repair-job-disputes.js';
import { mediaCountOf } from './repair-media-store.js';
import { RepairJobImeis } from './repair-job-imeis.js';
import { REPAIR_MATCHING_JOBS, type StartMatchingJob } from './repair-matching-jobs.js';

export const REPAIR_JOBS_QUEUE = { autoConfirm: 'repairs.auto-confirm' } as const;

/** The technician's own steps on an assigned job (no reason, no money). */
export type TechnicianStep = Extract<RepairJobEvent, 'depart' | 'arrive' | 'diagnose' | 'finish'>;

const invalid = (code: string, detail: string, field: string) =>
  new AppProblem(422, `repair-job/${code}`, 'Unprocessable', detail, {
    errors: [{ field, in: 'body', messages: [detail] }],
  });

@Injectable()
export class RepairJobs implements OnModuleInit {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly jobs: JobQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly disputes: RepairJobDisputes,
    private readonly imeis: RepairJobImeis,
  ) {}

  onModuleInit(): void {
    this.jobs.define({
      name: REPAIR_JOBS_QUEUE.autoConfirm,
      cron: '* * * * *',
      handler: () => this.autoConfirm(),
    });
  }

  // ---- the customer ----

  /** A repair request, waiting for a technician. */
  async create(dto: CreateRepairJobDto, meta: RequestMeta): Promise<RepairJobDto> {
    if (dto.mode === 'offline' && dto.location === undefined)
      throw invalid(
        'location-required',
        'an offline repair needs the location to come to',
        'location',
      );
    if (
      dto.preferredFrom !== undefined &&
      dto.preferredTo !== undefined &&
      Date.parse(dto.preferredTo) <= Date.parse(dto.preferredFrom)
    )
      throw invalid('window-invalid', 'preferredTo must be after preferredFrom', 'preferredTo');
    if (dto.kind !== 'hardware' && dto.preferredTechnicianId !== undefined)
      throw invalid(
        'preferred-technician-hardware-only',
        'only hardware jobs are matched: staff assign software jobs',
        'preferredTechnicianId',
      );
    if (dto.kind !== 'software' && dto.imei !== undefined)
      throw invalid(
        'imei-software-only',
        'the IMEI is taken for software jobs (kept encrypted for remote repair)',
        'imei',
      );
    // Hardware jobs are offered to nearby technicians (src/matching/); software jobs wait for staff.
    const status = dto.kind === 'hardware' ? 'matching' : 'awaiting_assignment';
    return this.transactions.run(async (tx) => {
      const { rows } = await execute<RepairJobRow>(
        tx,
        `INSERT INTO repair_jobs (customer_id, kind, mode, status, device_brand, device_model, problem,
           location, address, preferred_from, preferred_to)
         VALUES ($1, $2, $3, $12, $4, $5, $6,
           CASE WHEN $7::float8 IS NULL THEN NULL
                ELSE ST_SetSRID(ST_MakePoint($8::float8, $7::float8), 4326)::geography END,
           $9, $10, $11)
         RETURNING ${REPAIR_JOB_COLUMNS}`,
        [
          meta.principal!.userId,
          dto.kind,
          dto.mode,
          dto.deviceBrand.trim(),
          dto.deviceModel.trim(),
          dto.problem.trim(),
          dto.mode === 'offline' ? dto.location!.lat : null,
          dto.mode === 'offline' ? dto.location!.lng : null,
          dto.address ?? null,
          dto.preferredFrom ?? null,
          dto.preferredTo ?? null,
          status,
        ],
      );
      const job = rows[0]!;
      if (dto.imei !== undefined)
        await this.imeis.recordIn(tx, job.id, dto.imei, meta.principal!.userId);
      if (status === 'matching') {
        const start: StartMatchingJob = {
          repairJobId: job.id,
          ...(dto.preferredTechnicianId === undefined
            ? {}
            : { preferredTechnicianId: dto.preferredTechnicianId }),
        };
        await this.jobs.send(REPAIR_MATCHING_JOBS.start, start, { tx });
      }
      return repairJobDto(job);
    });
  }

  /**
   * One job as its customer, its technician or staff sees it (404 for anyone else), with its quotes
   * (newest first): what was paid for each, and the supplement due; a disputed job's open dispute;
   * how many photos and videos its customer attached.
   */
  async get(id: string, scope: JobScope): Promise<RepairJobViewDto> {
    return this.transactions.run(async (tx) => {
      const job = await readRepairJob(tx, id, scope);
      return {
        ...repairJobDto(job),
        quotes: (await quotesOf(tx, id)).map(quoteDto),
        openDisputeId:
          job.status === 'disputed' ? await this.disputes.openDisputeIdIn(tx, job.id) : null,
        mediaCount: await mediaCountOf(tx, id),
      };
    }, 'REPEATABLE READ');
  }

  /** A page of jobs newest first: the caller's own, or (scope `any`, staff) any job by the search's filters. */
  async list(q: StaffRepairJobQueryDto, scope: JobScope): Promise<RepairJobPageDto> {
    const after = parseKeysetCursor(q.cursor, {
      at: cursorFields.matching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/),
      id: cursorFields.uuid,
    });
    const staff: Partial<StaffRepairJobQueryDto> = scope === 'any' ? q : {};
    const customerId =
      scope !== 'any' && 'customerId' in scope ? scope.customerId : staff.customerId;
    const technicianId =
      scope !== 'any' && 'technicianId' in scope ? scope.technicianId : staff.technicianId;
    // Each word of `q` must appear (any case) in the brand, model or problem; LIKE's own
    // characters in it are literal.
    const words = staff.q
      ?.split(/\s+/)
      .filter((w) => w !== '')
      .map((w) => `%${w.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    const rows = await this.transactions.run(async (tx) => {
      const { rows } = await execute<RepairJobRow & { cursor_at: string }>(
        tx,
        `SELECT ${REPAIR_JOB_COLUMNS},
                to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS cursor_at
         FROM repair_jobs
         WHERE ($1::uuid IS NULL OR customer_id = $1) AND ($2::uuid IS NULL OR technician_id = $2)
           AND ($3::text IS NULL OR status = $3) AND ($4::text IS NULL OR kind = $4)
           AND ($5::timestamp IS NULL OR (created_at AT TIME ZONE 'UTC', id) < ($5::timestamp, $6::uuid))
           AND ($8::timestamptz IS NULL OR created_at >= $8) AND ($9::timestamptz IS NULL OR created_at < $9)
           AND ($10::text[] IS NULL OR concat_ws(' ', device_brand, device_model, problem) ILIKE ALL ($10))
         ORDER BY created_at DESC, id DESC LIMIT $7`,
        [
          customerId ?? null,
          technicianId ?? null,
          q.status ?? null,
          q.kind ?? null,
          after?.at ?? null,
          after?.id ?? null,
          q.limit + 1,
          staff.from ?? null,
          staff.to ?? null,
          words ?? null,
        ],
      );
      return rows;
    });
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    return {
      items: page.map(repairJobDto),
      ...(rows.length > q.limit && last !== undefined
        ? { nextCursor: encodeCursor({ at: last.cursor_at, id: last.id }) }
        : {}),
    };
  }

  /** The job's quotes, newest first (its customer, its technician, staff). */
  async quotes(id: string, scope: JobScope): Promise<RepairQuoteDto[]> {
    return this.transactions.run(async (tx) => {
      await readRepairJob(tx, id, scope);
      return (await quotesOf(tx, id)).map(quoteDto);
    });
  }

  /** The job's status timeline, oldest first (reasons for staff only). */
  async timeline(id: string, scope: JobScope): Promise<RepairTimelineEntryDto[]> {
    return this.transactions.run(async (tx) => {
      await readRepairJob(tx, id, scope);
      return timelineOf(tx, id, scope === 'any');
    });
  }

  /** The customer approves the proposed quote: its total becomes what the job is paid. */
  approveQuote(id: string, quoteId: string, meta: RequestMeta): Promise<RepairJobDto> {
    return this.decideQuote(id, quoteId, 'approved', null, meta);
  }

  /** The customer rejects the proposed quote: the technician may quote again. */
  rejectQuote(
    id: string,
    quoteId: string,
    reason: string | null,
    meta: RequestMeta,
  ): Promise<RepairJobDto> {
    return this.decideQuote(id, quoteId, 'rejected', reason, meta);
  }

  /**
   * The customer approves the proposed supplementary quote of a job in progress: its total is then
   * due (`POST /repairs/{id}/payments` pays it), and the job cannot be finished before it is paid.
   */
  approveSupplement(id: string, quoteId: string, meta: RequestMeta): Promise<RepairJobDto> {
    return this.decideQuote(id, quoteId, 'approved', null, meta, true);
  }

  /** The customer declines the proposed supplementary quote: the work goes on with what was paid. */
  declineSupplement(
    id: string,
    quoteId: string,
    reason: string | null,
    meta: RequestMeta,
  ): Promise<RepairJobDto> {
    return this.decideQuote(id, quoteId, 'rejected', reason, meta, true);
  }

  /**
   * The customer's decision on the proposed quote (`supplementary`: the supplement of a job in
   * progress), the job and the quote locked, moved together. An approved quote's total is what is
   * to be paid; an approved supplement's is due.
   */
  private decideQuote(
    id: string,
    quoteId: string,
    decision: 'approved' | 'rejected',
    reason: string | null,
    meta: RequestMeta,
    supplementary = false,
  ): Promise<RepairJobDto> {
    const p = meta.principal!;
    return this.transactions.run(async (tx) => {
      const job = await lockRepairJob(tx, id, { customerId: p.userId });
      const quote = await lockProposedQuote(tx, id, quoteId, supplementary);
      const total = Number(quote.total_paise);
      const moved = await applyRepairTransition(tx, job, {
        event: supplementary
          ? decision === 'approved'
            ? 'approve_supplement'
            : 'decline_supplement'
          : decision === 'approved'
            ? 'approve_quote'
            : 'reject_quote',
        actor: 'customer',
        actorId: p.userId,
        actorRole: p.role,
        reason,
        ...(decision !== 'approved'
          ? {}
          : supplementary
            ? { supplementDuePaise: total }
            : { amountPaise: total }),
      });
      await decideQuoteIn(tx, quote.id, decision, reason);
      return repairJobDto(moved);
    });
  }

  /**
   * The customer cancels: before paying for free; a paid job (in progress) by the cancellation
   * policy (`visitFeeOf`).
   */
  async cancel(id: string, reason: string | null, meta: RequestMeta): Promise<RepairJobDto> {
    const p = meta.principal!;
    return this.transactions.run(async (tx) => {
      const job = await lockRepairJob(tx, id, { customerId: p.userId });
      const moved = await this.cancelIn(tx, job, 'customer', reason, meta);
      return repairJobDto(moved);
    });
  }

  /** The customer confirms the work is done: the job's escrow becomes due to the technician. */
  async confirm(id: string, meta: RequestMeta): Promise<RepairJobDto> {
    const p = meta.principal!;
    return this.transactions.run(async (tx) => {
      const job = await lockRepairJob(tx, id, { customerId: p.userId });
      return repairJobDto(
        await applyRepairTransition(tx, job, {
          event: 'confirm',
          actor: 'customer',
          actorId: p.userId,
          actorRole: p.role,
        }),
      );
    });
  }

  // ---- the technician ----

  /**
   * A step of the assigned technician (en route and arrived are for offline jobs only). Finishing
   * waits for an approved supplementary quote to be paid (409); one still proposed falls.
   */
  async step(id: string, event: TechnicianStep, meta: RequestMeta): Promise<RepairJobDto> {
    const p = meta.principal!;
    return this.transactions.run(async (tx) => {
      const job = await lockRepairJob(tx, id, { technicianId: p.userId });
      if (job.mode === 'online' && (event === 'depart' || event === 'arrive'))
        throw new AppProblem(
          409,
          'repair-job/online',
          'Conflict',
          'An online repair has no travel: diagnose it from assigned',
          { repairJobId: id, mode: job.mode },
        );
      if (job.mode === 'offline' && event === 'diagnose' && job.status === 'assigned')
        throw new AppProblem(
          409,
          'repair-job/not-arrived',
          'Conflict',
          'An offline repair is diagnosed once the technician has arrived',
          { repairJobId: id, repairJobStatus: job.status },
        );
      if (event === 'finish' && job.supplement_due_paise !== null)
        throw new AppProblem(
          409,
          'repair-job/supplement-unpaid',
          'Conflict',
          `The customer approved a supplementary quote of ${job.supplement_due_paise} paise that is not paid yet: the job is done once it is paid`,
          { repairJobId: id, amountDuePaise: Number(job.supplement_due_paise) },
        );
      const moved = await applyRepairTransition(tx, job, {
        event,
        actor: 'technician',
        actorId: p.userId,
        actorRole: p.role,
      });
      if (event === 'finish') await closeOpenSupplementIn(tx, id, 'the work was finished');
      return repairJobDto(moved);
    });
  }

  /** The assigned technician quotes (a newer quote supersedes the one still proposed). */
  async quote(id: string, dto: CreateRepairQuoteDto, meta: RequestMeta): Promise<RepairQuoteDto> {
    const p = meta.principal!;
    return this.transactions.run(async (tx) => {
      const job = await lockRepairJob(tx, id, { technicianId: p.userId });
      const priced = await this.priceIn(tx, p.userId, dto, 0);
      await applyRepairTransition(tx, job, {
        event: 'quote',
        actor: 'technician',
        actorId: p.userId,
        actorRole: p.role,
      });
      return quoteDto(await insertQuoteIn(tx, job, priced, dto.note ?? null));
    });
  }

  /**
   * The assigned technician quotes more work on a paid job in progress: lines priced as the first
   * quote's, the job's total (paid and supplements) within the most a repair may cost. A newer
   * supplement supersedes the one still proposed; none while an approved one is unpaid (409).
   */
  async supplement(
    id: string,
    dto: CreateRepairQuoteDto,
    meta: RequestMeta,
  ): Promise<RepairQuoteDto> {
    const p = meta.principal!;
    return this.transactions.run(async (tx) => {
      const job = await lockRepairJob(tx, id, { technicianId: p.userId });
      if (job.supplement_due_paise !== null)
        throw new AppProblem(
          409,
          'repair-quote/supplement-unpaid',
          'Conflict',
          'The customer approved a supplementary quote that is not paid yet: quote more once it is paid',
          { repairJobId: id, amountDuePaise: Number(job.supplement_due_paise) },
        );
      const alreadyPaise = Number(job.amount_paise ?? 0) + Number(job.supplements_paid_paise);
      const priced = await this.priceIn(tx, p.userId, dto, alreadyPaise);
      await applyRepairTransition(tx, job, {
        event: 'quote_supplement',
        actor: 'technician',
        actorId: p.userId,
        actorRole: p.role,
      });
      return quoteDto(await insertQuoteIn(tx, job, priced, dto.note ?? null, true));
    });
  }

  /**
   * The lines priced at the technician's GST registration (422 naming each wrong field), the job's
   * total with the `alreadyPaise` quoted before within the most a repair may cost.
   */
  private async priceIn(
    tx: EntityManager,
    technicianId: string,
    dto: CreateRepairQuoteDto,
    alreadyPaise: number,
  ): Promise<PricedQuote> {
    const technician = await technicianProfileIn(tx, technicianId);
    const priced = priceQuote(dto.lines, technician?.gstRegistered ?? false);
    const problems: QuoteProblem[] =
      'problems' in priced
        ? priced.problems
        : alreadyPaise + priced.totalPaise > MAX_REPAIR_JOB_PAISE
          ? [
              {
                field: 'lines',
                message: `with the ${alreadyPaise} paise quoted before, the job would cost more than the most a repair may cost (${MAX_REPAIR_JOB_PAISE})`,
              },
            ]
          : [];
    if (problems.length > 0 || 'problems' in priced)
      throw new AppProblem(
        422,
        'repair-quote/invalid',
        'Unprocessable',
        problems.map((x) => `${x.field}: ${x.message}`).join('; '),
        { errors: problems.map((x) => ({ field: x.field, in: 'body', messages: [x.message] })) },
      );
    return priced;
  }

  /** The technician cancels a paid job (with a reason): the customer is refunded in full. */
  async technicianCancel(id: string, reason: string, meta: RequestMeta): Promise<RepairJobDto> {
    const p = meta.principal!;
    return this.transactions.run(async (tx) => {
      const job = await lockRepairJob(tx, id, { technicianId: p.userId });
      return repairJobDto(await this.cancelIn(tx, job, 'technician', reason, meta));
    });
  }

  /**
   * The technician withdraws the approved supplementary quote its customer has not paid (a reason,
   * shown to the customer): nothing more is due, and the job can be finished with what was paid. A
   * payment of it still on its way is refunded as unpayable when it is captured; its payment request
   * (link, QR code) is closed after commit.
   */
  async withdrawSupplement(id: string, reason: string, meta: RequestMeta): Promise<RepairJobDto> {
    const p = meta.principal!;
    return this.transactions.run(async (tx) => {
      const job = await lockRepairJob(tx, id, { technicianId: p.userId });
      return repairJobDto(await this.withdrawSupplementIn(tx, job, 'technician', reason, meta));
    });
  }

  /** Staff withdraw a job's unpaid supplement (a reason, audited), e.g. for a technician gone quiet. */
  async staffWithdrawSupplement(
    id: string,
    reason: string,
    meta: RequestMeta,
  ): Promise<RepairJobDto> {
    return this.transactions.run(async (tx) => {
      const job = await lockRepairJob(tx, id, 'any');
      const moved = await this.withdrawSupplementIn(tx, job, 'staff', reason, meta);
      await this.audit.record(tx, meta, {
        action: 'repair_job.withdraw_supplement',
        targetType: 'repair_job',
        targetId: job.id,
        reason,
        before: { status: job.status, supplementDuePaise: Number(job.supplement_due_paise) },
        after: { status: moved.status, supplementDuePaise: null },
      });
      return repairJobDto(moved);
    });
  }

  private async withdrawSupplementIn(
    tx: EntityManager,
    job: RepairJobRow,
    actor: 'technician' | 'staff',
    reason: string,
    meta: RequestMeta,
  ): Promise<RepairJobRow> {
    if (job.status === 'in_progress' && job.supplement_due_paise === null)
      throw new AppProblem(
        409,
        'repair-job/no-supplement-due',
        'Conflict',
        'No approved supplementary quote is waiting to be paid on this repair',
        { repairJobId: job.id },
      );
    const p = meta.principal!;
    const moved = await applyRepairTransition(tx, job, {
      event: 'withdraw_supplement',
      actor,
      actorId: p.userId,
      actorRole: p.role,
      reason,
      supplementDuePaise: null,
    });
    await closeOpenSupplementIn(tx, job.id, `withdrawn: ${reason}`);
    return moved;
  }

  /** The technician gives a job back before it is paid (with a reason): it waits for another. */
  async withdraw(id: string, reason: string, meta: RequestMeta): Promise<RepairJobDto> {
    const p = meta.principal!;
    return this.transactions.run(async (tx) => {
      const job = await lockRepairJob(tx, id, { technicianId: p.userId });
      const moved = await applyRepairTransition(tx, job, {
        event: 'withdraw',
        actor: 'technician',
        actorId: p.userId,
        actorRole: p.role,
        reason,
        technicianId: null,
      });
      await this.closeOpenQuoteIn(tx, id, 'the technician withdrew');
      return repairJobDto(moved);
    });
  }

  // ---- staff ----

  /** Staff assign a waiting job to an approved technician of its kind (audited). */
  async assign(id: string, technicianId: string, meta: RequestMeta): Promise<RepairJobDto> {
    return this.staffMove(id, 'assign', { technicianId, reason: null }, meta);
  }

  /** Staff move an unpaid job to another technician (a reason, audited). */
  async reassign(
    id: string,
    technicianId: string,
    reason: string,
    meta: RequestMeta,
  ): Promise<RepairJobDto> {
    return this.staffMove(id, 'reassign', { technicianId, reason }, meta);
  }

  /**
   * Staff cancel a job (a reason, audited); a paid one by the cancellation policy, keeping or
   * waiving the visit fee as they choose (`visitFeeOf`).
   */
  async staffCancel(
    id: string,
    reason: string,
    visitFee: VisitFeeChoice | undefined,
    meta: RequestMeta,
  ): Promise<RepairJobDto> {
    return this.transactions.run(async (tx) => {
      const job = await lockRepairJob(tx, id, 'any');
      const moved = await this.cancelIn(tx, job, 'staff', reason, meta, visitFee);
      await this.audit.record(tx, meta, {
        action: 'repair_job.cancel',
        targetType: 'repair_job',
        targetId: job.id,
        reason,
        before: { status: job.status, technicianId: job.technician_id },
        after: {
          status: moved.status,
          technicianId: moved.technician_id,
          ...(moved.visit_fee_paise === null
            ? {}
            : { visitFeePaise: Number(moved.visit_fee_paise), visitFee: visitFee ?? null }),
        },
      });
      return repairJobDto(moved);
    });
  }

  /** Staff confirm a done job for its customer (a reason, audited). */
  async staffConfirm(id: string, reason: string, meta: RequestMeta): Promise<RepairJobDto> {
    return this.staffMove(id, 'confirm', { reason }, meta);
  }

  private async staffMove(
    id: string,
    event: Extract<RepairJobEvent, 'assign' | 'reassign' | 'confirm'>,
    input: { technicianId?: string; reason: string | null },
    meta: RequestMeta,
  ): Promise<RepairJobDto> {
    const p = meta.principal!;
    return this.transactions.run(async (tx) => {
      const job = await lockRepairJob(tx, id, 'any');
      if (input.technicianId !== undefined)
        await this.assertAssignable(tx, job, input.technicianId);
      const moved = await applyRepairTransition(tx, job, {
        event,
        actor: 'staff',
        actorId: p.userId,
        actorRole: p.role,
        reason: input.reason,
        ...(input.technicianId === undefined ? {} : { technicianId: input.technicianId }),
      });
      if (event === 'reassign') await this.closeOpenQuoteIn(tx, id, 'the job was reassigned');
      await this.audit.record(tx, meta, {
        action: `repair_job.${event}`,
        targetType: 'repair_job',
        targetId: job.id,
        ...(input.reason === null ? {} : { reason: input.reason }),
        before: { status: job.status, technicianId: job.technician_id },
        after: { status: moved.status, technicianId: moved.technician_id },
      });
      return repairJobDto(moved);
    });
  }

  /**
   * Cancels the locked job. An unpaid job's open quote falls (nothing was paid); a paid job (in
   * progress) keeps its paid quotes — the sales its escrow holds price — and records its visit fee,
   * which decides where its escrow goes: refunded in full (the payments' refunds, recipe §4) or the
   * fee released to the technician from its first payment's hold with the rest of that hold
   * refunded at release (the escrow release, §5) and its paid supplements refunded in full; its
   * supplement still proposed or approved but unpaid falls.
   */
  private async cancelIn(
    tx: EntityManager,
    job: RepairJobRow,
    actor: 'customer' | 'technician' | 'staff',
    reason: string | null,
    meta: RequestMeta,
    visitFee?: VisitFeeChoice,
  ): Promise<RepairJobRow> {
    const p = meta.principal!;
    const visitFeePaise = this.visitFeeOf(job, actor, visitFee);
    const moved = await applyRepairTransition(tx, job, {
      event: 'cancel',
      actor,
      actorId: p.userId,
      actorRole: p.role,
      reason,
      ...(visitFeePaise === undefined ? {} : { visitFeePaise, supplementDuePaise: null }),
    });
    if (visitFeePaise === undefined)
      await this.closeOpenQuoteIn(tx, job.id, 'the job was cancelled');
    else await closeOpenSupplementIn(tx, job.id, 'the job was cancelled');
    return moved;
  }

  /**
   * The cancellation policy of a paid job (undefined for any other: nothing to refund): free until
   * the technician is on the way, so an online job (no travel) and any job its technician cancels
   * are refunded in full (0); an offline job was paid only after its technician arrived (it is
   * diagnosed there), so the customer's cancellation keeps the visit fee (REPAIR_VISIT_FEE_PAISE, at
   * most the job's first payment: it is kept once per job, from that payment) for the technician,
   * and staff choose to keep or waive it.
   */
  private visitFeeOf(
    job: RepairJobRow,
    actor: 'customer' | 'technician' | 'staff',
    choice: VisitFeeChoice | undefined,
  ): number | undefined {
    if (job.status !== 'in_progress') return undefined;
    if (actor === 'technician' || job.mode === 'online') return 0;
    if (actor === 'staff' && choice === undefined)
      throw invalid(
        'visit-fee-choice-required',
        'The technician reached this paid job: choose visitFee keep (refund the rest) or waive (refund in full)',
        'visitFee',
      );
    if (choice === 'waive') return 0;
    return Math.min(this.config.repairs.visitFeePaise, Number(job.amount_paise));
  }

  /** 422 unless `technicianId` is an approved technician of the job's kind, other than its customer. */
  private async assertAssignable(
    tx: EntityManager,
    job: RepairJobRow,
    technicianId: string,
  ): Promise<void> {
    const technician = await technicianProfileIn(tx, technicianId);
    const why =
      technician === undefined || !technician.approved
        ? `No approved technician ${technicianId}`
        : technician.kind !== job.kind
          ? `Technician ${technicianId} repairs ${technician.kind}, this job is ${job.kind}`
          : technicianId === job.customer_id
            ? 'A technician cannot repair its own job'
            : technicianId === job.technician_id
              ? 'The job is already this technician’s'
              : null;
    if (why !== null) throw invalid('technician-not-assignable', why, 'technicianId');
    const missing = await missingForJobsIn(tx, technician!);
    if (missing.length > 0)
      throw invalid(
        'technician-not-assignable',
        `Technician ${technicianId} has not completed its profile for jobs: ${missing.join(', ')}`,
        'technicianId',
      );
  }

  /**
   * An unpaid job leaving its technician (withdrawn, reassigned, cancelled): its open quote — still
   * proposed, or approved but not paid — no longer stands.
   */
  private async closeOpenQuoteIn(tx: EntityManager, jobId: string, reason: string): Promise<void> {
    await execute(
      tx,
      `UPDATE repair_quotes SET status = 'superseded',
         decided_at = CASE WHEN status = 'proposed' THEN now() ELSE decided_at END,
         decision_reason = $2
       WHERE repair_job_id = $1 AND status IN ('proposed','approved')`,
      [jobId, reason],
    );
  }

  // ---- the system ----

  /**
   * Jobs marked done longer than the confirmation window ago are confirmed by the system (their
   * escrow is then due). Returns how many.
   */
  async autoConfirm(batch = 100): Promise<number> {
    const { rows } = await this.transactions.run((tx) =>
      execute<{ id: string }>(
        tx,
        `SELECT id::text AS id FROM repair_jobs
         WHERE status = 'done' AND done_at <= statement_timestamp() - make_interval(secs => $1)
         ORDER BY done_at LIMIT $2`,
        [this.config.repairs.confirmWindowSeconds, batch],
      ),
    );
    let confirmed = 0;
    for (const { id } of rows)
      await this.transactions.run(async (tx) => {
        const job = await lockRepairJob(tx, id, 'any');
        if (job.status !== 'done') return;
        await applyRepairTransition(tx, job, {
          event: 'confirm',
          actor: 'system',
          actorId: null,
          actorRole: 'auto-confirm',
          reason: 'the confirmation window passed',
        });
        confirmed += 1;
      });
    return confirmed;
  }
}

/** What the payment flow learns from `RepairJobPayments.confirmPaid` (as orders' `PaymentOutcome`). */
export type RepairPaymentOutcome =
  /** `amountPaise` paid the job's first quote or its supplement (`quoteId`; null: no quote). */
  | {
      code: 'paid';
      job: RepairJobRow;
      amountPaise: number;
      quoteId: string | null;
      excessPaise: number;
    }
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
    return lockRepairJob(tx, id, customerId === null ? 'any' : { customerId });
  }

  /** The job locked for a payment its technician asks for on the spot (another's job: 404). */
  lockForTechnician(tx: EntityManager, id: string, technicianId: string): Promise<RepairJobRow> {
    return lockRepairJob(tx, id, { technicianId });
  }

  /** How to reach the job's customer (a Payment Link is sent there). */
  customerContactIn(tx: EntityManager, job: RepairJobRow): Promise<Contact> {
    return contactIn(tx, job.customer_id);
  }

  /** 404 unless the job exists (and is `customerId`'s, when given). */
  async assertVisible(tx: EntityManager, id: string, customerId: string | null): Promise<void> {
    await readRepairJob(tx, id, customerId === null ? 'any' : { customerId });
  }

  /** What the (locked) job's customer is to pay now, or null: its quote, or its supplement due. */
  amountDue(job: RepairJobRow): number | null {
    return amountDueOf(job);
  }

  /**
   * A captured payment of the (locked) job: it pays what is due — the approved quote (the job is
   * then in progress) or the approved supplement (the job stays in progress, nothing more due) —
   * unless it cannot (then why: paid already by this payment, paid by another, nothing due, short).
   */
  async confirmPaid(
    tx: EntityManager,
    job: RepairJobRow,
    payment: { reference: string; amountPaise: number },
  ): Promise<RepairPaymentOutcome> {
    if (job.payment_reference !== null && (await paidJobWithIn(tx, job, payment.reference)))
      return { code: 'already_paid' };
    const due = amountDueOf(job);
    if (due === null)
      return job.payment_reference === null
        ? { code: 'not_payable', status: job.status }
        : { code: 'duplicate_payment' };
    if (payment.amountPaise < due) return { code: 'amount_mismatch', payablePaise: due };
    const supplementary = job.status === 'in_progress';
    const paid = await applyRepairTransition(tx, job, {
      event: supplementary ? 'pay_supplement' : 'pay',
      actor: 'payment',
      actorId: null,
      actorRole: 'payment',
      ...(supplementary
        ? { supplementDuePaise: null, supplementPaidPaise: due }
        : { paymentReference: payment.reference }),
    });
    const quoteId = await markQuotePaidIn(tx, job.id, supplementary, payment.reference);
    return {
      code: 'paid',
      job: paid,
      amountPaise: due,
      quoteId,
      excessPaise: payment.amountPaise - due,
    };
  }
}
