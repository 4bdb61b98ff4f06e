import { Module, type DynamicModule } from '@nestjs/common';
import { coreImports } from '../app.module.js';
import type { AppConfig } from '../config/app-config.js';
import { CLI_COMMANDS, type CliCommand } from '../common/cli-command.js';
import { DbStatusCommand } from './db-status.command.js';
import { AuditModule } from '../audit/audit.module.js';
import { SeedCatalogCommand } from '../catalog/cli/seed-catalog.command.js';
import { AuditHeadCommand } from '../audit/cli/audit-head.command.js';
import { AuditVerifyCommand } from '../audit/cli/audit-verify.command.js';
import { CreateAdminCommand } from '../identity/cli/create-admin.command.js';
import { SeedDemoCommand } from '../identity/cli/seed-demo.command.js';
import { IdentityModule } from '../identity/identity.module.js';
import { LedgerReplayCommand } from '../ledger/cli/ledger-replay.command.js';
import { LedgerSealCommand } from '../ledger/cli/ledger-seal.command.js';
import { LedgerTrialBalanceCommand } from '../ledger/cli/ledger-trial-balance.command.js';
import { LedgerVerifyCommand } from '../ledger/cli/ledger-verify.command.js';
import { LedgerModule } from '../ledger/ledger.module.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { SeedPayeesCommand } from '../payouts/payees/seed-payees.command.js';
import { PayoutsModule } from '../payouts/payouts.module.js';
import { SeedRouteCommand } from '../payouts/route/seed-route.command.js';
import { ImeiReencryptCommand } from '../remote/cli/imei-reencrypt.command.js';
import { RemoteModule } from '../remote/remote.module.js';

/** Commands that live in (and are exported by) their domain module. */
const MODULE_COMMANDS = [
  CreateAdminCommand,
  SeedDemoCommand,
  SeedPayeesCommand,
  SeedRouteCommand,
  ImeiReencryptCommand,
];

const COMMANDS = [
  DbStatusCommand,
  AuditVerifyCommand,
  AuditHeadCommand,
  LedgerVerifyCommand,
  LedgerReplayCommand,
  LedgerSealCommand,
  LedgerTrialBalanceCommand,
  SeedCatalogCommand,
];

@Module({})
export class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [
        ...(coreImports(config) ?? []),
        AuditModule,
        IdentityModule,
        LedgerModule,
        JobsModule,
        PayoutsModule,
        RemoteModule,
      ],
      providers: [
        ...COMMANDS,
        {
          provide: CLI_COMMANDS,
          inject: [...COMMANDS, ...MODULE_COMMANDS],
          useFactory: (...commands: CliCommand[]) => commands,
        },
      ],
    };
  }
}
