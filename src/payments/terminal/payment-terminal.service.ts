/**
 * The technician's payment terminal: on the spot, once the customer approved the quote (or, while
 * the job is in progress, a supplementary quote), the job's technician asks for what is due now by
 * a Payment Link (Razorpay texts and e-mails it to the customer) or a single-use UPI QR code, for
 * exactly the approved amount (the payable's `lockForPayment`). The request is bound to the
 * job's payment (the `payments` row the customer's in-app payment opens too: one open payment per
 * payable), so the money is paid to the platform's account and captured into the job's escrow like
 * any payment (src/payments/terminal/terminal-webhook-handlers.ts) — never to the technician.
 *
 * As every gateway call: the intent (a `creating` request) is stored first, then the gateway is
 * called outside any transaction, then its answer recorded (`open`). A link whose answer was lost is
 * found again by its reference. Whichever is paid first wins: the capture cancels a request still
 * live (src/payments/terminal/terminal-capture.ts), and a second payment is kept apart, flagged.
 * A job that leaves the state a request was made in or changes technician (withdrawn, reassigned,
 * cancelled) has it closed after that commits (`closeForJob`, src/payments/terminal/job-left-payment.handler.ts).
 * The `payments.terminal-close` job (every minute, and sent when a request closes) expires requests
 * past their expiry and cancels at the gateway what was closed on our side.
 */
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { EntityManager } from 'typeorm';
import { AppProblem } from '../../common/errors/problem.js';
import type { RequestMeta } from '../../common/request-meta.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/app-config.js';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import {
  GatewayError,
  PAYMENT_GATEWAY,
  type GatewayQrCode,
  type PaymentGateway,
} from '../../gateway/payment-gateway.js';
import { JobQueue } from '../../jobs/job-queue.service.js';
import { RepairJobPayments } from '../../repairs/repair-jobs.service.js';
import { OpenPaymentCommand } from '../commands/open-payment.command.js';
import { RepairJobPayable } from '../payables/repair-job-payable.js';
import { gatewayDown } from '../payment-store.js';
import type { PaymentRequestDto } from './dto/payment-request.dto.js';
import type { PaymentRequestActor } from './domain/payment-request-state.js';
import {
  closeRequestIn,
  lockLiveRequest,
  lockRequestBy,
  moveRequest,
  noLiveRequest,
  REQUEST_COLUMNS,
  requestsOfJob,
  toPaymentRequestDto,
  type PaymentRequestRow,
} from './payment-request-store.js';
import { TERMINAL_JOBS } from './terminal-jobs.js';

/** Razorpay refuses a link's expire_by or a QR code's close_by less than 15 minutes ahead. */
const GATEWAY_MIN_TTL_SECONDS = 15 * 60;
/** Added to the expiry sent, so our clock and Razorpay's may differ a little. */
const CLOCK_MARGIN_SECONDS = 60;

/** How to reach the job's customer (through the repairs' payment port). */
type Contact = Awaited<ReturnType<RepairJobPayments['customerContactIn']>>;

/** Who acts on a job's request: its technician or its customer (each sees only their jobs). */
export type RequestSide = { technicianId: string } | { customerId: string };

