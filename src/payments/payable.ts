/**
 * The payable port: what a payment pays. Payments open, capture and hold money the same way for
 * every kind of payable (a parts order, a repair job); each kind implements this port over its own
 * module's payment port (src/payments/payables/) and says what a captured payment obliges: one
 * escrow hold per obligation, toward its payee (a dealer, a technician), released later by the one
 * release path (src/escrow/escrow-release.service.ts, which reads each obligation's sale lines).
 */
import type { EntityManager } from 'typeorm';
import type { EscrowKind, SupplierKind } from '../ledger/domain/recipes.js';

export type PayableType = 'order' | 'repair_job';

/** A payable named by kind and id (the `payments` row's `payable_type` and its foreign key). */
export interface PayableRef {
  readonly type: PayableType;
  readonly id: string;
}

/** One part of a captured payment held in escrow for a payee until release (an `escrow_holds` row). */
export interface Obligation {
  readonly payee: { readonly kind: SupplierKind; readonly id: string };
  readonly amountPaise: number;
  /**
   * What the hold is for: a sub-order of an order, or a repair job (one hold per payment of it: the
   * quote it pays, null for a job paid before quotes).
   */
  readonly subject:
    | { readonly subOrderId: string; readonly orderId: string }
    | { readonly repairJobId: string; readonly repairQuoteId: string | null };
  /** The ledger hold's key (`hold:<escrow>:<subjectId>[:<subOrderId> | :<n>]`). */
  readonly holdKey: string;
  /** The hold entry's metadata. */
  readonly holdMetadata: Readonly<Record<string, string>>;
}

/** What a captured payment does to its payable. */
export type CaptureDecision =
  /** Paid: hold each obligation; `excessPaise` (more than was payable) goes back to the buyer. */
  | { code: 'paid'; obligations: Obligation[]; excessPaise: number }
  /** Paid before by another payment: this one is to be refunded. */
  | { code: 'duplicate' }
  /** No longer payable (expired, cancelled, an amount short): to be refunded. */
  | { code: 'unpayable' };

export interface Payable {
  readonly type: PayableType;
  /** The ledger escrow the payable's money is captured into (`liability:escrow:<escrow>:<id>`). */
  readonly escrow: EscrowKind;
  /** The payable in people's words ("order", "repair job"), for problem details. */
  readonly noun: string;
  /** Its id's key in the gateway order's notes. */
  readonly notesKey: string;
  /**
   * Locks the buyer's payable (404 unless theirs) for opening a payment and returns what is due
   * now; refuses (409 `payment/not-payable`) when nothing is.
   */
  lockForPayment(tx: EntityManager, id: string, buyerId: string): Promise<{ duePaise: number }>;
  /** The capture's first lock (before the payment row's), in the capture's transaction. */
  lockForCapture(tx: EntityManager, id: string): Promise<void>;
  /** A captured payment of the (locked) payable: it is paid, or why the money goes back. */
  confirmPaid(
    tx: EntityManager,
    id: string,
    payment: { reference: string; amountPaise: number },
  ): Promise<CaptureDecision>;
  /** 404 unless the payable exists (and is `buyerId`'s, when given). */
  assertVisible(tx: EntityManager, id: string, buyerId: string | null): Promise<void>;
}

/** The payable kinds the payments module is wired with (src/payments/payments.module.ts). */
export const PAYABLES = Symbol('PAYABLES');
