import { Inject, Injectable } from '@nestjs/common';
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import {
  parseSigningKey,
  signAuditHead,
  type AuditHead,
  type SignedAuditHead,
} from './domain/audit-head.js';

/**
 * Signs chain heads with the Ed25519 key from AUDIT_SIGNING_KEY (required in production; the published
 * development key elsewhere), and names the public half signed heads are checked against.
 */
@Injectable()
export class AuditHeadSigner {
  private key?: KeyObject;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  sign(head: AuditHead): SignedAuditHead {
    return signAuditHead(head, this.keyObject());
  }

  /** The signing key's public half (SPKI PEM): the key anchored heads must verify with. */
  get publicKeyPem(): string {
    return createPublicKey(this.keyObject()).export({ type: 'spki', format: 'pem' }).toString();
  }

  private keyObject(): KeyObject {
    this.key ??= parseSigningKey(this.config.audit.signingKeyPem);
    return this.key;
  }
}
