import { Module } from '@nestjs/common';
import { AccessTokenVerifier, PrincipalSource } from '../access/access-token-verifier.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { AccountRecoveryService } from './account-recovery.service.js';
import { AccountSecrets } from './account-secrets.js';
import { AccountStatusHooks } from './account-status-hooks.js';
import { AccountsController } from './accounts.controller.js';
import { AccountsRepository } from './accounts.repository.js';
import { AccountsService } from './accounts.service.js';
import { AdminAccountsController } from './admin-accounts.controller.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { KycDocumentBodyParser } from './kyc-document-body.parser.js';
import { AdminKycDocumentsController, KycDocumentsController } from './kyc-documents.controller.js';
import { KycDocuments } from './kyc-documents.service.js';
import { CreateAdminCommand } from './cli/create-admin.command.js';
import { SeedDemoCommand } from './cli/seed-demo.command.js';
import { LoginThrottleRepository } from './login-throttle.repository.js';
import { MfaRepository } from './mfa.repository.js';
import { MfaService } from './mfa.service.js';
import { OneTimeCodesRepository } from './one-time-codes.repository.js';
import { PasswordHasher } from './password-hasher.js';
import { SessionIssuer } from './session-issuer.js';
import { SessionPrincipals } from './session-principals.js';
import { SessionsRepository } from './sessions.repository.js';
import { TokenService } from './token.service.js';

@Module({
  imports: [NotificationsModule, StorageModule],
  controllers: [
    AuthController,
    AccountsController,
    AdminAccountsController,
    KycDocumentsController,
    AdminKycDocumentsController,
  ],
  providers: [
    AccountRecoveryService,
    AccountSecrets,
    AccountStatusHooks,
    CreateAdminCommand,
    SeedDemoCommand,
    AccountsRepository,
    AccountsService,
    AuthService,
    KycDocumentBodyParser,
    KycDocuments,
    LoginThrottleRepository,
    MfaRepository,
    MfaService,
    OneTimeCodesRepository,
    PasswordHasher,
    SessionIssuer,
    SessionPrincipals,
    SessionsRepository,
    TokenService,
    { provide: AccessTokenVerifier, useExisting: TokenService },
    { provide: PrincipalSource, useExisting: SessionPrincipals },
  ],
  exports: [
    AccessTokenVerifier,
    PrincipalSource,
    AccountSecrets,
    AccountStatusHooks,
    AccountsService,
    TokenService,
    PasswordHasher,
    CreateAdminCommand,
    SeedDemoCommand,
  ],
})
export class IdentityModule {}
