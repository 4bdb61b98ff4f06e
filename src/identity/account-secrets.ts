import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';

const key = (secret: string, info: string): Buffer =>
  Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), info, 32));

/**
 * Secrets of accounts at rest, under ACCOUNT_SECRETS_KEY: TOTP secrets are encrypted (AES-256-GCM,
 * `v1.<iv>.<tag>.<ciphertext>` in base64url), one-time and recovery codes are stored as an HMAC (a
 * 6-digit code's plain hash would be reversed by trying a million codes).
 */
@Injectable()
export class AccountSecrets {
  private readonly encryptionKey: Buffer;
  private readonly hmacKey: Buffer;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.encryptionKey = key(config.auth.accountSecretsKey, 'fixbazaar totp secret encryption');
    this.hmacKey = key(config.auth.accountSecretsKey, 'fixbazaar one-time code hmac');
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.encryptionKey, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv, cipher.getAuthTag(), data]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  decrypt(sealed: string): string {
    const [version, iv, tag, data] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || data === undefined)
      throw new Error('unknown secret format');
    const decipher = createDecipheriv(
      'aes-256-gcm',
      this.encryptionKey,
      Buffer.from(iv, 'base64url'),
    );
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([
      decipher.update(Buffer.from(data, 'base64url')),
      decipher.final(),
    ]).toString('utf8');
  }

  /** HMAC of a code, bound to what it belongs to (`scope`: a code's row id, a user id). */
  hashCode(scope: string, code: string): string {
    return createHmac('sha256', this.hmacKey).update(`${scope}:${code}`).digest('hex');
  }

  codeMatches(scope: string, code: string, hash: string): boolean {
    const a = Buffer.from(this.hashCode(scope, code), 'hex');
    const b = Buffer.from(hash, 'hex');
    return a.length === b.length && timingSafeEqual(a, b);
  }
}
