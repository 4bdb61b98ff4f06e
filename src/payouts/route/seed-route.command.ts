import { Inject, Injectable } from '@nestjs/common';
import { type CliCommand, demoSeedMeta, demoSeedRefused } from '../../common/cli-command.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { execute } from '../../database/sql.js';
import { TransactionRunner } from '../../database/transaction.js';
import { DEMO_ACCOUNTS } from '../../identity/cli/seed-demo.command.js';
import { PayeeSettlementService } from '../payees/payee-settlement.service.js';
import { RouteAccountsService } from './route-accounts.service.js';

/** The demo finance account, which approves the demo dealers' settlement details. */
const DEMO_REVIEWER = 'finance@demo.fixbazaar.in';

/** A business type from the PAN's holder character (P a person: proprietorship, C a company, F a firm). */
const BUSINESS_TYPE_OF_HOLDER: Record<string, string> = {
  P: 'proprietorship',
  C: 'private_limited',
  F: 'partnership',
};

/**
 * `seed:route`: the approved demo dealers onboarded on Razorpay Route through the code production
 * runs: each submits complete settlement details (its PAN and GSTIN, a business type, an HDFC
 * account) as the dealer, the demo finance account approves them (audited, as staff do), then the
 * onboarding job's handler runs every Route step — linked account, stakeholder, product
 * configuration — and ends `activated` when the gateway activates the product at once (the local
 * sandbox with --activate-accounts, as `npm run up` starts it), else `product_configured` until
 * Razorpay's activation. A recorded account the gateway no longer knows (a restarted sandbox) is
 * onboarded again. Idempotent; refused in production.
 */
@Injectable()
export class SeedRouteCommand implements CliCommand {
  readonly name = 'seed:route';
  readonly description =
    'Onboard the approved demo dealers on Razorpay Route (settlement details, linked accounts; run seed:demo first)';

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly transactions: TransactionRunner,
    private readonly routeAccounts: RouteAccountsService,
    private readonly details: PayeeSettlementService,
  ) {}

  async run(): Promise<number> {
    if (demoSeedRefused(this.name, this.config.env)) return 1;
    const emails = DEMO_ACCOUNTS.filter((a) => a.role === 'dealer' && a.status === 'approved').map(
      (a) => a.email,
    );
    const { rows: people } = await this.transactions.run((tx) =>
      execute<{
        id: string;
        email: string;
        role: string;
        pan: string | null;
        gstin: string | null;
        name: string;
      }>(
        tx,
        `SELECT id::text AS id, email::text AS email, role, pan, gstin,
                coalesce(business_name, display_name) AS name
         FROM users
         WHERE (email = ANY($1::text[]) AND role = 'dealer' AND status = 'approved')
            OR (email = $2 AND role = 'finance')
         ORDER BY email`,
        [emails, DEMO_REVIEWER],
      ),
    );
    const reviewer = people.find((p) => p.role === 'finance');
    const dealers = people.filter((p) => p.role === 'dealer');
    if (dealers.length === 0 || reviewer === undefined) {
      console.error(
        'seed:route: no approved demo dealer or demo finance account (run seed:demo first)',
      );
      return 1;
    }
    let failed = 0;
    for (const [n, d] of dealers.entries()) {
      const payee = { kind: 'dealer' as const, id: d.id };
      if ((await this.details.current(d.id)).active === null && d.pan !== null) {
        await this.details.submit(
          payee,
          {
            pan: d.pan,
            ...(d.gstin === null ? {} : { gstin: d.gstin }),
            businessType: BUSINESS_TYPE_OF_HOLDER[d.pan.charAt(3)] ?? 'other',
            beneficiaryName: d.name,
            ifsc: 'HDFC0000317',
            accountNumber: `5010012345${String(n + 1).padStart(4, '0')}`,
          },
          demoSeedMeta(this.name, d.id, 'dealer'),
        );
        await this.details.review(
          d.id,
          'approved',
          'demo data',
          demoSeedMeta(this.name, reviewer.id, 'finance'),
        );
      }
      await this.transactions.run((tx) => this.routeAccounts.requestOnboarding(tx, payee));
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
