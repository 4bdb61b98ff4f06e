/**
 * The terminal's SQL on `payment_requests`: the row, its moves (`PAYMENT_REQUEST_MACHINE`, the move
 * and its history row in one statement) and its DTO.
 */
import type { EntityManager } from 'typeorm';
import { AppProblem } from '../../common/errors/problem.js';
import { transitionInOneStatement } from '../../database/transition-in-one-statement.js';
import { execute } from '../../database/sql.js';
import type { PaymentRequestDto } from './dto/payment-request.dto.js';
import {
  PAYMENT_REQUEST_MACHINE,
  type PaymentRequestActor,
  type PaymentRequestEvent,
  type PaymentRequestStatus,
} from './domain/payment-request-state.js';

export interface PaymentRequestRow {
  id: string;
  payment_id: string;
  repair_job_id: string;
  technician_id: string;
  method: 'link' | 'qr';
  status: PaymentRequestStatus;
  amount_paise: string;
  reference_id: string;
  gateway_id: string | null;
  url: string | null;
  gateway_payment_id: string | null;
  gateway_closed: boolean;
  expires_at: Date;
  close_reason: string | null;
  created_at: Date;
}

export const REQUEST_COLUMNS = `id::text AS id, payment_id::text AS payment_id,
  repair_job_id::text AS repair_job_id, technician_id::text AS technician_id, method, status,
  amount_paise::text AS amount_paise, reference_id, gateway_id, url, gateway_payment_id,
  gateway_closed, expires_at, close_reason, created_at`;

export const noLiveRequest = () =>
  new AppProblem(
    409,
    'payment-request/none-open',
    'No open payment request',
    'This repair job has no payment request open',
  );

/** The job's request that is creating or open (at most one), locked; undefined when none. */
export async function lockLiveRequest(
  tx: EntityManager,
  repairJobId: string,
): Promise<PaymentRequestRow | undefined> {
  const { rows } = await execute<PaymentRequestRow>(
    tx,
    `SELECT ${REQUEST_COLUMNS} FROM payment_requests
     WHERE repair_job_id = $1 AND status IN ('creating','open') FOR UPDATE`,
    [repairJobId],
  );
  return rows[0];
}

/** The request (locked) by a column that identifies it (`id`, `gateway_id`); undefined when none. */
export async function lockRequestBy(
  tx: EntityManager,
  column: 'id' | 'gateway_id',
  value: string,
): Promise<PaymentRequestRow | undefined> {
  const { rows } = await execute<PaymentRequestRow>(
    tx,
    `SELECT ${REQUEST_COLUMNS} FROM payment_requests WHERE ${column} = $1 FOR UPDATE`,
    [value],
  );
  return rows[0];
}

/** The job's requests, newest first. */
export async function requestsOfJob(
  tx: EntityManager,
  repairJobId: string,
): Promise<PaymentRequestRow[]> {
  const { rows } = await execute<PaymentRequestRow>(
    tx,
    `SELECT ${REQUEST_COLUMNS} FROM payment_requests WHERE repair_job_id = $1
     ORDER BY created_at DESC, id`,
    [repairJobId],
  );
  return rows;
}

/**
 * Moves a request and writes its history row in one statement; `columns` are the other columns the
 * move sets (their parameters from $4).
 */
export async function moveRequest(
  tx: EntityManager,
  request: PaymentRequestRow,
  move: {
    event: PaymentRequestEvent;
    actor: PaymentRequestActor;
    actorId?: string | null;
    reason?: string | null;
  },
  columns: { set: string; params: unknown[] } = { set: 'close_reason = close_reason', params: [] },
): Promise<PaymentRequestRow> {
  const moved = await transitionInOneStatement<
    PaymentRequestStatus,
    PaymentRequestEvent,
    PaymentRequestActor,
    PaymentRequestRow
  >(
    tx,
    PAYMENT_REQUEST_MACHINE,
    {
      from: request.status,
      event: move.event,
      actor: move.actor,
      reason: move.reason ?? null,
      reasonRequiredStatus: 422,
      problem: { paymentRequestId: request.id },
    },
    {
      history: { table: 'payment_request_history', column: 'request_id' },
      actorId: move.actorId ?? null,
      update: (from, to) => ({
        sql: `UPDATE payment_requests SET status = $2, ${columns.set}, updated_at = now()
              WHERE id = $1 AND status = $3 RETURNING id AS object_id, ${REQUEST_COLUMNS}`,
        params: [request.id, to, from, ...columns.params],
      }),
    },
  );
  return moved.row!;
}

/**
 * Closes a live request on our side (`cancel` or `expire`) with why. `gatewayClosed`: the gateway
 * closed it itself (else the `payments.terminal-close` job cancels it there).
 */
export function closeRequestIn(
  tx: EntityManager,
  request: PaymentRequestRow,
  move: {
    event: 'cancel' | 'expire';
    actor: PaymentRequestActor;
    actorId?: string | null;
    reason: string;
  },
  gatewayClosed: boolean,
): Promise<PaymentRequestRow> {
  return moveRequest(tx, request, move, {
    set: 'close_reason = $4, gateway_closed = $5',
    params: [move.reason, gatewayClosed],
  });
}

export function toPaymentRequestDto(r: PaymentRequestRow): PaymentRequestDto {
  return {
    id: r.id,
    repairJobId: r.repair_job_id,
    paymentId: r.payment_id,
    method: r.method,
    status: r.status,
    amountPaise: Number(r.amount_paise),
    url: r.url,
    expiresAt: r.expires_at.toISOString(),
    closeReason: r.close_reason,
    createdAt: r.created_at.toISOString(),
  };
}
