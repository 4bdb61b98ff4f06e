import { Module } from '@nestjs/common';
import { AccountStatusHooks } from './account-status-hooks.js';
import { AccountsController } from './accounts.controller.js';
import { AccountsRepository } from './accounts.repository.js';
import { AccountsService } from './accounts.service.js';
import { AdminAccountsController } from './admin-accounts.controller.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { CreateAdminCommand } from './cli/create-admin.command.js';
import { SeedDemoCommand } from './cli/seed-demo.command.js';
import { LoginThrottleRepository } from './login-throttle.repository.js';
import { PasswordHasher } from './password-hasher.js';
import { SessionsRepository } from './sessions.repository.js';
import { TokenService } from './token.service.js';

@Module({
  controllers: [AuthController, AccountsController, AdminAccountsController],
  providers: [
    AccountStatusHooks,
    CreateAdminCommand,
    SeedDemoCommand,
    AccountsRepository,
    AccountsService,
    AuthService,
    LoginThrottleRepository,
    PasswordHasher,
    SessionsRepository,
    TokenService,
  ],
  exports: [
    AccountStatusHooks,
    AccountsService,
    TokenService,
    PasswordHasher,
    CreateAdminCommand,
    SeedDemoCommand,
  ],
})
export class IdentityModule {}
