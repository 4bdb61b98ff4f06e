import { AccountStatusHooks } from './account-status-hooks.js';
import { Injectable } from '@nestjs/common';
import { defineAbilityFor } from '../access/ability.factory.js';
import {
  needsApproval,
  type Principal,
  type Role,
  type SignupRole,
  type StaffRole,
} from '../common/roles.js';
import { AuditService } from '../audit/audit.service.js';
import { AppProblem } from '../common/errors/problem.js';
import { cursorFields, encodeCursor, type Page, parseKeysetCursor } from '../common/pagination.js';
import type { RequestMeta } from '../common/request-meta.js';
import { transition } from '../common/state-transition.js';
import { TransactionRunner } from '../database/transaction.js';
import { AccountRecoveryService } from './account-recovery.service.js';
import { AccountsRepository, toAccountDto, type NewAccount } from './accounts.repository.js';
import {
  ACCOUNT_STATUS_MACHINE,
  decideStatusChange,
  type StatusAction,
} from './domain/account-status.js';
import { checkGstRegistration } from './domain/gst-registration.js';
import type { AccountDetailDto, AccountDto, SessionDto, UpdateMeDto } from './dto/account.dto.js';
import type { CreateStaffDto } from './dto/admin.dto.js';
import type {
  BusinessSignupDto,
  CustomerSignupDto,
  DealerSignupDto,
  TechnicianSignupDto,
} from './dto/signup.dto.js';
import { PasswordHasher } from './password-hasher.js';
import { SessionsRepository } from './sessions.repository.js';

export type SignupInput =
  | { role: 'customer'; dto: CustomerSignupDto }
  | { role: 'business'; dto: BusinessSignupDto }
  | { role: 'dealer'; dto: DealerSignupDto }
  | { role: 'technician'; dto: TechnicianSignupDto };

const notFound = (): AppProblem =>
  new AppProblem(404, 'account/not-found', 'Not found', 'No such account');

const fieldErrors = (field: string, message: string) => ({
  errors: [{ field, in: 'body', messages: [message] }],
});

const gstinTaken = (role: Role): AppProblem =>
  new AppProblem(
    409,
    'account/gstin-taken',
    'Conflict',
    `A ${role} account with this GSTIN already exists`,
    fieldErrors('gstin', `a ${role} account with this GSTIN already exists`),
  );

