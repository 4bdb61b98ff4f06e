import { Injectable } from '@nestjs/common';
import { DatabaseStatusService } from '../database/database-status.service.js';
import type { CliCommand } from '../common/cli-command.js';

/** `db:status`: reachability, versions and migrations as the application's role sees them. */
@Injectable()
export class DbStatusCommand implements CliCommand {
  readonly name = 'db:status';
  readonly description =
    'Show the database the app uses: reachable, versions, migrations applied/pending (--json)';

  constructor(private readonly db: DatabaseStatusService) {}

  async run(args: string[]): Promise<number> {
    const s = await this.db.status();
    if (args.includes('--json')) {
      console.log(JSON.stringify(s, null, 2));
    } else if (!s.reachable) {
      console.log(`database: unreachable (${s.error})`);
    } else {
      console.log(`database:   ${s.database} as ${s.role}`);
      console.log(`postgres:   ${s.serverVersion}`);
      console.log(`postgis:    ${s.postgisVersion ?? 'not installed'}`);
      console.log(
        `migrations: ${s.migrations.applied.length} applied, ${s.migrations.pending.length} pending`,
      );
      for (const name of s.migrations.pending) console.log(`  pending  ${name}`);
      for (const name of s.migrations.unknown)
        console.log(`  unknown  ${name} (applied, not in this build)`);
    }
    return s.reachable && s.migrations.pending.length === 0 ? 0 : 1;
  }
}
