import { randomInt } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Secret, TOTP } from 'otpauth';
import type { EntityManager } from 'typeorm';
import { isStaff, type Principal } from '../common/roles.js';
import { AuditService } from '../audit/audit.service.js';
import { AppProblem } from '../common/errors/problem.js';
import type { RequestMeta } from '../common/request-meta.js';
import { TransactionRunner } from '../database/transaction.js';
import { AccountSecrets } from './account-secrets.js';
import { AccountsRepository } from './accounts.repository.js';
import type {
  MfaChallengeDto,
  MfaEnrolledDto,
  MfaEnrolmentDto,
  TokensDto,
} from './dto/auth.dto.js';
import { MfaRepository } from './mfa.repository.js';
import { SessionIssuer } from './session-issuer.js';
import { SessionsRepository } from './sessions.repository.js';
import { TokenService } from './token.service.js';

/** Limits of staff two-factor sign-in (README "Accounts: reset, phone OTP, 2FA"). */
export const MFA = {
  challengeTtlSeconds: 300,
  /** Wrong codes per challenge; the challenge then ends (sign in again). */
  attemptsPerChallenge: 5,
  /** Wrong codes of one account within `lockWindowSeconds`, across challenges, before 429. */
  lockAfterFailures: 10,
  lockWindowSeconds: 900,
  recoveryCodes: 10,
  /** RFC 6238 defaults every authenticator app accepts; one step of clock drift either way. */
  totp: { algorithm: 'SHA1', digits: 6, period: 30, window: 1 },
} as const;

/** Recovery code alphabet: no 0/O, 1/I/L. */
const RECOVERY_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** A TOTP for `secretBase32` with the platform's parameters (`label`: the account's e-mail). */
export function platformTotp(secretBase32: string, label = 'FixBazaar'): TOTP {
  return new TOTP({
    issuer: 'FixBazaar',
    label,
    algorithm: MFA.totp.algorithm,
    digits: MFA.totp.digits,
    period: MFA.totp.period,
    secret: Secret.fromBase32(secretBase32),
  });
}

const challengeEnded = (): AppProblem =>
  new AppProblem(
    401,
    'auth/mfa-challenge-ended',
    'Unauthenticated',
    'This sign-in step has expired, was used or had too many wrong codes; sign in again',
  );

const normalizeRecoveryCode = (code: string): string => code.toUpperCase().replace(/[\s-]/g, '');

/**
 * Staff two-factor sign-in (TOTP, RFC 6238): a challenge after the password, enrolment confirmed by a
 * first code, verification by a TOTP code (each time step accepted once) or a single-use recovery code,
 * and an ops leader's audited reset.
 */
