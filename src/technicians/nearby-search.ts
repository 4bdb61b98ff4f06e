import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { NearbyStandings, type NearbyStanding } from './nearby-standings.js';
import { NEARBY_SQL, nearbyParams, type NearbyRow, type NearbySearch } from './technician-store.js';

/**
 * The customers' nearby search runs on connections of its own, which plan its statement once
 * (`plan_cache_mode = force_generic_plan`) instead of for every search's point: left to choose,
 * PostgreSQL plans each search afresh (its estimate of the generic plan is poor, though the plan is
 * the same KNN index scan), which costs about as much again as running it (docs/performance.md,
 * "The nearby statement planned once"). Only this statement runs there; every other statement keeps
 * the main pool's default. A few connections: a search is one short read. The setting is made by a
 * statement on each new connection, not a startup parameter: PgBouncer drops those
 * (deploy/base/platform/pgbouncer.yaml).
 *
 * The statement is the list (`NEARBY_SQL`) with each row's standing joined to it (the registered
 * `StandingsSource`), so a page of the list is one round trip to PostgreSQL.
 */
export const NEARBY_SESSION_SETUP = 'SET plan_cache_mode = force_generic_plan';
const NEARBY_POOL_MAX = 4;
const NEARBY_WITH_STANDINGS_STATEMENT = 'technicians.nearby-with-standings';

@Injectable()
export class NearbySearches implements OnApplicationShutdown {
  private readonly logger = new Logger(NearbySearches.name);
  private readonly pool: pg.Pool;
  private statement: string | undefined;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly standings: NearbyStandings,
  ) {
    this.pool = new pg.Pool({
      connectionString: config.database.url,
      application_name: 'fixbazaar-nearby',
      max: NEARBY_POOL_MAX,
      statement_timeout: config.database.statementTimeoutMs,
      connectionTimeoutMillis: config.database.poolWaitMs,
    });
    // Queued on the new connection ahead of its first search.
    this.pool.on('connect', (client) => {
      client
        .query(NEARBY_SESSION_SETUP)
        .catch((err: Error) =>
          this.logger.warn(`nearby search connection setup failed: ${err.message}`),
        );
    });
    // An idle connection that fails is dropped by the pool; the next search opens another.
    this.pool.on('error', (err) =>
      this.logger.warn(`nearby search connection lost: ${err.message}`),
    );
  }

  /** A page of the list, each technician with its standing. */
  async find(q: NearbySearch): Promise<(NearbyRow & { standing: NearbyStanding })[]> {
    const source = this.standings.source;
    this.statement ??= `SELECT n.*, s.* FROM (${NEARBY_SQL}) n
      LEFT JOIN LATERAL (${source.sql('n.id::uuid')}) s ON true
     ORDER BY n.distance_m, n.id`;
    const { rows } = await this.pool.query<NearbyRow>({
      name: NEARBY_WITH_STANDINGS_STATEMENT,
      text: this.statement,
      values: nearbyParams(q),
    });
    const standings = await source.read(rows);
    return rows.map((r, i) => ({ ...r, standing: standings[i]! }));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
