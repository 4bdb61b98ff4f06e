/**
 * The port through which a repair job's view names its open dispute: disputes sit above repairs
 * (they move a job to `disputed` and back through `lockRepairJob`/`applyRepairTransition`), so the
 * disputes module registers its side at start (src/disputes/dispute-store.ts, `openDisputeOfJobIn`);
 * until it has, reading a disputed job is an error, never a silent null.
 */
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/** The id of the job's open (unresolved) dispute, if any, in the caller's transaction. */
export type OpenDisputeOfJob = (tx: EntityManager, repairJobId: string) => Promise<string | null>;

@Injectable()
export class RepairJobDisputes {
  private side: OpenDisputeOfJob | undefined;

  register(side: OpenDisputeOfJob): void {
    this.side = side;
  }

  openDisputeIdIn(tx: EntityManager, repairJobId: string): Promise<string | null> {
    if (this.side === undefined)
      throw new Error('a disputed repair job needs the disputes module (none registered)');
    return this.side(tx, repairJobId);
  }
}
