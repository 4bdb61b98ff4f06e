/**
 * Returns and disputes of a sub-order (issue #6). The buyer opens one within the return window
 * (delivered, and ORDER_AUTO_COMPLETE_HOURS since delivery not passed; a `dispute` also once shipped),
 * which moves the sub-order to return_requested / disputed in the same transaction — so it never
 * completes and its escrow is never released while the dispute is open. The parties (buyer, the
 * sub-order's dealer, staff) add evidence (photos, videos: type by magic bytes, size limits; photos
 * decoded in full and stored re-encoded without metadata, videos read in full as containers) to
 * object storage, read the dispute and download its files (single byte ranges for video players);
 * the dealer responds; staff with PaymentOps `update` resolve it (audited; `ResolveDisputeCommand`,
 * src/disputes/commands/), through the state machine's `resolve`:
 *
 * - `release` → completed: the release job releases the whole hold (ledger-spec recipe §3).
 * - `full_refund` → cancelled: the refund sweep refunds the whole hold (recipe §4).
 * - `partial_refund` X (0 < X < held) → completed with `escrow_holds.refund_at_release_paise` = X: the
 *   release posts `escrowRelease` with refund X (recipe §5: release of held − X with deductions on
 *   it, `refund:<subOrderId>` Dr escrow / Cr gateway receivable X) and, in the same transaction,
 *   records a `partial` refund that the refunds job sends to the gateway. The ledger refund entry is
 *   the release's (its key makes it once); the refund's processing posts nothing for `partial`.
 *
 * A repair job's customer disputes the job once its technician marked it done, until the
 * confirmation window (REPAIR_CONFIRM_WINDOW_HOURS after done) passes, with a reason category and a
 * description; the job moves to `disputed` in the same transaction (repairs' `dispute`), so it is
 * neither confirmed nor released until staff resolve it. The job's technician answers
 * (`POST /technician/disputes/{id}/respond`) and adds evidence; staff resolve it through the same
 * route and outcomes (the job to `confirmed` — released whole or less the refund at release — or to
 * `cancelled` with no visit fee, refunded in full).
 *
 * Lock order as every order command: order → sub-orders → dispute → escrow hold; for a repair job,
 * as every repair command: job → dispute → escrow holds.
 */
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { defineAbilityFor } from '../access/ability.factory.js';
import { formatDuration } from '../config/duration.js';
import type { Principal } from '../common/roles.js';
import { AppProblem } from '../common/errors/problem.js';
import { allows } from '../common/state-machine.js';
import { acceptMediaUpload } from '../common/media/media-upload.js';
import { MEDIA_EXTENSIONS, type MediaContentType } from '../common/media/media-type.js';
import { cursorFields, encodeCursor, parseKeysetCursor } from '../common/pagination.js';
import type { RequestMeta } from '../common/request-meta.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { execute } from '../database/sql.js';
import { TransactionRunner } from '../database/transaction.js';
import { OrderCommands } from '../orders/order-commands.service.js';
import { REPAIR_JOB_MACHINE } from '../repairs/domain/repair-job-state.js';
import { RepairJobDisputes } from '../repairs/repair-job-disputes.js';
import { applyRepairTransition, lockRepairJob } from '../repairs/repair-job-store.js';
import {
  downloadFile,
  type FileDownload,
  type FileRequest,
  storageUnavailable,
} from '../storage/file-download.js';
import { ObjectStorage } from '../storage/object-storage.js';
import type {
  DisputeQueryDto,
  DisputeDto,
  DisputeEvidenceDto,
  DisputeListDto,
  OpenDisputeDto,
  OpenRepairDisputeDto,
} from './dto/dispute.dto.js';
import { DISPUTE_MACHINE } from './domain/dispute-state.js';
import {
  alreadyOpen,
  closed,
  COLUMNS,
  type DisputeRow,
  loadDispute,
  moveDispute,
  notFound,
  openDisputeOfJobIn,
} from './dispute-store.js';
import { evidenceTooLarge } from './evidence-body.parser.js';

interface EvidenceRow {
  id: string;
  dispute_id: string;
  content_type: string;
  byte_size: number;
  sha256: string;
  uploaded_by: string;
  role: DisputeEvidenceDto['role'];
  created_at: Date;
}

const evidenceNotFound = () =>
  new AppProblem(
    404,
    'dispute-evidence/not-found',
    'Not found',
    'No such evidence of this dispute',
  );
/** How long the parties' own caches keep a file (the bytes of an evidence id never change). */
const EVIDENCE_MAX_AGE_SECONDS = 3600;

/** The path its parties download an evidence file from. */
export const evidenceUrl = (disputeId: string, evidenceId: string): string =>
  `/disputes/${disputeId}/evidence/${evidenceId}`;

