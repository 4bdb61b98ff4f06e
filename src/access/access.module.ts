import { Module, type CanActivate, type DynamicModule, type Type } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthenticationGuard } from './authentication.guard.js';
import { PolicyGuard } from './policy.guard.js';

export interface AccessOptions {
  /** Modules providing what the guards need: an `AccessTokenVerifier` and the `between` guards' dependencies. */
  imports: NonNullable<DynamicModule['imports']>;
  /** Global guards run after authentication and before the policy check (the rate limit). */
  between: Type<CanActivate>[];
}

/**
 * The global guards, in order: who is calling (AuthenticationGuard), then `between` (may they call this
 * often: the app passes RateLimitGuard), then may they call this at all (PolicyGuard). The modules that
 * implement them are passed in by the application, so access imports no feature.
 */
@Module({})
export class AccessModule {
  static forRoot(options: AccessOptions): DynamicModule {
    return {
      module: AccessModule,
      imports: options.imports,
      providers: [
        { provide: APP_GUARD, useClass: AuthenticationGuard },
        ...options.between.map((guard) => ({ provide: APP_GUARD, useClass: guard })),
        { provide: APP_GUARD, useClass: PolicyGuard },
      ],
    };
  }
}
