/**
 * What a capture does to the terminal's payment requests (src/payments/terminal/), in the capture's
 * transaction (`applyCaptureIn`: the job, then the payment row locked first).
 */
import type { EntityManager } from 'typeorm';
import type { GatewayPayment } from '../../gateway/payment-gateway.js';
import type { JobQueue } from '../../jobs/job-queue.service.js';
import {
  closeRequestIn,
  lockLiveRequest,
  lockRequestBy,
  moveRequest,
} from './payment-request-store.js';
import { TERMINAL_JOBS } from './terminal-jobs.js';

/** A payment made through a request: the request, and our payment it is bound to. */
export interface TerminalPayment {
  readonly requestId: string;
  readonly paymentId: string;
}

/**
 * The request `gp` paid (if it came through one) becomes paid — from open, or from cancelled or
 * expired when the money beat our cancellation: the gateway's word wins. When the job is now paid
 * (by this payment, in the app or through the request), a request still live is cancelled and the
 * close job cancels it at the gateway: whichever is paid first wins.
 */
export async function settleRequestsIn(
  tx: EntityManager,
  jobs: JobQueue,
  input: {
    repairJobId: string;
    gp: GatewayPayment;
    request: TerminalPayment | null;
    jobPaid: boolean;
  },
): Promise<void> {
  if (input.request !== null) {
    const paid = (await lockRequestBy(tx, 'id', input.request.requestId))!;
    if (paid.status !== 'paid')
      await moveRequest(
        tx,
        paid,
        { event: 'pay', actor: 'gateway' },
        { set: 'gateway_payment_id = $4', params: [input.gp.id] },
      );
  }
  if (!input.jobPaid) return;
  const live = await lockLiveRequest(tx, input.repairJobId);
  if (live === undefined) return;
  await closeRequestIn(
    tx,
    live,
    { event: 'cancel', actor: 'system', reason: `the job was paid otherwise (${input.gp.id})` },
    false,
  );
  await jobs.send(TERMINAL_JOBS.close, {}, { tx });
}