type Party = 'buyer' | 'dealer' | 'technician' | 'staff';

/** Who answers a dispute: a part's dealer, a repair's technician. */
export type Payee = 'dealer' | 'technician';

@Injectable()
export class DisputesService implements OnModuleInit {
  private readonly logger = new Logger(DisputesService.name);

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly orders: OrderCommands,
    private readonly storage: ObjectStorage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repairJobDisputes: RepairJobDisputes,
  ) {}

  /** Repairs' view of a disputed job names its open dispute through this module. */
  onModuleInit(): void {
    this.repairJobDisputes.register(openDisputeOfJobIn);
  }

  /** The buyer opens a return or dispute of one sub-order of their order. */
  async open(
    orderId: string,
    subOrderId: string,
    dto: OpenDisputeDto,
    meta: RequestMeta,
  ): Promise<DisputeDto> {
    const p = meta.principal!;
    const id = await this.orders.withSubOrder(
      orderId,
      subOrderId,
      p.userId,
      async (tx, sub, move) => {
        const { rows: open } = await execute(
          tx,
          `SELECT 1 FROM disputes WHERE sub_order_id = $1 AND status <> 'resolved'`,
          [sub.id],
        );
        if (open.length > 0) throw alreadyOpen('part', { subOrderStatus: sub.status });
        const { rows: window } = await execute<{ open: boolean }>(
          tx,
          `SELECT ($1::timestamptz IS NOT NULL AND $1::timestamptz > now() - make_interval(secs => $2)) AS open`,
          [sub.delivered_at, this.config.orders.autoCompleteSeconds],
        );
        const inWindow =
          (sub.status === 'delivered' && window[0]!.open) ||
          (sub.status === 'shipped' && dto.kind === 'dispute');
        if (!inWindow)
          throw new AppProblem(
            409,
            'dispute/outside-window',
            'Outside the return window',
            sub.status === 'delivered'
              ? `The return window (${formatDuration(this.config.orders.autoCompleteSeconds)} after delivery) has passed`
              : dto.kind === 'return'
                ? 'A return can be requested once the part is delivered'
                : 'A dispute can be opened once the part has shipped, until the return window ends',
            { subOrderStatus: sub.status },
          );
        const { rows } = await execute<{ id: string }>(
          tx,
          `INSERT INTO disputes (sub_order_id, order_id, buyer_id, dealer_id, kind, reason)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id::text AS id`,
          [sub.id, orderId, p.userId, sub.dealer_id, dto.kind, dto.reason],
        );
        await move({
          event: dto.kind === 'return' ? 'request_return' : 'dispute',
          actor: 'buyer',
          actorId: p.userId,
          actorRole: p.role,
          reason: dto.reason,
        });
        return rows[0]!.id;
      },
    );
    return this.get(id, meta);
  }

  /**
   * The customer disputes their repair job, done and within its confirmation window (409
   * `dispute/outside-window` otherwise, `dispute/already-open` when one is open; another's job 404).
   */
  async openForRepairJob(
    repairJobId: string,
    dto: OpenRepairDisputeDto,
    meta: RequestMeta,
  ): Promise<DisputeDto> {
    const p = meta.principal!;
    const id = await this.transactions.run(async (tx) => {
      const job = await lockRepairJob(tx, repairJobId, { customerId: p.userId });
      const problem = { repairJobStatus: job.status };
      const { rows: open } = await execute(
        tx,
        `SELECT 1 FROM disputes WHERE repair_job_id = $1 AND status <> 'resolved'`,
        [job.id],
      );
      if (open.length > 0) throw alreadyOpen('repair', problem);
      const window = formatDuration(this.config.repairs.confirmWindowSeconds);
      const { rows: within } = await execute<{ open: boolean }>(
        tx,
        `SELECT ($1::timestamptz IS NOT NULL AND $1::timestamptz > now() - make_interval(secs => $2)) AS open`,
        [job.done_at, this.config.repairs.confirmWindowSeconds],
      );
      if (job.status !== 'done' || !within[0]!.open)
        throw new AppProblem(
          409,
          'dispute/outside-window',
          'Outside the confirmation window',
          job.status === 'done'
            ? `The confirmation window (${window} after the repair was marked done) has passed`
            : `A repair can be disputed once its technician marks it done, for ${window} (it is ${REPAIR_JOB_MACHINE.describe(job.status)})`,
          problem,
        );
      const { rows } = await execute<{ id: string }>(
        tx,
        `INSERT INTO disputes (repair_job_id, buyer_id, technician_id, kind, reason, description)
         VALUES ($1, $2, $3, 'dispute', $4, $5) RETURNING id::text AS id`,
        [job.id, p.userId, job.technician_id, dto.reason, dto.description],
      );
      await applyRepairTransition(tx, job, {
        event: 'dispute',
        actor: 'customer',
        actorId: p.userId,
        actorRole: p.role,
        reason: dto.reason,
      });
      return rows[0]!.id;
    });
    return this.get(id, meta);
  }

  /** The dispute as its parties see it; anyone else gets 404. */
  async get(id: string, meta: RequestMeta): Promise<DisputeDto> {
    return this.transactions.run(async (tx) => {
      const row = await loadDispute(tx, id, false);
      if (this.partyOf(row, meta.principal!, 'read') === null) throw notFound();
      return (await this.toDtos(tx, [row]))[0]!;
    });
  }

  /**
   * The payee answers — a part's dealer, a repair's technician (anyone else 404) — again, while not
   * resolved: the latest answer is kept.
   */
  async respond(id: string, as: Payee, message: string, meta: RequestMeta): Promise<DisputeDto> {
    const p = meta.principal!;
    await this.transactions.run(async (tx) => {
      const row = await loadDispute(tx, id, true);
      if ((as === 'dealer' ? row.dealer_id : row.technician_id) !== p.userId) throw notFound();
      if (!allows(DISPUTE_MACHINE, row.status, 'respond', as)) throw closed();
      await moveDispute(
        tx,
        row,
        { event: 'respond', actor: as, principal: p },
        {
          set: 'response = $4, responded_at = now()',
          params: [message],
        },
      );
    });
    return this.get(id, meta);
  }

  /**
   * Disputes in any of the given statuses (all without), of parts or repairs, of one order or
   * repair job when asked, newest first (keyset cursor): every one for staff, or those a party is
   * in (its buyer, its part's dealer or its repair's technician) when `partyId` is given.
   */
  async list(q: DisputeQueryDto, partyId: string | null = null): Promise<DisputeListDto> {
    const after = parseKeysetCursor(q.cursor, {
      at: cursorFields.isoTimestamp,
      id: cursorFields.uuid,
    });
    return this.transactions.run(async (tx) => {
      const { rows } = await execute<DisputeRow>(
        tx,
        `SELECT ${COLUMNS} FROM disputes d
         WHERE ($1::text[] IS NULL OR d.status = ANY($1::text[]))
           AND ($2::timestamptz IS NULL OR (d.created_at, d.id) < ($2::timestamptz, $3::uuid))
           AND ($5::text IS NULL OR (d.repair_job_id IS NOT NULL) = ($5 = 'repair'))
           AND ($6::uuid IS NULL OR d.order_id = $6) AND ($7::uuid IS NULL OR d.repair_job_id = $7)
           AND ($8::uuid IS NULL OR $8 IN (d.buyer_id, d.dealer_id, d.technician_id))
         ORDER BY d.created_at DESC, d.id DESC LIMIT $4`,
        [
          q.status ?? null,
          after?.at ?? null,
          after?.id ?? null,
          q.limit + 1,
          q.subject ?? null,
          q.orderId ?? null,
          q.repairJobId ?? null,
          partyId,
        ],
      );
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      return {
        items: await this.toDtos(tx, page),
        nextCursor:
          rows.length > q.limit && last !== undefined
            ? encodeCursor({ at: last.created_at.toISOString(), id: last.id })
            : null,
      };
    });
  }

  /** A photo or video of a party, stored first, then recorded (the object is removed if that fails). */
  async addEvidence(
    id: string,
    contentType: string | undefined,
    body: unknown,
    meta: RequestMeta,
  ): Promise<DisputeDto> {
    const p = meta.principal!;
    const role = await this.transactions.run(async (tx) => {
      const row = await loadDispute(tx, id, false);
      const party = this.partyOf(row, p, 'update');
      if (party === null) throw notFound();
      if (row.status === 'resolved') throw closed();
      await this.assertRoom(tx, id);
      return party;
    });
    const file = await acceptMediaUpload(
      'dispute-evidence',
      contentType,
      body,
      { ...this.config.disputes, ...this.config.media },
      evidenceTooLarge,
    );

    const evidenceId = randomUUID();
    const key = `disputes/${id}/${evidenceId}`;
    try {
      await this.storage.put(key, file.bytes, file.type);
    } catch (err) {
      this.logger.error({ err, key }, 'storing dispute evidence failed');
      await this.discard(key);
      throw storageUnavailable();
    }
    try {
      await this.transactions.run(async (tx) => {
        const row = await loadDispute(tx, id, true);
        if (row.status === 'resolved') throw closed();
        await this.assertRoom(tx, id);
        await execute(
          tx,
          `INSERT INTO dispute_evidence (id, dispute_id, storage_key, content_type, byte_size, sha256, uploaded_by, role)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [evidenceId, id, key, file.type, file.bytes.length, file.sha256, p.userId, role],
        );
        await execute(tx, `UPDATE disputes SET updated_at = now() WHERE id = $1`, [id]);
      });
    } catch (err) {
      await this.discard(key);
      throw err;
    }
    return this.get(id, meta);
  }

  /**
   * The bytes of one evidence file, for whoever may read the dispute (else 404, as the dispute),
   * as src/storage/file-download.ts serves them.
   */
  async evidenceFile(
    id: string,
    evidenceId: string,
    request: FileRequest,
    meta: RequestMeta,
  ): Promise<FileDownload> {
    const file = await this.transactions.run(async (tx) => {
      const row = await loadDispute(tx, id, false);
      if (this.partyOf(row, meta.principal!, 'read') === null) throw notFound();
      const { rows } = await execute<{
        storage_key: string;
        content_type: MediaContentType;
        byte_size: number;
        sha256: string;
      }>(
        tx,
        `SELECT storage_key, content_type, byte_size, sha256 FROM dispute_evidence
         WHERE id = $1 AND dispute_id = $2`,
        [evidenceId, id],
      );
      if (rows.length === 0) throw evidenceNotFound();
      return rows[0]!;
    });
    return downloadFile(
      this.storage,
      this.logger,
      {
        key: file.storage_key,
        contentType: file.content_type,
        byteSize: file.byte_size,
        sha256: file.sha256,
        filename: `evidence-${evidenceId}.${MEDIA_EXTENSIONS[file.content_type]}`,
      },
      request,
      {
        prefix: 'dispute-evidence',
        maxAgeSeconds: EVIDENCE_MAX_AGE_SECONDS,
        notFound: evidenceNotFound,
      },
    );
  }

  private async discard(key: string): Promise<void> {
    try {
      await this.storage.delete(key);
    } catch (err) {
      this.logger.warn({ err, key }, 'removing unrecorded dispute evidence failed');
    }
  }

  private async assertRoom(tx: EntityManager, id: string): Promise<void> {
    const max = this.config.disputes.maxEvidence;
    const { rows } = await execute<{ n: number }>(
      tx,
      `SELECT count(*)::int AS n FROM dispute_evidence WHERE dispute_id = $1`,
      [id],
    );
    if (rows[0]!.n >= max)
      throw new AppProblem(
        409,
        'dispute-evidence/too-many',
        'Too much evidence',
        `A dispute may have at most ${max} files`,
        { max },
      );
  }

  /**
   * buyer / dealer / technician of the dispute, staff who may read (or update) payment operations,
   * else null.
   */
  private partyOf(row: DisputeRow, p: Principal, action: 'read' | 'update'): Party | null {
    if (p.userId === row.buyer_id) return 'buyer';
    if (p.userId === row.dealer_id && p.status === 'approved') return 'dealer';
    if (p.userId === row.technician_id && p.status === 'approved') return 'technician';
    if (defineAbilityFor(p).can(action, 'PaymentOps')) return 'staff';
    return null;
  }

  private async toDtos(tx: EntityManager, rows: DisputeRow[]): Promise<DisputeDto[]> {
    const { rows: evidence } = await execute<EvidenceRow>(
      tx,
      `SELECT id::text AS id, dispute_id::text AS dispute_id, content_type, byte_size, sha256,
              uploaded_by::text AS uploaded_by, role, created_at
       FROM dispute_evidence WHERE dispute_id = ANY($1::uuid[]) ORDER BY created_at, id`,
      [rows.map((r) => r.id)],
    );
    const iso = (d: Date | null) => (d === null ? null : d.toISOString());
    return rows.map((r) => ({
      id: r.id,
      orderId: r.order_id,
      subOrderId: r.sub_order_id,
      repairJobId: r.repair_job_id,
      buyerId: r.buyer_id,
      dealerId: r.dealer_id,
      technicianId: r.technician_id,
      kind: r.kind,
      reason: r.reason,
      description: r.description,
      status: r.status,
      dealerResponse: r.dealer_id === null ? null : r.response,
      technicianResponse: r.technician_id === null ? null : r.response,
      respondedAt: iso(r.responded_at),
      resolution: r.resolution,
      refundPaise: r.refund_paise === null ? null : Number(r.refund_paise),
      resolutionReason: r.resolution_reason,
      resolvedBy: r.resolved_by,
      resolvedAt: iso(r.resolved_at),
      createdAt: r.created_at.toISOString(),
      evidence: evidence
        .filter((e) => e.dispute_id === r.id)
        .map((e) => ({
          id: e.id,
          contentType: e.content_type,
          byteSize: e.byte_size,
          sha256: e.sha256,
          uploadedBy: e.uploaded_by,
          role: e.role,
          createdAt: e.created_at.toISOString(),
          url: evidenceUrl(r.id, e.id),
        })),
    }));
  }
}
