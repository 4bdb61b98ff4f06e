/**
 * Maker-checker in one place: proposing, approving by another person and rejecting (with a reason)
 * any `ProposalKind`, through the declared proposal machine (`proposal-machine.ts`) and the
 * state-machine helper (`transition()`: the object's own conditional update, a row in its own
 * history table), with the audit event in the same transaction.
 *
 * The caller locks its row (`FOR UPDATE`, after whatever its lock order needs) and passes it in;
 * `decide` then
 * 1. refuses a row no longer proposed with the kind's own 409 (`notPending`);
 * 2. refuses the maker approving their own proposal with the kind's 403 (`makerChecker`) unless
 *    the caller allows an override (the machine has no row for it);
 * 3. runs the decision's effect (the ledger posting, the release), then moves the row and writes
 *    its history row, then records the audit event (`<action>` of the kind, `override` when the
 *    maker overrode).
 *
 * `supersede` moves the maker's waiting proposal to `superseded` when the maker proposes anew (kinds
 * with a `superseded` status only): its history row, no audit event of its own (the new proposal's,
 * recorded by `proposed`, names the one it superseded).
 */
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { AppProblem } from '../common/errors/problem.js';
import type { RequestMeta } from '../common/request-meta.js';
import { allows } from '../common/state-machine.js';
import { transition } from '../common/state-transition.js';
import { execute } from '../database/sql.js';
import {
  PROPOSAL_MACHINE,
  proposalActor,
  type ProposalActor,
  type ProposalEvent,
  type ProposalState,
} from './proposal-machine.js';

/** The proposal's identity, status (the object's own word) and maker, read from the locked row. */
export interface ProposalRef {
  id: string;
  status: string;
  maker: string;
  /** The audit events' target id when it is not the proposal (a payee's change: the payee). */
  auditTarget?: string;
}

/** The decisions `decide` takes (`supersede` has its own method). */
export type DecisionEvent = Exclude<ProposalEvent, 'supersede'>;

/** What makes an object a proposal: its status words, history table, audit names and refusals. */
export interface ProposalKind<R> {
  /**
   * The object's status for each proposal state (an early release: `pending`, `released`,
   * `rejected`); `superseded` only for kinds whose maker replaces a waiting proposal.
   */
  statuses: Readonly<Record<Exclude<ProposalState, 'superseded'>, string>> & {
    readonly superseded?: string;
  };
  /** Its append-only history table and the column naming the object. */
  history: { table: string; key: string };
  /** The audit event's target type and action per step (`ledger.adjustment.approve`). */
  audit: { targetType: string; actions: Readonly<Record<'propose' | DecisionEvent, string>> };
  /**
   * 403 when the maker approves without an override, and also when the maker rejects if
   * `noWithdrawal` (a payee does not withdraw its change: it submits a newer one).
   */
  makerChecker: { code: string; detail: string; noWithdrawal?: boolean };
  /** 409 when the row is already decided (the module's own code and fields). */
  notPending(row: R): AppProblem;
  ref(row: R): ProposalRef;
}

export interface AuditChange {
  before?: unknown;
  after?: unknown;
}

export interface DecisionRequest<U> {
  event: DecisionEvent;
  meta: RequestMeta;
  reason?: string | null;
  /** The maker approving their own proposal as an override (the caller checked who may). */
  override?: boolean;
  /** What the decision does before the status moves (a posting, a release); throws to refuse. */
  effect?: (actor: ProposalActor) => Promise<void>;
  /** The object's update from → to (its own words), conditional on `from`: the updated row, if one. */
  update(from: string, to: string, actor: ProposalActor): Promise<U | undefined>;
  /** The audit event's before and after, from the updated row. */
  audit(updated: U, actor: ProposalActor): AuditChange | Promise<AuditChange>;
}

@Injectable()
export class ProposalDecisions {
  constructor(private readonly auditLog: AuditService) {}

  /**
   * Records a new proposal (its row inserted by the caller): the history row (`propose`, from none
   * to its status) and the audit event (`actions.propose`, or `action` when the object was decided
   * at creation, e.g. an early release released at once). A payee's change has no reason.
   */
  async proposed<R>(
    tx: EntityManager,
    kind: ProposalKind<R>,
    row: R,
    input: {
      meta: RequestMeta;
      reason?: string;
      action?: string;
      override?: boolean;
    } & AuditChange,
  ): Promise<void> {
    const ref = kind.ref(row);
    await this.insertHistory(tx, kind, ref.id, 'propose', null, ref.status, 'maker', ref.maker, {
      reason: input.reason ?? null,
    });
    await this.auditLog.record(tx, input.meta, {
      action: input.action ?? kind.audit.actions.propose,
      targetType: kind.audit.targetType,
      targetId: ref.auditTarget ?? ref.id,
      ...(input.reason === undefined ? {} : { reason: input.reason }),
      ...(input.override === undefined ? {} : { override: input.override }),
      before: input.before,
      after: input.after,
    });
  }

