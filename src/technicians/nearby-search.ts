import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../database/transaction.js';
import { NearbyStandings, type NearbyStanding } from './nearby-standings.js';
import { NEARBY_SQL, nearbyParams, type NearbyRow, type NearbySearch } from './technician-store.js';

/**
 * The customers' nearby search, planned once per connection (`TransactionRunner.planned`) instead
 * of for every search's point: left to choose, PostgreSQL plans each search afresh (its estimate of
 * the generic plan is poor, though the plan is the same KNN index scan), which costs about as much
 * again as running it (docs/performance.md, "The nearby statement planned once").
 *
 * The statement is the list (`NEARBY_SQL`) with each row's standing joined to it (the registered
 * `StandingsSource`), so a page of the list is one round trip to PostgreSQL.
 */
const NEARBY_WITH_STANDINGS_STATEMENT = 'technicians.nearby-with-standings';

@Injectable()
export class NearbySearches {
  private statement: string | undefined;

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly standings: NearbyStandings,
  ) {}

  /** A page of the list, each technician with its standing. */
  async find(q: NearbySearch): Promise<(NearbyRow & { standing: NearbyStanding })[]> {
    const source = this.standings.source;
    this.statement ??= `SELECT n.*, s.* FROM (${NEARBY_SQL}) n
      LEFT JOIN LATERAL (${source.sql('n.id::uuid')}) s ON true
     ORDER BY n.distance_m, n.id`;
    const { rows } = await this.transactions.planned.once<NearbyRow>(
      this.statement,
      nearbyParams(q),
      NEARBY_WITH_STANDINGS_STATEMENT,
    );
    const standings = await source.read(rows);
    return rows.map((r, i) => ({ ...r, standing: standings[i]! }));
  }
}
