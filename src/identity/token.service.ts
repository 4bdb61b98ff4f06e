import { createHash, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AccessTokenVerifier, type AccessClaims } from '../access/access-token-verifier.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { signJwt, verifyJwt } from './jwt.js';

const ISSUER = 'fixbazaar';
const AUDIENCE = 'fixbazaar-api';
/** Second-factor challenges are signed for another audience, so they never pass as access tokens. */
const MFA_AUDIENCE = 'fixbazaar-mfa';

/** Short-lived access JWTs (HS256) and opaque refresh tokens, of which only a SHA-256 is stored. */
@Injectable()
export class TokenService implements AccessTokenVerifier {
  /** A KeyObject, imported once (a raw byte key would be re-imported on every sign and verify). */
  private readonly key: KeyObject;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.key = createSecretKey(Buffer.from(config.auth.jwtSecret, 'utf8'));
  }

  get accessTtlSeconds(): number {
    return this.config.auth.accessTokenTtlSeconds;
  }

  signAccess(claims: AccessClaims & { role: string }): string {
    return this.sign(AUDIENCE, claims.userId, this.accessTtlSeconds, {
      sid: claims.sessionId,
      role: claims.role,
    });
  }

  /** The claims of a valid, unexpired token and its expiry; undefined for anything else. */
  verifyAccess(token: string): (AccessClaims & { expiresAtMs: number }) | undefined {
    const payload = verifyJwt(this.key, token, { issuer: ISSUER, audience: AUDIENCE });
    return typeof payload?.sub === 'string' && typeof payload.sid === 'string'
      ? { userId: payload.sub, sessionId: payload.sid, expiresAtMs: Number(payload.exp) * 1000 }
      : undefined;
  }

  /** The token of a second-factor challenge (`challengeId`: its `mfa_challenges` row). */
  signMfa(userId: string, challengeId: string, ttlSeconds: number): string {
    return this.sign(MFA_AUDIENCE, userId, ttlSeconds, { jti: challengeId });
  }

  /** The challenge of a valid, unexpired second-factor token; undefined for anything else. */
  verifyMfa(token: string): { userId: string; challengeId: string } | undefined {
    const payload = verifyJwt(this.key, token, { issuer: ISSUER, audience: MFA_AUDIENCE });
    return typeof payload?.sub === 'string' && typeof payload.jti === 'string'
      ? { userId: payload.sub, challengeId: payload.jti }
      : undefined;
  }

  private sign(
    audience: string,
    subject: string,
    ttlSeconds: number,
    claims: Record<string, string>,
  ): string {
    const iat = Math.floor(Date.now() / 1000);
    return signJwt(this.key, {
      ...claims,
      sub: subject,
      iss: ISSUER,
      aud: audience,
      iat,
      exp: iat + ttlSeconds,
    });
  }

  newRefreshToken(): { token: string; hash: string } {
    const token = randomBytes(32).toString('base64url');
    return { token, hash: TokenService.hashRefreshToken(token) };
  }

  static hashRefreshToken(token: string): string {
    return createHash('sha256').update(token).digest('hex');
  }
}
