import { Logger } from '@nestjs/common';
import { EventsHandler, type IEventHandler } from '@nestjs/cqrs';
import { RepairJobTransitioned } from '../../repairs/repair-job-events.js';
import { PaymentTerminal } from './payment-terminal.service.js';

const REASONS: Partial<Record<RepairJobTransitioned['event'], string>> = {
  withdraw: 'the technician withdrew from the job',
  reassign: 'the job was reassigned',
  cancel: 'the job was cancelled',
  withdraw_supplement: 'the supplementary quote was withdrawn',
};

/** Moves within a state that take away what its open payment request asks for. */
const MOVES_OFF_PAYMENT = new Set<RepairJobTransitioned['event']>([
  'reassign',
  'withdraw_supplement',
]);

/**
 * A repair job that leaves its state or changes technician (withdrawn, reassigned, cancelled), or
 * whose unpaid supplement is withdrawn: its
 * open payment request is closed right after that commits and cancelled at the gateway
 * (`PaymentTerminal.closeForJob`), not left open until it expires. Expiry stays the safety net, and
 * a payment made meanwhile is refunded as unpayable. The job's `pay` is the capture's own
 * (`settleRequestsIn`).
 */
@EventsHandler(RepairJobTransitioned)
export class CloseRequestsOfJobsLeavingPayment implements IEventHandler<RepairJobTransitioned> {
  private readonly logger = new Logger(CloseRequestsOfJobsLeavingPayment.name);

  constructor(private readonly terminal: PaymentTerminal) {}

  handle(e: RepairJobTransitioned): void {
    if (e.event === 'pay' || (e.from === e.to && !MOVES_OFF_PAYMENT.has(e.event))) return;
    const reason = REASONS[e.event] ?? `the job is ${e.to.replace(/_/g, ' ')} now`;
    this.terminal.closeForJob(e.repairJobId, reason).catch((err: unknown) => {
      this.logger.error(
        `closing the payment request of repair job ${e.repairJobId} failed (it expires): ${String(err)}`,
      );
    });
  }
}
