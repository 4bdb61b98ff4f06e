import type { RepairJobEvent, RepairJobStatus } from './domain/repair-job-state.js';

/** A repair job moved through its state machine (one per history row). Published after commit. */
export class RepairJobTransitioned {
  constructor(
    readonly repairJobId: string,
    readonly customerId: string,
    readonly technicianId: string | null,
    readonly event: RepairJobEvent,
    readonly from: RepairJobStatus,
    readonly to: RepairJobStatus,
  ) {}
}
