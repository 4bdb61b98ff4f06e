/**
 * The port through which a software job's booking stores the IMEI the customer gave: the IMEI vault
 * is remote repair's (src/remote/, above repairs), which registers its side at start
 * (`RemoteImeis.recordIn`); until it has, a booking with an IMEI is an error, never a silent drop.
 */
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/** Stores the job's IMEI (encrypted) in the caller's transaction, recorded by `userId`. */
export type RecordJobImei = (
  tx: EntityManager,
  repairJobId: string,
  imei: string,
  userId: string,
) => Promise<void>;

@Injectable()
export class RepairJobImeis {
  private side: RecordJobImei | undefined;

  register(side: RecordJobImei): void {
    this.side = side;
  }

  recordIn(tx: EntityManager, repairJobId: string, imei: string, userId: string): Promise<void> {
    if (this.side === undefined)
      throw new Error('an IMEI needs the remote repair module (none registered)');
    return this.side(tx, repairJobId, imei, userId);
  }
}
