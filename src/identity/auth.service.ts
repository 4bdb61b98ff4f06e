import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { AppProblem } from '../common/errors/problem.js';
import type { RequestMeta } from '../common/request-meta.js';
import { TransactionRunner } from '../database/transaction.js';
import { isStaff } from '../common/roles.js';
import { AccountsRepository } from './accounts.repository.js';
import { recordFailure, throttleVerdict, type ThrottleVerdict } from './domain/login-throttle.js';
import type { MfaChallengeDto, TokensDto } from './dto/auth.dto.js';
import { LoginThrottleRepository } from './login-throttle.repository.js';
import { MfaService } from './mfa.service.js';
import { PasswordHasher } from './password-hasher.js';
import { SessionIssuer } from './session-issuer.js';
import { SessionsRepository } from './sessions.repository.js';
import { TokenService } from './token.service.js';

const invalidCredentials = (): AppProblem =>
  new AppProblem(
    401,
    'auth/invalid-credentials',
    'Unauthenticated',
    'The identifier or password is wrong',
  );

function throttled(v: Extract<ThrottleVerdict, { allowed: false }>): AppProblem {
  const seconds = Math.max(1, Math.ceil((v.retryAt.getTime() - Date.now()) / 1000));
  return new AppProblem(
    429,
    v.locked ? 'auth/locked' : 'auth/slow-down',
    v.locked ? 'Too many failed sign-ins' : 'Slow down',
    v.locked
      ? `Sign-in is locked after repeated failures; try again at ${v.retryAt.toISOString()}`
      : `Too many failed sign-ins; wait ${seconds} s before trying again`,
    { retryAt: v.retryAt.toISOString(), retryAfterSeconds: seconds },
    { 'retry-after': String(seconds) },
  );
}

/** Sign-in (with staff's second factor, see MfaService), token refresh with rotation and reuse detection, sign-out, password change. */
@Injectable()
export class AuthService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tx: TransactionRunner,
    private readonly accounts: AccountsRepository,
    private readonly sessions: SessionsRepository,
    private readonly throttle: LoginThrottleRepository,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenService,
    private readonly issuer: SessionIssuer,
    private readonly mfa: MfaService,
  ) {}

  /**
   * Password sign-in. Staff (every staff role) get no session here but a second-factor challenge:
   * `mfa_required`, or `mfa_enrolment_required` until they enrol TOTP (MfaService).
   */
  async login(
    identifier: string,
    password: string,
    meta: RequestMeta,
  ): Promise<TokensDto | MfaChallengeDto> {
    const id = identifier.trim().toLowerCase();
    const keys = [`account:${id}`, `ip:${meta.ip}`].sort();
    const login = this.config.auth.login;
    const ipPolicy = {
      ...login,
      slowdownAfterFailures: login.slowdownAfterFailures * login.ipMultiplier,
      lockoutAfterFailures: login.lockoutAfterFailures * login.ipMultiplier,
    };
    const policyOf = (key: string) => (key.startsWith('ip:') ? ipPolicy : login);

    // Refuse early (no hashing) while a key is locked or slowed down.
    const before = await this.tx.run((tx) => this.throttle.get(tx, keys));
    for (const [key, record] of before) {
      const v = throttleVerdict(record, new Date(), policyOf(key));
      if (!v.allowed) throw throttled(v);
    }

    const user = await this.accounts.findForLogin(id);
    const ok = await this.hasher.verify(user?.password_hash ?? null, password);
    if (!ok || !user) {
      await this.tx.run(async (tx) => {
        const current = await this.throttle.get(tx, keys, true);
        const now = new Date();
        for (const key of keys) {
          await this.throttle.put(tx, key, recordFailure(current.get(key), now, policyOf(key)));
        }
      });
      throw invalidCredentials();
    }
    if (user.status === 'blocked') {
      throw new AppProblem(
        403,
        'auth/account-blocked',
        'Account blocked',
        'This account is blocked; contact support',
      );
    }
    if (isStaff(user.role)) {
      await this.tx.run((tx) => this.throttle.clear(tx, `account:${id}`));
      return this.mfa.challenge(user.id);
    }
    const opened = await this.tx.run(async (tx) => {
      await this.throttle.clear(tx, `account:${id}`);
      return this.issuer.open(tx, user.id, meta);
    });
    return this.issuer.tokensFor(user.id, user.role, opened.sessionId, opened.refreshToken);
  }

  /**
   * Exchanges a refresh token for a new pair. Each refresh token works once; presenting one that was
   * already rotated means it leaked, so the whole session (its token family) is revoked.
   */
  async refresh(token: string): Promise<TokensDto> {
    const next = this.tokens.newRefreshToken();
    const outcome = await this.tx.run(async (tx) => {
      const found = await this.sessions.lockRefreshToken(tx, TokenService.hashRefreshToken(token));
      if (!found) return { error: 'auth/invalid-refresh-token' } as const;
      if (found.revokedAt || found.expired) return { error: 'auth/session-ended' } as const;
      if (found.rotatedAt) {
        await this.sessions.revoke(tx, found.userId, found.sessionId, 'refresh_token_reuse');
        return { error: 'auth/refresh-token-reused' } as const;
      }
      const account = await this.accounts.findById(tx, found.userId);
      if (!account || account.status === 'blocked')
        return { error: 'auth/account-blocked' } as const;
      await this.sessions.rotate(tx, found.tokenId, found.sessionId, next.hash);
      return { userId: found.userId, role: account.role, sessionId: found.sessionId } as const;
    });
    if ('error' in outcome) {
      const detail: Record<string, string> = {
        'auth/invalid-refresh-token': 'The refresh token is not valid',
        'auth/session-ended': 'This session has ended; sign in again',
        'auth/refresh-token-reused':
          'This refresh token was already used; the session has been revoked for safety',
        'auth/account-blocked': 'This account is blocked',
      };
      const code: string = outcome.error ?? 'auth/invalid-refresh-token';
      throw new AppProblem(401, code, 'Unauthenticated', detail[code]);
    }
    return this.issuer.tokensFor(outcome.userId, outcome.role, outcome.sessionId, next.token);
  }

  async logout(userId: string, sessionId: string): Promise<void> {
    await this.tx.run((tx) => this.sessions.revoke(tx, userId, sessionId, 'logout'));
  }

  async logoutEverywhere(userId: string): Promise<number> {
    return this.tx.run((tx) => this.sessions.revokeAll(tx, userId, 'logout_everywhere'));
  }

  /** Changes the password and signs out every other session. */
  async changePassword(
    userId: string,
    sessionId: string,
    current: string,
    next: string,
  ): Promise<number> {
    const hash = await this.tx.run((tx) => this.accounts.passwordHash(tx, userId));
    if (!(await this.hasher.verify(hash ?? null, current))) {
      throw new AppProblem(
        403,
        'auth/wrong-password',
        'Forbidden',
        'The current password is wrong',
      );
    }
    if (current === next) {
      throw new AppProblem(
        422,
        'auth/password-unchanged',
        'Unprocessable',
        'The new password must differ from the current one',
      );
    }
    const newHash = await this.hasher.hash(next);
    return this.tx.run(async (tx) => {
      await this.accounts.setPasswordHash(tx, userId, newHash);
      return this.sessions.revokeAll(tx, userId, 'password_changed', sessionId);
    });
  }
}