/** Accounts: self-signup, one's own profile, and the staff side (staff accounts, approvals, sessions). */
@Injectable()
export class AccountsService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly accounts: AccountsRepository,
    private readonly sessions: SessionsRepository,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
    private readonly statusHooks: AccountStatusHooks,
    private readonly recovery: AccountRecoveryService,
  ) {}

  /**
   * Self-signup. Dealers and business buyers: the address is in the GSTIN's state and a dealer's PAN
   * is the GSTIN's (422), one account of each kind per GSTIN (409; the refused attempt is audited on
   * the account holding the GSTIN).
   */
  async signup(input: SignupInput, meta: RequestMeta): Promise<AccountDto> {
    const d = input.dto;
    if (!d.email && !d.phone) {
      throw new AppProblem(
        400,
        'request/validation-failed',
        'The request is not valid',
        'email or phone is required',
        {
          errors: [{ field: 'email', in: 'body', messages: ['email or phone is required'] }],
        },
      );
    }
    const account: NewAccount = {
      role: input.role,
      status: needsApproval(input.role) ? 'pending' : 'approved',
      email: d.email?.toLowerCase(),
      phone: d.phone,
      passwordHash: await this.hasher.hash(d.password),
      displayName: d.displayName,
    };
    if (input.role === 'business' || input.role === 'dealer') {
      const mismatch = checkGstRegistration(
        input.role === 'dealer'
          ? {
              gstin: input.dto.gstin,
              address: { field: 'pickupAddress.state', state: input.dto.pickupAddress.state },
              pan: input.dto.pan,
            }
          : {
              gstin: input.dto.gstin,
              address: { field: 'billingAddress.state', state: input.dto.billingAddress.state },
            },
      );
      if (mismatch) {
        throw new AppProblem(
          422,
          `account/${mismatch.code}`,
          'GSTIN does not match',
          mismatch.message,
          fieldErrors(mismatch.field, mismatch.message),
        );
      }
      account.businessName = input.dto.businessName;
      account.gstin = input.dto.gstin;
    }
    if (input.role === 'business') account.billingAddress = { ...input.dto.billingAddress };
    if (input.role === 'dealer') {
      account.pan = input.dto.pan;
      account.pickupAddress = { ...input.dto.pickupAddress };
    }
    if (input.role === 'technician') {
      account.technicianKind = input.dto.kind;
      account.skills = input.dto.skills;
      account.brands = input.dto.brands;
      account.serviceArea = { ...input.dto.serviceArea };
    }
    const created = await this.create(account, 'signup', meta, false);
    // A phone given at signup is verified by a texted code (checkout waits for it).
    if (created.phone) await this.recovery.sendPhoneCode(created.id);
    return created;
  }

  /** Staff accounts are created only by an admin, and the creation is audited. */
  async createStaff(dto: CreateStaffDto, meta: RequestMeta): Promise<AccountDto> {
    return this.create(
      {
        role: dto.role,
        status: 'approved',
        email: dto.email.toLowerCase(),
        phone: dto.phone,
        passwordHash: await this.hasher.hash(dto.password),
        displayName: dto.displayName,
        createdBy: meta.principal?.userId,
      },
      'created by admin',
      meta,
      true,
    );
  }

  /** The first admin, from the CLI (no actor). */
  async createFirstAdmin(
    input: { email: string; displayName: string; password: string },
    role: StaffRole = 'admin',
  ): Promise<AccountDto> {
    return this.create(
      {
        role,
        status: 'approved',
        email: input.email.toLowerCase(),
        passwordHash: await this.hasher.hash(input.password),
        displayName: input.displayName,
      },
      'created from the CLI',
      null,
      true,
    );
  }

  /** `meta`: the request (null from the CLI); `auditCreation`: write `account.create` (staff-made accounts). */
  private async create(
    account: NewAccount,
    reason: string,
    meta: RequestMeta | null,
    auditCreation: boolean,
  ): Promise<AccountDto> {
    const created = await this.tx.run<{ dto: AccountDto } | { gstinHolder: string }>(async (tx) => {
      const row = await this.accounts.insert(tx, account, reason);
      if (!row) {
        // The INSERT waited for any concurrent one with the same GSTIN: the holder is committed.
        const holder = account.gstin
          ? await this.accounts.gstinHolder(tx, account.role, account.gstin)
          : undefined;
        if (holder) return { gstinHolder: holder };
        throw new AppProblem(
          409,
          'account/already-exists',
          'Conflict',
          'An account with this email or phone already exists',
        );
      }
      const dto = toAccountDto(row);
      if (auditCreation) {
        await this.audit.record(tx, meta, {
          action: 'account.create',
          targetType: 'user',
          targetId: row.id,
          reason,
          after: { role: dto.role, status: dto.status, email: dto.email },
        });
      }
      return { dto };
    });
    if ('dto' in created) return created.dto;
    // Staff see a refused second account for a GSTIN on the holder's audit trail.
    await this.tx.run((tx) =>
      this.audit.record(tx, meta, {
        action: 'account.signup_refused',
        targetType: 'user',
        targetId: created.gstinHolder,
        reason: `a second ${account.role} account for the GSTIN of this account`,
        after: { role: account.role, email: account.email ?? null, phone: account.phone ?? null },
      }),
    );
    throw gstinTaken(account.role);
  }

  async me(principal: Principal): Promise<AccountDto> {
    const row = await this.accounts.findById(null, principal.userId);
    if (!row) throw notFound();
    return toAccountDto(row);
  }

  async updateMe(principal: Principal, dto: UpdateMeDto): Promise<AccountDto> {
    for (const field of ['skills', 'brands'] as const) {
      if (dto[field] && principal.role !== 'technician') {
        const message = `only technicians have ${field}`;
        throw new AppProblem(
          400,
          'request/validation-failed',
          'The request is not valid',
          `${field}: ${message}`,
          { errors: [{ field, in: 'body', messages: [message] }] },
        );
      }
    }
    await this.tx.run((tx) => this.accounts.updateProfile(tx, principal.userId, dto));
    return this.me(principal);
  }

  /** An account and its status history, in one snapshot (a status change writes both). */
  async get(id: string): Promise<AccountDetailDto> {
    return this.tx.run(async (tx) => {
      const row = await this.accounts.findById(tx, id);
      if (!row) throw notFound();
      return {
        ...toAccountDto(row),
        history: await this.accounts.history(tx, id),
        ...(row.gstin_duplicate_of ? { gstinDuplicateOf: row.gstin_duplicate_of } : {}),
      };
    }, 'REPEATABLE READ');
  }

  async approvalQueue(
    role: SignupRole | undefined,
    limit: number,
    cursor?: string,
  ): Promise<Page<AccountDto>> {
    const position = parseKeysetCursor(cursor, {
      at: cursorFields.pgTimestamp,
      id: cursorFields.uuid,
    });
    const rows = await this.accounts.pending(
      role,
      limit + 1,
      position ? { createdAt: position.at, id: position.id } : undefined,
    );
    const items = rows.slice(0, limit);
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    return {
      items: items.map(toAccountDto),
      ...(last ? { nextCursor: encodeCursor({ at: last.cursor_at, id: last.id }) } : {}),
    };
  }

  /** Approve, suspend or block, with a reason; history row and audit event in the same transaction. */
  async changeStatus(
    id: string,
    action: StatusAction,
    reason: string,
    overrideRequested: boolean,
    meta: RequestMeta,
  ): Promise<AccountDetailDto> {
    const actor = meta.principal!;
    const afterCommit = await this.tx.run(async (tx) => {
      const target = await this.accounts.findById(tx, id, true);
      if (!target) throw notFound();
      const decision = decideStatusChange({
        action,
        from: target.status,
        targetRole: target.role,
        targetIsActor: target.id === actor.userId,
        actorCanOverride: defineAbilityFor(actor).can('override', 'User'),
        overrideRequested,
      });
      if (!decision.ok) {
        const messages = {
          unchanged: `The account is already ${target.status}`,
          self: 'Staff cannot change their own account status',
          forbidden_by_policy: `Policy does not allow "${action}" on a ${target.status} ${target.role} account; an ops leader can override with a reason`,
          override_not_permitted: 'Only an ops leader can override policy',
        };
        const status =
          decision.reason === 'override_not_permitted' || decision.reason === 'self' ? 403 : 409;
        throw new AppProblem(
          status,
          `account/${decision.reason.replace(/_/g, '-')}`,
          'Status change refused',
          messages[decision.reason],
        );
      }
      await transition(
        tx,
        ACCOUNT_STATUS_MACHINE,
        {
          from: target.status,
          event: action,
          actor: decision.override ? 'override' : 'staff',
          reason,
          reasonRequiredStatus: 400,
        },
        {
          historyTable: 'account_status_history',
          update: (from, to) => this.accounts.setStatus(tx, id, from, to),
          insertHistory: (from, to) =>
            this.accounts.addHistory(tx, id, from, to, reason, actor.userId, decision.override),
        },
      );
      if (decision.to === 'blocked') await this.sessions.revokeAll(tx, id, 'account_blocked');
      const then = await this.statusHooks.run(
        tx,
        { userId: id, role: target.role, from: target.status, to: decision.to, reason },
        meta,
      );
      await this.audit.record(tx, meta, {
        action: `account.${action}`,
        targetType: 'user',
        targetId: id,
        reason,
        before: { status: target.status },
        after: { status: decision.to },
        override: decision.override,
      });
      return then;
    });
    for (const then of afterCommit) then();
    return this.get(id);
  }

  async sessionsOf(id: string): Promise<SessionDto[]> {
    if (!(await this.accounts.findById(null, id))) throw notFound();
    return this.sessions.list(id, null);
  }

  /** Staff revoke every active session of an account (audited). */
  async revokeSessionsOf(id: string, reason: string, meta: RequestMeta): Promise<number> {
    return this.tx.run(async (tx) => {
      if (!(await this.accounts.findById(tx, id, true))) throw notFound();
      const revoked = await this.sessions.revokeAll(tx, id, 'revoked_by_staff');
      await this.audit.record(tx, meta, {
        action: 'session.revoke_all',
        targetType: 'user',
        targetId: id,
        reason,
        after: { revoked },
      });
      return revoked;
    });
  }
}
