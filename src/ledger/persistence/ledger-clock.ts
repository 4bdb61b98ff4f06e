import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { execute } from '../../database/sql.js';

/**
 * The ledger's notion of "now" (effective time of entries, hold deadlines, expiry). Production uses
 * the database's clock at the statement (`statement_timestamp()`, not the transaction's start: a
 * command inside a long caller transaction — executeIn — still gets the time it actually runs, so a
 * resolution is never dated before the hold it read, nor a deadline checked against a stale time);
 * the ledger-spec replay substitutes the scenario's event times.
 */
export abstract class LedgerClock {
  /** True when "now" is the database's clock (the service may then read it in a query of its own). */
  readonly isDatabaseTime: boolean = false;

  /** Milliseconds since the epoch, read inside the command's transaction. */
  abstract now(tx: EntityManager): Promise<number>;
}

@Injectable()
export class DatabaseClock extends LedgerClock {
  override readonly isDatabaseTime = true;

  async now(tx: EntityManager): Promise<number> {
    const { rows } = await execute<{ now: Date }>(tx, 'SELECT statement_timestamp() AS now');
    const row = rows[0];
    if (row === undefined) throw new Error('SELECT statement_timestamp() returned no row');
    return row.now.getTime();
  }
}
