import { Inject, Injectable } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import {
  AuditSigningKeyError,
  parseSigningKey,
  signAuditHead,
  type AuditHead,
  type SignedAuditHead,
} from './domain/audit-head.js';

/** Signs chain heads with the Ed25519 key from AUDIT_SIGNING_KEY, when one is configured. */
@Injectable()
export class AuditHeadSigner {
  private key?: KeyObject;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** An empty value (as `.env.example` has it) counts as unset. */
  get configured(): boolean {
    return Boolean(this.config.audit.signingKeyPem?.trim());
  }

  /** Throws AuditSigningKeyError (naming AUDIT_SIGNING_KEY) when no usable key is configured. */
  assertUsable(): void {
    this.keyObject();
  }

  sign(head: AuditHead): SignedAuditHead {
    return signAuditHead(head, this.keyObject());
  }

  private keyObject(): KeyObject {
    const pem = this.config.audit.signingKeyPem;
    if (!pem?.trim()) {
      throw new AuditSigningKeyError(
        'AUDIT_SIGNING_KEY is not set: signing needs an Ed25519 private key in PEM ' +
          '(generate one with `openssl genpkey -algorithm ed25519`)',
      );
    }
    this.key ??= parseSigningKey(pem);
    return this.key;
  }
}
