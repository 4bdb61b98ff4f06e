import { Logger } from '@nestjs/common';
import { EventsHandler, type IEventHandler } from '@nestjs/cqrs';
import { RepairJobTransitioned } from '../repairs/repair-job-events.js';
import { RemoteSessions } from './remote-sessions.service.js';

/** A job closed (done, cancelled, …) or given to another technician ends its live sessions (after commit). */
@EventsHandler(RepairJobTransitioned)
export class EndSessionsOfMovedJobs implements IEventHandler<RepairJobTransitioned> {
  private readonly logger = new Logger(EndSessionsOfMovedJobs.name);

  constructor(private readonly sessions: RemoteSessions) {}

  handle(e: RepairJobTransitioned): void {
    this.sessions.onJobMoved(e).catch((err: unknown) => {
      this.logger.error(
        `ending the remote sessions of repair job ${e.repairJobId} failed: ${String(err)}`,
      );
    });
  }
}
