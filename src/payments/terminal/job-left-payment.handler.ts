import { Logger } from '@nestjs/common';
import { EventsHandler, type IEventHandler } from '@nestjs/cqrs';
import { RepairJobTransitioned } from '../../repairs/repair-job-events.js';
import { PaymentTerminal } from './payment-terminal.service.js';

const REASONS: Partial<Record<RepairJobTransitioned['event'], string>> = {
  withdraw: 'the technician withdrew from the job',
  reassign: 'the job was reassigned',
  cancel: 'the job was cancelled',
};

/**
 * A repair job that leaves its state or changes technician (withdrawn, reassigned, cancelled): its
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
    if (e.event === 'pay' || (e.from === e.to && e.event !== 'reassign')) return;
    const reason = REASONS[e.event] ?? `the job is ${e.to.replace(/_/g, ' ')} now`;
    this.terminal.closeForJob(e.repairJobId, reason).catch((err: unknown) => {
      this.logger.error(
        `closing the payment request of repair job ${e.repairJobId} failed (it expires): ${String(err)}`,
      );
    });
  }
}
