import { Logger } from '@nestjs/common';
import { EventsHandler, type IEventHandler } from '@nestjs/cqrs';
import { Push } from '../notifications/push.service.js';
import { RepairJobTransitioned } from '../repairs/repair-job-events.js';
import { CallRinging } from './call-events.js';
import { Calls } from './calls.service.js';

/** A job's reassignment, withdrawal or end takes the call away from whoever lost the right (after commit). */
@EventsHandler(RepairJobTransitioned)
export class RevokeCallsOfMovedJobs implements IEventHandler<RepairJobTransitioned> {
  private readonly logger = new Logger(RevokeCallsOfMovedJobs.name);

  constructor(private readonly calls: Calls) {}

  handle(e: RepairJobTransitioned): void {
    this.calls.onJobMoved(e).catch((err: unknown) => {
      this.logger.error(`ending the calls of repair job ${e.repairJobId} failed: ${String(err)}`);
    });
  }
}

/** The callee's devices ring (a push: the app may be in the background). */
@EventsHandler(CallRinging)
export class PushIncomingCall implements IEventHandler<CallRinging> {
  constructor(private readonly push: Push) {}

  handle(e: CallRinging): Promise<void> {
    return this.push.notify(e.recipientIds, 'calls', {
      title: e.kind === 'video' ? 'Incoming video call' : 'Incoming call',
      body: `${e.callerName} is calling about your repair`,
      data: { type: 'call', callId: e.callId, repairJobId: e.repairJobId, kind: e.kind },
    });
  }
}
