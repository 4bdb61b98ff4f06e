import { Inject, Injectable } from '@nestjs/common';
import type { CliCommand } from '../../common/cli-command.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import { DEMO_ACCOUNTS } from '../../identity/cli/seed-demo.command.js';
import { RouteAccountsService } from './route-accounts.service.js';

/**
 * `seed:route`: the approved demo dealers onboarded on Razorpay Route through the onboarding code a
 * dealer's approval runs (seed:demo creates them approved, so no approval wrote their intent): the
 * intent and job (when missing), then the onboarding job's handler, which creates the linked account
 * at the gateway and records it — `activated` when the gateway activates it at once (the local
 * sandbox with --activate-accounts, as `npm run up` starts it), else `created` until Razorpay's
 * `account.activated` webhook. A recorded account the gateway no longer knows (a restarted sandbox)
 * is onboarded again. Idempotent; refused in production.
 */
@Injectable()
export class SeedRouteCommand implements CliCommand {
  readonly name = 'seed:route';
  readonly description =
    'Onboard the approved demo dealers on Razorpay Route (linked accounts; run seed:demo first)';

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly transactions: TransactionRunner,
    private readonly routeAccounts: RouteAccountsService,
  ) {}

  async run(): Promise<number> {
    if (this.config.env === 'production') {
      console.error('seed:route: refused with NODE_ENV=production');
      return 1;
    }
    const emails = DEMO_ACCOUNTS.filter((a) => a.role === 'dealer' && a.status === 'approved').map(
      (a) => a.email,
    );
    const { rows: dealers } = await this.transactions.run((tx) =>
      execute<{ id: string; email: string }>(
        tx,
        `SELECT id::text AS id, email::text AS email FROM users
         WHERE email = ANY($1::text[]) AND role = 'dealer' AND status = 'approved' ORDER BY email`,
        [emails],
      ),
    );
    if (dealers.length === 0) {
      console.error('seed:route: no approved demo dealer (run seed:demo first)');
      return 1;
    }
    let failed = 0;
    for (const d of dealers) {
      await this.transactions.run((tx) => this.routeAccounts.requestOnboarding(tx, d.id));
      await this.routeAccounts.forgetUnknownAccount(d.id);
      await this.routeAccounts.onboard(d.id);
      const account = await this.routeAccounts.get(d.id);
      if (account.status === 'failed') failed++;
      console.log(
        `route: ${d.email} ${account.status}${account.gatewayAccountId ? ` ${account.gatewayAccountId}` : ''}` +
          (account.lastError ? ` (${account.lastError})` : ''),
      );
    }
    return failed > 0 ? 1 : 0;
  }
}
