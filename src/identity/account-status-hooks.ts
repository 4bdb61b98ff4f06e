import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AccountStatus, Role } from '../common/roles.js';
import type { RequestMeta } from '../common/request-meta.js';

export interface AccountStatusChange {
  userId: string;
  role: Role;
  from: AccountStatus;
  to: AccountStatus;
  reason: string;
}

/**
 * Work another module does in the transaction of an account's status change (e.g. cleaning up a
 * suspended dealer's open orders). It may return what to do once that transaction has committed
 * (e.g. publish domain events).
 */
export type AccountStatusHook = (
  tx: EntityManager,
  change: AccountStatusChange,
  meta: RequestMeta,
) => Promise<(() => void) | undefined>;

/**
 * Modules register hooks at init; every approve/suspend/block runs them inside its own transaction,
 * so the status change and its consequences commit together (or not at all).
 */
@Injectable()
export class AccountStatusHooks {
  private readonly hooks: AccountStatusHook[] = [];

  register(hook: AccountStatusHook): void {
    this.hooks.push(hook);
  }

  /** Runs every hook; returns their after-commit work, for the caller to run once it committed. */
  async run(
    tx: EntityManager,
    change: AccountStatusChange,
    meta: RequestMeta,
  ): Promise<(() => void)[]> {
    const afterCommit: (() => void)[] = [];
    for (const hook of this.hooks) {
      const then = await hook(tx, change, meta);
      if (then) afterCommit.push(then);
    }
    return afterCommit;
  }
}
