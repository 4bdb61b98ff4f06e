import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { migrations } from '../../migrations/index.js';
import { MIGRATIONS_TABLE } from './data-source-options.js';

export interface DatabaseStatus {
  reachable: boolean;
  serverVersion?: string;
  postgisVersion?: string;
  database?: string;
  role?: string;
  migrations: { applied: string[]; pending: string[]; unknown: string[] };
  error?: string;
}

/** What the database looks like from the application's connection: reachable, versions, migrations applied. */
@Injectable()
export class DatabaseStatusService {
  constructor(private readonly dataSource: DataSource) {}

  async status(): Promise<DatabaseStatus> {
    const known = migrations.map((m) => m.name);
    try {
      const [info] = (await this.dataSource.query(
        `SELECT current_setting('server_version') AS server_version, current_database() AS database, current_user AS role,
                (SELECT extversion FROM pg_extension WHERE extname = 'postgis') AS postgis_version,
                to_regclass($1) IS NOT NULL AS has_migrations`,
        [MIGRATIONS_TABLE],
      )) as {
        server_version: string;
        database: string;
        role: string;
        postgis_version: string | null;
        has_migrations: boolean;
      }[];
      const applied = info.has_migrations
        ? (
            (await this.dataSource.query(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY id`)) as {
              name: string;
            }[]
          ).map((r) => r.name)
        : [];
      return {
        reachable: true,
        serverVersion: info.server_version,
        postgisVersion: info.postgis_version ?? undefined,
        database: info.database,
        role: info.role,
        migrations: {
          applied,
          pending: known.filter((n) => !applied.includes(n)),
          unknown: applied.filter((n) => !known.includes(n)),
        },
      };
    } catch (err) {
      return {
        reachable: false,
        migrations: { applied: [], pending: known, unknown: [] },
        error: (err as Error).message,
      };
    }
  }
}
