import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { IdentityModule } from '../identity/identity.module.js';
import { RepairsModule } from '../repairs/repairs.module.js';
import { ImeiReencryptCommand } from './cli/imei-reencrypt.command.js';
import { ImeiVault } from './imei-vault.js';
import { AgentTokenGuard, RelayGuard } from './tunnel-guards.js';
import { RelayReports } from './relay-reports.service.js';
import {
  AdminRemoteController,
  RemoteConsentController,
  RemoteSessionsController,
  TechnicianRemoteController,
  TunnelController,
} from './remote.controller.js';
import { RemoteConsents } from './remote-consents.service.js';
import { EndSessionsOfMovedJobs } from './remote-handlers.js';
import { RemoteImeis } from './remote-imeis.service.js';
import { RemoteSessions } from './remote-sessions.service.js';
import { TunnelRelays } from './tunnel-relays.js';

/**
 * Remote repair (README "Remote repair", docs/remote-tunnel.md): the customer's consent, the IMEI
 * vault, remote sessions and what the tunnel's relays and agents exchange with the API.
 */
@Module({
  imports: [AuditModule, IdentityModule, RepairsModule],
  controllers: [
    RemoteConsentController,
    TechnicianRemoteController,
    RemoteSessionsController,
    TunnelController,
    AdminRemoteController,
  ],
  providers: [
    ImeiVault,
    TunnelRelays,
    RelayGuard,
    AgentTokenGuard,
    RemoteSessions,
    RemoteConsents,
    RemoteImeis,
    RelayReports,
    EndSessionsOfMovedJobs,
    ImeiReencryptCommand,
  ],
  exports: [ImeiReencryptCommand],
})
export class RemoteModule {}