@Injectable()
export class PaymentTerminal implements OnModuleInit {
  private readonly log = new Logger(PaymentTerminal.name);

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly commands: CommandBus,
    private readonly jobs: JobQueue,
    private readonly repairJobs: RepairJobPayments,
    private readonly payable: RepairJobPayable,
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.jobs.define({
      name: TERMINAL_JOBS.close,
      cron: '* * * * *',
      handler: () => this.closeDue(),
    });
  }

  /**
   * The technician asks for the job's payment by `method`: the live request when it is that
   * method's (a retry gets the same one), else a new one. 409 `payment-request/open` while one of the
   * other method is live, `payment/not-payable` unless something is due (the quote, a supplement).
   */
  async request(
    repairJobId: string,
    method: 'link' | 'qr',
    meta: RequestMeta,
  ): Promise<PaymentRequestDto> {
    const technicianId = meta.principal!.userId;
    const customerId = await this.transactions.run(
      async (tx) =>
        (await this.repairJobs.lockForTechnician(tx, repairJobId, technicianId)).customer_id,
    );
    const payment = await this.commands.execute(
      new OpenPaymentCommand({ type: 'repair_job', id: repairJobId }, meta, customerId),
    );
    const { request, contact, retry } = await this.transactions.run(async (tx) => {
      const job = await this.repairJobs.lockForTechnician(tx, repairJobId, technicianId);
      const { duePaise } = await this.payable.lockForPayment(tx, job.id, job.customer_id);
      const live = await this.liveOrClosedIn(tx, job.id, payment.id);
      if (live !== undefined) {
        if (live.method !== method)
          throw new AppProblem(
            409,
            'payment-request/open',
            'A payment request is open',
            `A ${live.method === 'qr' ? 'QR code' : 'payment link'} is open for this job: cancel it first`,
            { paymentRequestId: live.id },
          );
        return {
          request: live,
          contact: await this.repairJobs.customerContactIn(tx, job),
          retry: true,
        };
      }
      const ttl = Math.max(this.config.repairs.terminalTtlMinutes * 60, GATEWAY_MIN_TTL_SECONDS);
      const { rows } = await execute<PaymentRequestRow>(
        tx,
        `INSERT INTO payment_requests (payment_id, repair_job_id, technician_id, method, amount_paise,
           reference_id, expires_at)
         VALUES ($1, $2, $3, $4, $5, 'fbpr_' || replace(gen_random_uuid()::text, '-', ''),
           now() + make_interval(secs => $6))
         RETURNING ${REQUEST_COLUMNS}`,
        [payment.id, job.id, technicianId, method, duePaise, ttl + CLOCK_MARGIN_SECONDS],
      );
      return {
        request: rows[0]!,
        contact: await this.repairJobs.customerContactIn(tx, job),
        retry: false,
      };
    });
    if (request.status === 'open') return toPaymentRequestDto(request);
    return toPaymentRequestDto(await this.createAtGateway(request, contact, retry));
  }

  /** The job's requests, newest first, for its technician or its customer (another's job: 404). */
  async list(repairJobId: string, side: RequestSide): Promise<PaymentRequestDto[]> {
    return this.transactions.run(async (tx) => {
      await this.lockJob(tx, repairJobId, side);
      return (await requestsOfJob(tx, repairJobId)).map(toPaymentRequestDto);
    });
  }

  /**
   * The job's technician or customer cancels the live request (409 `payment-request/none-open`
   * without one); then it is cancelled at the gateway (or by the close job if the gateway is down).
   * A payment that beats the cancellation at the gateway is still the job's.
   */
  async cancel(
    repairJobId: string,
    side: RequestSide,
    actorId: string,
  ): Promise<PaymentRequestDto> {
    const actor: PaymentRequestActor = 'technicianId' in side ? 'technician' : 'customer';
    const cancelled = await this.transactions.run(async (tx) => {
      await this.lockJob(tx, repairJobId, side);
      const live = await lockLiveRequest(tx, repairJobId);
      if (live === undefined) throw noLiveRequest();
      return closeRequestIn(
        tx,
        live,
        { event: 'cancel', actor, actorId, reason: `cancelled by the ${actor}` },
        live.gateway_id === null,
      );
    });
    await this.closeAtGateway(cancelled);
    return toPaymentRequestDto(await this.transactions.run((tx) => this.reread(tx, cancelled.id)));
  }

  /**
   * The job left the state its live request was made in, or changed technician (withdrawn,
   * reassigned, cancelled: `CloseRequestsOfJobsLeavingPayment`, after that committed): the request
   * is cancelled (`reason`) and then at the gateway, unless it still stands — its job awaits payment
   * from the request's technician (a request made since, or an event overtaken by later moves).
   * A payment that beat the cancellation at the gateway is captured and refunded as unpayable.
   */
  async closeForJob(repairJobId: string, reason: string): Promise<void> {
    const cancelled = await this.transactions.run(async (tx) => {
      const { rows } = await execute(
        tx,
        `SELECT 1 FROM payment_requests WHERE repair_job_id = $1 AND status IN ('creating','open')`,
        [repairJobId],
      );
      if (rows.length === 0) return undefined;
      const job = await this.repairJobs.lock(tx, repairJobId, null);
      const live = await lockLiveRequest(tx, repairJobId);
      if (live === undefined) return undefined;
      // Still awaiting payment (its quote, or a supplement) from the request's technician: kept.
      if (this.repairJobs.amountDue(job) !== null && job.technician_id === live.technician_id)
        return undefined;
      return closeRequestIn(
        tx,
        live,
        { event: 'cancel', actor: 'system', reason },
        live.gateway_id === null,
      );
    });
    if (cancelled !== undefined) await this.closeAtGateway(cancelled);
  }

  /**
   * The close job: expires live requests past their expiry (the gateway expires them itself), then
   * cancels at the gateway every request closed on our side that is still open there.
   */
  async closeDue(): Promise<void> {
    await this.transactions.run(async (tx) => {
      const { rows } = await execute<PaymentRequestRow>(
        tx,
        `SELECT ${REQUEST_COLUMNS} FROM payment_requests
         WHERE status IN ('creating','open') AND expires_at <= now()
         ORDER BY expires_at LIMIT 100 FOR UPDATE SKIP LOCKED`,
      );
      for (const r of rows)
        await closeRequestIn(tx, r, { event: 'expire', actor: 'system', reason: 'expired' }, true);
    });
    const { rows } = await this.transactions.run((tx) =>
      execute<PaymentRequestRow>(
        tx,
        `SELECT ${REQUEST_COLUMNS} FROM payment_requests
         WHERE status IN ('cancelled','expired') AND NOT gateway_closed AND gateway_id IS NOT NULL
         ORDER BY updated_at LIMIT 100`,
      ),
    );
    for (const r of rows) await this.closeAtGateway(r);
  }

  /**
   * The live request of the (locked) job for `paymentId`, or none: one past its expiry is expired
   * here, and one bound to a payment since superseded (the amount changed) is cancelled.
   */
  private async liveOrClosedIn(
    tx: EntityManager,
    repairJobId: string,
    paymentId: string,
  ): Promise<PaymentRequestRow | undefined> {
    const live = await lockLiveRequest(tx, repairJobId);
    if (live === undefined) return undefined;
    // A request still creating needs the gateway's minimum ahead to be created now.
    const margin = live.status === 'creating' ? GATEWAY_MIN_TTL_SECONDS * 1000 : 0;
    if (live.expires_at.getTime() - margin <= Date.now()) {
      await closeRequestIn(
        tx,
        live,
        { event: 'expire', actor: 'system', reason: 'expired' },
        live.status === 'open',
      );
      return undefined;
    }
    if (live.payment_id === paymentId) return live;
    await closeRequestIn(
      tx,
      live,
      { event: 'cancel', actor: 'system', reason: "superseded: the job's payment changed" },
      live.gateway_id === null,
    );
    await this.jobs.send(TERMINAL_JOBS.close, {}, { tx });
    return undefined;
  }

  /**
   * Creates (or adopts) the request's link or QR code at the gateway and records it open. `retry`:
   * the request was made by an earlier ask, whose creation may have reached the gateway with its
   * answer lost.
   */
  private async createAtGateway(
    request: PaymentRequestRow,
    contact: Contact,
    retry: boolean,
  ): Promise<PaymentRequestRow> {
    let created: { id: string; url: string };
    try {
      created = await this.gatewayObjectOf(request, contact, retry);
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      if (err.retryable) throw gatewayDown(err);
      await this.transactions.run(async (tx) => {
        const r = (await lockRequestBy(tx, 'id', request.id))!;
        if (r.status === 'creating')
          await moveRequest(tx, r, { event: 'fail', actor: 'system', reason: err.message });
      });
      throw new AppProblem(
        502,
        'payment-request/gateway-refused',
        'The payment gateway refused the request',
        `The payment gateway refused to create the ${request.method === 'qr' ? 'QR code' : 'payment link'}: ${err.message}`,
      );
    }
    const recorded = await this.transactions.run(async (tx) => {
      const r = (await lockRequestBy(tx, 'id', request.id))!;
      if (r.status === 'creating')
        return moveRequest(
          tx,
          r,
          { event: 'open', actor: 'system' },
          { set: 'gateway_id = $4, url = $5', params: [created.id, created.url] },
        );
      // Closed meanwhile: the close job cancels what was just created at the gateway.
      const { rows } = await execute<PaymentRequestRow>(
        tx,
        `UPDATE payment_requests SET gateway_id = $2, url = $3, gateway_closed = false,
           updated_at = now()
         WHERE id = $1 RETURNING ${REQUEST_COLUMNS}`,
        [r.id, created.id, created.url],
      );
      return rows[0]!;
    });
    if (recorded.status !== 'open') await this.closeAtGateway(recorded);
    return recorded;
  }

  private async gatewayObjectOf(
    request: PaymentRequestRow,
    contact: Contact,
    retry: boolean,
  ): Promise<{ id: string; url: string }> {
    const amountPaise = Number(request.amount_paise);
    const expireBy = Math.floor(request.expires_at.getTime() / 1000);
    const notes = {
      repairJobId: request.repair_job_id,
      paymentId: request.payment_id,
      paymentRequestId: request.id,
    };
    const description = `FixBazaar repair job ${request.repair_job_id.slice(0, 8)}`;
    if (request.method === 'qr') {
      const qr =
        (retry ? await this.lostQrCodeOf(request) : undefined) ??
        (await this.gateway.createQrCode({
          amountPaise,
          name: description,
          description,
          closeBy: expireBy,
          notes,
        }));
      return { id: qr.id, url: qr.imageUrl };
    }
    const lost = await this.gateway.paymentLinkByReference(request.reference_id);
    const link =
      lost ??
      (await this.gateway.createPaymentLink({
        amountPaise,
        referenceId: request.reference_id,
        description,
        customer: {
          ...(contact.name !== null ? { name: contact.name } : {}),
          ...(contact.email !== null ? { email: contact.email } : {}),
          ...(contact.phone !== null ? { contact: contact.phone } : {}),
        },
        notify: { sms: contact.phone !== null, email: contact.email !== null },
        expireBy,
        notes,
        callbackUrl: null,
      }));
    return { id: link.id, url: link.shortUrl };
  }

  /**
   * The QR code an earlier ask created for the request whose answer was lost: Razorpay gives QR
   * codes no reference id, so the codes created since the request (a minute's margin for the two
   * clocks) are searched for its id in their notes.
   */
  private async lostQrCodeOf(request: PaymentRequestRow): Promise<GatewayQrCode | undefined> {
    const from = Math.floor(request.created_at.getTime() / 1000) - 60;
    const codes = await this.gateway.listQrCodes({ from, to: Math.ceil(Date.now() / 1000) + 60 });
    return codes.find((c) => c.notes.paymentRequestId === request.id);
  }

  /**
   * Cancels a request closed on our side at the gateway (a link cancelled, a QR code closed), then
   * marks it closed there. When the gateway refuses because it is no longer open (paid, expired or
   * closed meanwhile) it is closed there too: a payment made meanwhile arrives by its webhook. Any
   * other failure (the gateway down) leaves it for the close job's next pass.
   */
  private async closeAtGateway(request: PaymentRequestRow): Promise<void> {
    if (request.gateway_id === null || request.gateway_closed) return;
    try {
      if (!(await this.closedAtGateway(request.method, request.gateway_id))) return;
    } catch (err) {
      this.log.warn(
        `payment request ${request.id}: not closed at the gateway yet (${String(err)})`,
      );
      return;
    }
    await this.transactions.run((tx) =>
      execute(
        tx,
        `UPDATE payment_requests SET gateway_closed = true, updated_at = now() WHERE id = $1`,
        [request.id],
      ),
    );
  }

  /** Cancels the link or closes the QR code; whether it is closed at the gateway now. */
  private async closedAtGateway(method: 'link' | 'qr', id: string): Promise<boolean> {
    try {
      if (method === 'link') await this.gateway.cancelPaymentLink(id);
      else await this.gateway.closeQrCode(id);
      return true;
    } catch (err) {
      if (!(err instanceof GatewayError) || err.retryable) throw err;
      if (method === 'link')
        return !['created', 'partially_paid'].includes(
          (await this.gateway.fetchPaymentLink(id)).status,
        );
      return (await this.gateway.fetchQrCode(id)).status === 'closed';
    }
  }

  private async lockJob(tx: EntityManager, repairJobId: string, side: RequestSide): Promise<void> {
    if ('technicianId' in side)
      await this.repairJobs.lockForTechnician(tx, repairJobId, side.technicianId);
    else await this.repairJobs.lock(tx, repairJobId, side.customerId);
  }

  private async reread(tx: EntityManager, id: string): Promise<PaymentRequestRow> {
    return (await lockRequestBy(tx, 'id', id))!;
  }
}
