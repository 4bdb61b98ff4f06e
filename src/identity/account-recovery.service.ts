import { randomInt, randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { isStaff } from '../common/roles.js';
import { AuditService } from '../audit/audit.service.js';
import { AppProblem } from '../common/errors/problem.js';
import type { RequestMeta } from '../common/request-meta.js';
import { TransactionRunner } from '../database/transaction.js';
import { NotificationSender, type OutboundMessage } from '../notifications/notification-sender.js';
import { AccountSecrets } from './account-secrets.js';
import { AccountsRepository } from './accounts.repository.js';
import { LoginThrottleRepository } from './login-throttle.repository.js';
import { OneTimeCodesRepository, type CodePurpose } from './one-time-codes.repository.js';
import { PasswordHasher } from './password-hasher.js';
import { SessionsRepository } from './sessions.repository.js';

/** Limits of e-mailed and texted codes (README "Accounts: reset, phone OTP, 2FA"). */
export const ONE_TIME_CODE = {
  ttlSeconds: 600,
  maxAttempts: 5,
  /** A new code for the same purpose is not sent within this many seconds of the last one. */
  resendAfterSeconds: 60,
} as const;

const invalidCode = (): AppProblem =>
  new AppProblem(
    400,
    'auth/invalid-code',
    'Invalid code',
    'The code is wrong, expired or already used; request a new one',
    { errors: [{ field: 'code', in: 'body', messages: ['the code is wrong, expired or used'] }] },
  );

const sixDigits = (): string => String(randomInt(1_000_000)).padStart(6, '0');

/** Password reset by a code sent to the account's e-mail or phone, and phone verification by SMS. */
@Injectable()
export class AccountRecoveryService {
  private readonly logger = new Logger(AccountRecoveryService.name);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly accounts: AccountsRepository,
    private readonly codes: OneTimeCodesRepository,
    private readonly sessions: SessionsRepository,
    private readonly throttle: LoginThrottleRepository,
    private readonly hasher: PasswordHasher,
    private readonly secrets: AccountSecrets,
    private readonly audit: AuditService,
    private readonly sender: NotificationSender,
  ) {}

  /**
   * Sends a reset code to `identifier` (an e-mail gets an e-mail, a phone an SMS) if an account that
   * may sign in has it. The caller learns nothing either way: the same answer, whether or not a code
   * was sent (none is within a minute of the last).
   */
  async requestPasswordReset(identifier: string): Promise<void> {
    const id = identifier.trim().toLowerCase();
    const user = await this.accounts.findForLogin(id);
    if (!user || user.status === 'blocked') return;
    const channel = id.startsWith('+') ? 'sms' : 'email';
    const code = await this.issue(user.id, 'password_reset', channel);
    if (!code) return;
    await this.deliver({
      channel,
      to: id,
      purpose: 'password_reset',
      subject: 'Your FixBazaar password reset code',
      text: `Your FixBazaar password reset code is ${code}. It expires in 10 minutes. If you did not ask for it, ignore this message.`,
      code,
    });
  }

  /** Sets a new password with a reset code and ends every session of the account. */
  async confirmPasswordReset(
    identifier: string,
    code: string,
    newPassword: string,
    meta: RequestMeta,
  ): Promise<number> {
    const user = await this.accounts.findForLogin(identifier.trim().toLowerCase());
    if (!user || user.status === 'blocked') throw invalidCode();
    const newHash = await this.hasher.hash(newPassword);
    const revoked = await this.tx.run(async (tx) => {
      if (!(await this.consume(tx, user.id, 'password_reset', code))) return null;
      await this.accounts.setPasswordHash(tx, user.id, newHash);
      await this.throttle.clear(tx, `account:${identifier.trim().toLowerCase()}`);
      const n = await this.sessions.revokeAll(tx, user.id, 'password_reset');
      if (isStaff(user.role)) {
        await this.audit.record(tx, meta, {
          action: 'account.password_reset',
          targetType: 'user',
          targetId: user.id,
          reason: 'password reset by a one-time code',
          after: { sessionsRevoked: n },
        });
      }
      return n;
    });
    if (revoked === null) throw invalidCode();
    return revoked;
  }

  /** Texts a verification code to the account's phone (at signup, or on request). */
  async sendPhoneCode(userId: string): Promise<void> {
    const account = await this.accounts.findById(null, userId);
    if (!account?.phone) {
      throw new AppProblem(
        409,
        'account/no-phone',
        'No phone number',
        'This account has no phone number to verify',
      );
    }
    if (account.phone_verified_at) {
      throw new AppProblem(
        409,
        'account/phone-already-verified',
        'Phone already verified',
        'This phone number is already verified',
      );
    }
    const code = await this.issue(userId, 'phone_verification', 'sms');
    if (!code) {
      throw new AppProblem(
        429,
        'account/code-recently-sent',
        'Code recently sent',
        `A code was sent less than ${ONE_TIME_CODE.resendAfterSeconds} s ago; wait before asking again`,
        {},
        { 'retry-after': String(ONE_TIME_CODE.resendAfterSeconds) },
      );
    }
    await this.deliver({
      channel: 'sms',
      to: account.phone,
      purpose: 'phone_verification',
      text: `Your FixBazaar verification code is ${code}. It expires in 10 minutes.`,
      code,
    });
  }

  /** Marks the account's phone verified with the code texted to it. */
  async verifyPhone(userId: string, code: string): Promise<void> {
    const ok = await this.tx.run(async (tx) => {
      if (!(await this.consume(tx, userId, 'phone_verification', code))) return false;
      await this.accounts.setPhoneVerified(tx, userId);
      return true;
    });
    if (!ok) throw invalidCode();
  }

  /** A new code (replacing open ones), or null within the resend interval of the last one. */
  private async issue(
    userId: string,
    purpose: CodePurpose,
    channel: 'email' | 'sms',
  ): Promise<string | null> {
    const code = sixDigits();
    const id = randomUUID();
    return this.tx.run(async (tx) => {
      if (await this.codes.issuedWithin(tx, userId, purpose, ONE_TIME_CODE.resendAfterSeconds))
        return null;
      await this.codes.replace(tx, {
        id,
        userId,
        purpose,
        channel,
        codeHash: this.secrets.hashCode(id, code),
        ttlSeconds: ONE_TIME_CODE.ttlSeconds,
      });
      return code;
    });
  }

  /** Uses the open code if `code` matches; a wrong one counts an attempt (committed by the caller). */
  private async consume(
    tx: EntityManager,
    userId: string,
    purpose: CodePurpose,
    code: string,
  ): Promise<boolean> {
    const open = await this.codes.lockOpen(tx, userId, purpose);
    if (!open) return false;
    if (!this.secrets.codeMatches(open.id, code, open.codeHash)) {
      await this.codes.failAttempt(tx, open.id, ONE_TIME_CODE.maxAttempts);
      return false;
    }
    await this.codes.use(tx, open.id);
    return true;
  }

  /**
   * After commit (never inside the transaction). A failure is logged, not answered: the reset request
   * must not tell whether a message was due, and a lost code is recovered by asking again.
   */
  private async deliver(message: OutboundMessage): Promise<void> {
    try {
      await this.sender.send(message);
    } catch (err) {
      this.logger.error(`${message.purpose} message not sent: ${(err as Error).message}`);
    }
  }
}
