/**
 * The IMEI vault's cryptography: AES-256-GCM with a fresh 96-bit IV per encryption and the repair
 * job's id as associated data (a ciphertext moved to another job's row does not decrypt), under the
 * current key of IMEI_VAULT_KEYS, whose id is stored with the row so older keys still decrypt until
 * `imei:reencrypt` has moved every row; and an HMAC-SHA256 of the IMEI under IMEI_INDEX_KEY for
 * equality lookups without decrypting. The plaintext exists only in memory, for the caller allowed
 * to see it.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { VaultKey } from '../config/remote-config.js';
import { isValidImei } from '../common/imei.js';

export interface SealedImei {
  keyId: string;
  iv: Buffer;
  ciphertext: Buffer;
  authTag: Buffer;
}

@Injectable()
export class ImeiVault {
  private readonly keys: Map<string, VaultKey>;
  private readonly current: VaultKey;
  private readonly indexKey: Buffer;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.keys = new Map(config.remote.imeiVaultKeys.map((k) => [k.id, k]));
    this.current = config.remote.imeiVaultKeys[0]!;
    this.indexKey = config.remote.imeiIndexKey;
  }

  get currentKeyId(): string {
    return this.current.id;
  }

  seal(repairJobId: string, imei: string): SealedImei {
    if (!isValidImei(imei)) throw new Error('not a valid IMEI');
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    cipher.setAAD(Buffer.from(repairJobId));
    const ciphertext = Buffer.concat([cipher.update(imei, 'ascii'), cipher.final()]);
    return { keyId: this.current.id, iv, ciphertext, authTag: cipher.getAuthTag() };
  }

  /** Throws when the key is unknown (not configured any more) or the row was tampered with. */
  open(repairJobId: string, sealed: SealedImei): string {
    const key = this.keys.get(sealed.keyId);
    if (key === undefined) throw new Error(`IMEI vault key ${sealed.keyId} is not configured`);
    const decipher = createDecipheriv('aes-256-gcm', key.key, sealed.iv);
    decipher.setAAD(Buffer.from(repairJobId));
    decipher.setAuthTag(sealed.authTag);
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString('ascii');
  }

  /** The equality index: HMAC-SHA256 of the IMEI. */
  lookupHash(imei: string): Buffer {
    return createHmac('sha256', this.indexKey).update(imei, 'ascii').digest();
  }
}
