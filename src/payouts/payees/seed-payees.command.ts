import { Inject, Injectable } from '@nestjs/common';
import { type CliCommand, demoSeedMeta, demoSeedRefused } from '../../common/cli-command.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { TransactionRunner } from '../../database/transaction.js';
import { approvedDemoAccountsIn, DEMO_ACCOUNTS } from '../../identity/cli/seed-demo.command.js';
import { PayeeSettlementService } from './payee-settlement.service.js';

/**
 * `seed:payees`: the approved demo technicians submit their settlement details (their PAN, an
 * individual's account at HDFC) as payees, through the code production runs — validated, the
 * account number sealed, audited, held for staff review — so with their brands on file (seed:demo)
 * they are ready for jobs: they go active and staff assign them. The review is left to the demo
 * finance account (maker-checker; approving them onboards them on Route). Nothing reaches the
 * gateway. Idempotent (a technician with details submitted is skipped); refused in production.
 */
@Injectable()
export class SeedPayeesCommand implements CliCommand {
  readonly name = 'seed:payees';
  readonly description =
    "Submit the approved demo technicians' settlement details, so they are ready for jobs (run seed:demo first)";

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly transactions: TransactionRunner,
    private readonly details: PayeeSettlementService,
  ) {}

  async run(): Promise<number> {
    if (demoSeedRefused(this.name, this.config.env)) return 1;
    const technicians = await this.transactions.run((tx) =>
      approvedDemoAccountsIn(tx, 'technician'),
    );
    if (technicians.length === 0) {
      console.error('seed:payees: no approved demo technician (run seed:demo first)');
      return 1;
    }
    for (const [n, tech] of technicians.entries()) {
      const { active, pending } = await this.details.current(tech.id);
      if (active === null && pending === null)
        await this.details.submit(
          { kind: 'technician', id: tech.id },
          {
            // Its PAN on file (demo accounts seeded before technicians had one: the listed one).
            pan: tech.pan ?? DEMO_ACCOUNTS.find((a) => a.email === tech.email)!.pan!,
            businessType: 'individual',
            beneficiaryName: tech.name,
            ifsc: 'HDFC0000317',
            accountNumber: `5010098765${String(n + 1).padStart(4, '0')}`,
          },
          demoSeedMeta(this.name, tech.id, 'technician'),
        );
      console.log(
        `payees: ${tech.email} settlement details ${active !== null ? 'approved' : 'submitted'}`,
      );
    }
    return 0;
  }
}
