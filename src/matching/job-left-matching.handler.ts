import { Logger } from '@nestjs/common';
import { EventsHandler, type IEventHandler } from '@nestjs/cqrs';
import { RepairJobTransitioned } from '../repairs/repair-job-events.js';
import { RepairOffers } from './repair-offers.service.js';

const REASONS: Partial<Record<RepairJobTransitioned['event'], string>> = {
  assign: 'staff assigned the job',
  cancel: 'the job was cancelled',
};

/**
 * A matching job staff assigned or that was cancelled: its open offer is withdrawn right after that
 * commits, not when its timer runs (the timer stays the safety net: it withdraws an offer whose job
 * left matching). An accepted offer or an exhausted job has none open.
 */
@EventsHandler(RepairJobTransitioned)
export class WithdrawOffersOfJobsLeavingMatching implements IEventHandler<RepairJobTransitioned> {
  private readonly logger = new Logger(WithdrawOffersOfJobsLeavingMatching.name);

  constructor(private readonly offers: RepairOffers) {}

  handle(e: RepairJobTransitioned): void {
    const reason = e.from === 'matching' ? REASONS[e.event] : undefined;
    if (reason === undefined) return;
    this.offers.withdrawOpenOffer(e.repairJobId, reason).catch((err: unknown) => {
      this.logger.error(
        `withdrawing the open offer of repair job ${e.repairJobId} failed (its timer will): ${String(err)}`,
      );
    });
  }
}
