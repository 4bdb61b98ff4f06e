import { Inject, Injectable } from '@nestjs/common';
import argon2 from 'argon2';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';

/** argon2id with the configured cost. Unknown accounts are checked against a dummy hash, so timing does not tell. */
@Injectable()
export class PasswordHasher {
  private dummy?: Promise<string>;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get parameters(): {
    type: 'argon2id';
    memoryCost: number;
    timeCost: number;
    parallelism: number;
  } {
    const a = this.config.auth.argon2;
    return {
      type: 'argon2id',
      memoryCost: a.memoryKiB,
      timeCost: a.timeCost,
      parallelism: a.parallelism,
    };
  }

  hash(password: string): Promise<string> {
    return argon2.hash(password, { ...this.parameters, type: argon2.argon2id });
  }

  async verify(hash: string | null, password: string): Promise<boolean> {
    if (!hash) {
      this.dummy ??= this.hash('fixbazaar-dummy-password');
      await argon2.verify(await this.dummy, password);
      return false;
    }
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }
}
