import { Module, RequestMethod, type DynamicModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { AppConfig } from './config/app-config.js';
import { StateTransitionModule } from './common/state-transition.js';
import { ConfigModule } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { AccessModule } from './access/access.module.js';
import { AuditModule } from './audit/audit.module.js';
import { CatalogModule } from './catalog/catalog.module.js';
import { ChatModule } from './chat/chat.module.js';
import { HealthModule } from './health/health.module.js';
import { IdentityModule } from './identity/identity.module.js';
import { JobsModule } from './jobs/jobs.module.js';
import { AnchorJobsModule } from './ledger/jobs/anchor-jobs.js';
import { LedgerJobsModule } from './ledger/jobs/ledger-jobs.js';
import { LedgerModule } from './ledger/ledger.module.js';
import { httpLoggerOptions } from './observability/logging.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { FraudModule } from './fraud/fraud.module.js';
import { OrdersModule } from './orders/orders.module.js';
import { DisputesModule } from './disputes/disputes.module.js';
import { EscrowModule } from './escrow/escrow.module.js';
import { GatewayModule } from './gateway/gateway.module.js';
import { PaymentsModule } from './payments/payments.module.js';
import { PayoutsModule } from './payouts/payouts.module.js';
import { ReconciliationModule } from './reconciliation/reconciliation.module.js';
import { ReturnsModule } from './returns/returns.module.js';
import { RateLimitGuard } from './rate-limit/rate-limit.guard.js';
import { RateLimitModule } from './rate-limit/rate-limit.module.js';
import { MatchingModule } from './matching/matching.module.js';
import { RatingsModule } from './ratings/ratings.module.js';
import { RepairsModule } from './repairs/repairs.module.js';
import { TechniciansModule } from './technicians/technicians.module.js';
import { CallsModule } from './calls/calls.module.js';
import { RemoteModule } from './remote/remote.module.js';
import { PushTriggersModule } from './push-triggers/push-triggers.module.js';

/** The modules every entry point shares: configuration, logging, database, CQRS buses. */
export function coreImports(
  config: AppConfig,
  logStream?: DestinationStream,
): DynamicModule['imports'] {
  return [
    ConfigModule.forRoot(config),
    LoggerModule.forRoot({
      pinoHttp: logStream ? [httpLoggerOptions(config), logStream] : httpLoggerOptions(config),
      // Probes and scrapes (every few seconds, from infrastructure) are neither logged nor given a request logger.
      forRoutes: [{ path: '*path', method: RequestMethod.ALL }],
      exclude: [
        { method: RequestMethod.GET, path: 'health/live' },
        { method: RequestMethod.GET, path: 'metrics' },
      ],
    }),
    CqrsModule.forRoot(),
    ObservabilityModule,
    DatabaseModule,
    StateTransitionModule,
  ];
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, logStream?: DestinationStream): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...(coreImports(config, logStream) ?? []),
        AuditModule,
        AccessModule.forRoot({
          imports: [IdentityModule, RateLimitModule],
          between: [RateLimitGuard],
        }),
        IdentityModule,
        JobsModule,
        LedgerModule,
        LedgerJobsModule,
        AnchorJobsModule,
        CatalogModule,
        OrdersModule,
        RepairsModule,
        TechniciansModule,
        RatingsModule,
        MatchingModule,
        GatewayModule,
        PayoutsModule,
        PaymentsModule,
        EscrowModule,
        DisputesModule,
        ReconciliationModule,
        ReturnsModule,
        FraudModule,
        CallsModule,
        RemoteModule,
        PushTriggersModule,
        ChatModule,
        HealthModule,
      ],
    };
  }
}