  /** Approves or rejects the locked proposal `row` (see the file comment); returns the updated row. */
  async decide<R, U>(
    tx: EntityManager,
    kind: ProposalKind<R>,
    row: R,
    request: DecisionRequest<U>,
  ): Promise<U> {
    const ref = kind.ref(row);
    if (ref.status !== kind.statuses.proposed) throw kind.notPending(row);
    const by = request.meta.principal!.userId;
    const actor = proposalActor(ref.maker, by, request.event, request.override === true);
    if (
      !allows(PROPOSAL_MACHINE, 'proposed', request.event, actor) ||
      (actor === 'maker' && kind.makerChecker.noWithdrawal === true)
    )
      throw new AppProblem(403, kind.makerChecker.code, 'Forbidden', kind.makerChecker.detail);
    await request.effect?.(actor);
    const reason = request.reason ?? null;
    const updated = await this.move(
      tx,
      kind,
      ref,
      request.event,
      actor,
      by,
      reason,
      request.update,
    );
    const change = await request.audit(updated, actor);
    await this.auditLog.record(tx, request.meta, {
      action: kind.audit.actions[request.event],
      targetType: kind.audit.targetType,
      targetId: ref.auditTarget ?? ref.id,
      ...(reason === null ? {} : { reason }),
      override: actor === 'override',
      ...change,
    });
    return updated;
  }

  /**
   * The maker's locked waiting proposal `row`, replaced by the one `by` is proposing, moved to the
   * kind's `superseded` status with `reason` (its history row; see the file comment).
   */
  async supersede<R, U>(
    tx: EntityManager,
    kind: ProposalKind<R>,
    row: R,
    request: {
      by: string;
      reason: string;
      update: (from: string, to: string) => Promise<U | undefined>;
    },
  ): Promise<U> {
    if (kind.statuses.superseded === undefined)
      throw new Error(`${kind.audit.targetType} proposals cannot be superseded`);
    const ref = kind.ref(row);
    if (ref.status !== kind.statuses.proposed) throw kind.notPending(row);
    const actor = proposalActor(ref.maker, request.by, 'supersede', false);
    return this.move(tx, kind, ref, 'supersede', actor, request.by, request.reason, request.update);
  }

  /** `transition()` from `proposed` by `actor`: the object's update and its history row. */
  private async move<R, U>(
    tx: EntityManager,
    kind: ProposalKind<R>,
    ref: ProposalRef,
    event: ProposalEvent,
    actor: ProposalActor,
    by: string,
    reason: string | null,
    update: (from: string, to: string, actor: ProposalActor) => Promise<U | undefined>,
  ): Promise<U> {
    const { row } = await transition<ProposalState, ProposalEvent, ProposalActor, U>(
      tx,
      PROPOSAL_MACHINE,
      {
        from: 'proposed',
        event,
        actor,
        reason,
        reasonRequiredStatus: 400,
        problem: { proposalId: ref.id },
      },
      {
        historyTable: kind.history.table,
        update: async (from, to) => {
          const moved = await update(statusOf(kind, from), statusOf(kind, to), actor);
          return moved === undefined ? { affected: 0 } : { affected: 1, row: moved };
        },
        insertHistory: (from, to) =>
          this.insertHistory(
            tx,
            kind,
            ref.id,
            event,
            statusOf(kind, from),
            statusOf(kind, to),
            actor,
            by,
            { reason },
          ),
      },
    );
    return row!;
  }

  private async insertHistory<R>(
    tx: EntityManager,
    kind: ProposalKind<R>,
    id: string,
    event: 'propose' | ProposalEvent,
    from: string | null,
    to: string,
    actor: ProposalActor,
    actorId: string,
    { reason }: { reason: string | null },
  ): Promise<string> {
    const { rows } = await execute<{ id: string }>(
      tx,
      `INSERT INTO ${kind.history.table}
         (${kind.history.key}, event, from_status, to_status, actor, actor_id, reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id::text AS id`,
      [id, event, from, to, actor, actorId, reason],
    );
    return rows[0]!.id;
  }
}

/** The kind's status word for `state` (only a kind with a `superseded` word reaches that state). */
function statusOf<R>(kind: ProposalKind<R>, state: ProposalState): string {
  const word = state === 'superseded' ? kind.statuses.superseded : kind.statuses[state];
  if (word === undefined) throw new Error(`no status word for ${state}`);
  return word;
}