@Injectable()
export class MfaService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly repo: MfaRepository,
    private readonly accounts: AccountsRepository,
    private readonly sessions: SessionsRepository,
    private readonly secrets: AccountSecrets,
    private readonly tokens: TokenService,
    private readonly issuer: SessionIssuer,
    private readonly audit: AuditService,
  ) {}

  /** The second step after a staff member's password. */
  async challenge(userId: string): Promise<MfaChallengeDto> {
    const { id, enrolled } = await this.tx.run(async (tx) => {
      const enrolled = (await this.repo.totp(tx, userId))?.confirmed === true;
      const kind = enrolled ? 'verify' : 'enrol';
      return {
        id: await this.repo.createChallenge(tx, userId, kind, MFA.challengeTtlSeconds),
        enrolled,
      };
    });
    return {
      status: enrolled ? 'mfa_required' : 'mfa_enrolment_required',
      mfaToken: this.tokens.signMfa(userId, id, MFA.challengeTtlSeconds),
      expiresIn: MFA.challengeTtlSeconds,
    };
  }

  /** A new secret for an enrolment challenge (replacing an unconfirmed one). */
  async startEnrolment(mfaToken: string): Promise<MfaEnrolmentDto> {
    const claims = await this.claims(mfaToken);
    const secret = new Secret({ size: 20 }).base32;
    const email = await this.tx.run(async (tx) => {
      const challenge = await this.repo.lockOpenChallenge(tx, claims.challengeId, claims.userId);
      if (!challenge) throw challengeEnded();
      if (challenge.kind !== 'enrol') throw alreadyEnrolled();
      if (!(await this.repo.putPending(tx, claims.userId, this.secrets.encrypt(secret))))
        throw alreadyEnrolled();
      return (await this.accounts.findById(tx, claims.userId))?.email ?? claims.userId;
    });
    return { secret, otpauthUri: platformTotp(secret, email).toString() };
  }

  /** Confirms the enrolment with a first code: a full session and ten recovery codes. */
  async confirmEnrolment(
    mfaToken: string,
    code: string,
    meta: RequestMeta,
  ): Promise<MfaEnrolledDto> {
    const claims = await this.claims(mfaToken);
    const recoveryCodes = Array.from({ length: MFA.recoveryCodes }, () => {
      const raw = Array.from(
        { length: 10 },
        () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)],
      ).join('');
      return `${raw.slice(0, 5)}-${raw.slice(5)}`;
    });
    const outcome = await this.tx.run(async (tx) => {
      const { user, challengeKind } = await this.openChallenge(tx, claims);
      if (challengeKind !== 'enrol') throw alreadyEnrolled();
      const totp = await this.repo.totp(tx, user.id, true);
      if (!totp || totp.confirmed) {
        throw new AppProblem(
          409,
          'auth/mfa-enrolment-not-started',
          'Enrolment not started',
          'Start the enrolment first (POST /auth/mfa/enrolment) to get a secret',
        );
      }
      const step = this.matchingStep(totp.secretCiphertext, code, null);
      if (step === null) return this.wrongCode(tx, claims.challengeId, 'code');
      await this.repo.useStep(tx, user.id, step);
      await this.repo.replaceRecoveryCodes(
        tx,
        user.id,
        recoveryCodes.map((c) => this.secrets.hashCode(user.id, normalizeRecoveryCode(c))),
      );
      await this.repo.useChallenge(tx, claims.challengeId);
      const opened = await this.issuer.open(tx, user.id, meta);
      await this.audit.record(tx, asActor(meta, user, opened.sessionId), {
        action: 'mfa.enrol',
        targetType: 'user',
        targetId: user.id,
        after: { method: 'totp', recoveryCodes: MFA.recoveryCodes },
      });
      return { user, opened };
    });
    if ('problem' in outcome) throw outcome.problem;
    const tokens = await this.issuer.tokensFor(
      outcome.user.id,
      outcome.user.role,
      outcome.opened.sessionId,
      outcome.opened.refreshToken,
    );
    return { ...tokens, recoveryCodes };
  }

  /** The second step of an enrolled staff member: a TOTP code or a recovery code. */
  async verify(
    mfaToken: string,
    input: { code?: string; recoveryCode?: string },
    meta: RequestMeta,
  ): Promise<TokensDto> {
    if ((input.code === undefined) === (input.recoveryCode === undefined)) {
      throw new AppProblem(
        400,
        'request/validation-failed',
        'The request is not valid',
        'Send either code or recoveryCode',
        {
          errors: [{ field: 'code', in: 'body', messages: ['send either code or recoveryCode'] }],
        },
      );
    }
    const claims = await this.claims(mfaToken);
    const outcome = await this.tx.run(async (tx) => {
      const { user, challengeKind } = await this.openChallenge(tx, claims);
      if (challengeKind !== 'verify') {
        throw new AppProblem(
          409,
          'auth/mfa-not-enrolled',
          'Not enrolled',
          'This account has no second factor yet; enrol with POST /auth/mfa/enrolment',
        );
      }
      const totp = (await this.repo.totp(tx, user.id, true))!;
      let recoveryCodesLeft: number | undefined;
      if (input.code !== undefined) {
        const step = this.matchingStep(totp.secretCiphertext, input.code, totp.lastUsedStep);
        if (step === null) return this.wrongCode(tx, claims.challengeId, 'code');
        await this.repo.useStep(tx, user.id, step);
      } else {
        const hash = this.secrets.hashCode(user.id, normalizeRecoveryCode(input.recoveryCode!));
        if (!(await this.repo.useRecoveryCode(tx, user.id, hash)))
          return this.wrongCode(tx, claims.challengeId, 'recoveryCode');
        recoveryCodesLeft = await this.repo.recoveryCodesLeft(tx, user.id);
      }
      await this.repo.useChallenge(tx, claims.challengeId);
      const opened = await this.issuer.open(tx, user.id, meta);
      if (recoveryCodesLeft !== undefined) {
        await this.audit.record(tx, asActor(meta, user, opened.sessionId), {
          action: 'mfa.recovery_code_used',
          targetType: 'user',
          targetId: user.id,
          after: { recoveryCodesLeft },
        });
      }
      return { user, opened };
    });
    if ('problem' in outcome) throw outcome.problem;
    return this.issuer.tokensFor(
      outcome.user.id,
      outcome.user.role,
      outcome.opened.sessionId,
      outcome.opened.refreshToken,
    );
  }

  /**
   * An ops leader removes a staff member's enrolment (lost phone and recovery codes), with a reason:
   * their sessions end and their next sign-in enrols again. Never one's own.
   */
  async reset(targetId: string, reason: string, meta: RequestMeta): Promise<number> {
    const actor = meta.principal!;
    if (targetId === actor.userId) {
      throw new AppProblem(
        403,
        'mfa/self-reset',
        'Forbidden',
        'Staff cannot reset their own second factor; another ops leader can',
      );
    }
    return this.tx.run(async (tx) => {
      const target = await this.accounts.findById(tx, targetId, true);
      if (!target) throw new AppProblem(404, 'account/not-found', 'Not found', 'No such account');
      if (!isStaff(target.role) || !(await this.repo.remove(tx, targetId))) {
        throw new AppProblem(
          409,
          'mfa/not-enrolled',
          'Not enrolled',
          'This account has no second factor to reset',
        );
      }
      const revoked = await this.sessions.revokeAll(tx, targetId, 'mfa_reset');
      await this.audit.record(tx, meta, {
        action: 'mfa.reset',
        targetType: 'user',
        targetId,
        reason,
        before: { enrolled: true },
        after: { enrolled: false, sessionsRevoked: revoked },
      });
      return revoked;
    });
  }

  private async claims(mfaToken: string): Promise<{ userId: string; challengeId: string }> {
    const claims = this.tokens.verifyMfa(mfaToken);
    if (!claims) throw challengeEnded();
    return claims;
  }

  /** The challenge, open and locked, of a staff account that may still sign in; refuses a locked-out account. */
  private async openChallenge(
    tx: EntityManager,
    claims: { userId: string; challengeId: string },
  ): Promise<{ user: { id: string; role: Principal['role'] }; challengeKind: 'verify' | 'enrol' }> {
    const challenge = await this.repo.lockOpenChallenge(tx, claims.challengeId, claims.userId);
    if (!challenge) throw challengeEnded();
    const account = await this.accounts.findById(tx, claims.userId);
    if (!account || account.status === 'blocked' || !isStaff(account.role)) throw challengeEnded();
    if (
      (await this.repo.recentFailures(tx, claims.userId, MFA.lockWindowSeconds)) >=
      MFA.lockAfterFailures
    ) {
      throw new AppProblem(
        429,
        'auth/mfa-locked',
        'Too many wrong codes',
        `Too many wrong second-factor codes; try again in ${MFA.lockWindowSeconds / 60} minutes`,
        { retryAfterSeconds: MFA.lockWindowSeconds },
        { 'retry-after': String(MFA.lockWindowSeconds) },
      );
    }
    return { user: { id: account.id, role: account.role }, challengeKind: challenge.kind };
  }

  /**
   * The time step whose code `code` is (within one step of now), or null; a step at or before
   * `lastUsedStep` does not count (a code is accepted once).
   */
  private matchingStep(
    secretCiphertext: string,
    code: string,
    lastUsedStep: number | null,
  ): number | null {
    const totp = platformTotp(this.secrets.decrypt(secretCiphertext));
    const delta = totp.validate({ token: code, window: MFA.totp.window });
    if (delta === null) return null;
    const step = Math.floor(Date.now() / 1000 / MFA.totp.period) + delta;
    return lastUsedStep !== null && step <= lastUsedStep ? null : step;
  }

  /** Counts the wrong code (committed with the transaction) and returns the problem to answer. */
  private async wrongCode(
    tx: EntityManager,
    challengeId: string,
    field: 'code' | 'recoveryCode',
  ): Promise<{ problem: AppProblem }> {
    await this.repo.failChallenge(tx, challengeId, MFA.attemptsPerChallenge);
    return {
      problem: new AppProblem(
        400,
        'auth/invalid-mfa-code',
        'Invalid code',
        field === 'code'
          ? 'The authenticator code is wrong, expired or already used'
          : 'The recovery code is wrong or already used',
        { errors: [{ field, in: 'body', messages: ['the code is not valid'] }] },
      ),
    };
  }
}

const alreadyEnrolled = (): AppProblem =>
  new AppProblem(
    409,
    'auth/mfa-already-enrolled',
    'Already enrolled',
    'This account already has a second factor; verify with POST /auth/mfa/verify',
  );

/** The staff member as the audit's actor, signing in (the request has no principal yet). */
function asActor(
  meta: RequestMeta,
  user: { id: string; role: Principal['role'] },
  sessionId: string,
): RequestMeta {
  return {
    ...meta,
    principal: {
      userId: user.id,
      sessionId,
      role: user.role,
      status: 'approved',
      technicianKind: null,
    },
  };
}
