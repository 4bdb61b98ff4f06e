/**
 * The payment gateway port: what the platform needs from Razorpay (Orders, Payments, Route transfers
 * held until release, Refunds, linked accounts, Settlements), in integer paise. The Razorpay adapter
 * implements it with the official SDK; tests and `npm run up` point it at the local sandbox
 * (scripts/razorpay-sandbox), which speaks the same wire format. Never call it inside a database
 * transaction: persist the intent, call out, then confirm or compensate.
 */

export const PAYMENT_GATEWAY = Symbol('PAYMENT_GATEWAY');

export type GatewayOrderStatus = 'created' | 'attempted' | 'paid';
export type GatewayPaymentStatus = 'created' | 'authorized' | 'captured' | 'refunded' | 'failed';

export interface GatewayOrder {
  id: string;
  amountPaise: number;
  amountPaidPaise: number;
  currency: 'INR';
  receipt: string;
  status: GatewayOrderStatus;
  notes: Record<string, string>;
}

export interface GatewayPayment {
  id: string;
  orderId: string | null;
  amountPaise: number;
  currency: 'INR';
  status: GatewayPaymentStatus;
  method: string | null;
  /** Gateway fee including GST on it, and that GST (known once captured). */
  feePaise: number | null;
  feeTaxPaise: number | null;
  amountRefundedPaise: number;
  errorCode: string | null;
  errorDescription: string | null;
  createdAt: number;
}

export interface GatewayTransfer {
  id: string;
  sourcePaymentId: string | null;
  recipientAccountId: string;
  amountPaise: number;
  amountReversedPaise: number;
  onHold: boolean;
  status: string;
  settlementStatus: string | null;
  notes: Record<string, string>;
}

export interface GatewayRefund {
  id: string;
  paymentId: string;
  amountPaise: number;
  status: 'pending' | 'processed' | 'failed';
  notes: Record<string, string>;
}

export interface GatewayLinkedAccount {
  id: string;
  status: string;
  referenceId: string | null;
}

export interface GatewaySettlement {
  id: string;
  amountPaise: number;
  feesPaise: number;
  taxPaise: number;
  status: string;
  utr: string | null;
  createdAt: number;
}

/** A gateway call that failed: `retryable` for network errors, timeouts and 5xx. */
export class GatewayError extends Error {
  constructor(
    message: string,
    readonly statusCode: number | null,
    readonly code: string | null,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'GatewayError';
  }
}

export interface PaymentGateway {
  /** The public key id the buyer's checkout uses. */
  readonly keyId: string;

  createOrder(input: {
    amountPaise: number;
    receipt: string;
    notes: Record<string, string>;
  }): Promise<GatewayOrder>;
  fetchOrder(orderId: string): Promise<GatewayOrder>;
  paymentsOfOrder(orderId: string): Promise<GatewayPayment[]>;
  fetchPayment(paymentId: string): Promise<GatewayPayment>;
  capturePayment(paymentId: string, amountPaise: number): Promise<GatewayPayment>;
  /** Checkout's `razorpay_signature`: HMAC-SHA256 of `order_id|payment_id` with the key secret (timing-safe). */
  verifyCheckoutSignature(input: {
    orderId: string;
    paymentId: string;
    signature: string;
  }): boolean;

  /** Route: transfers from a captured payment to linked accounts, created on hold. */
  transferFromPayment(
    paymentId: string,
    transfers: {
      accountId: string;
      amountPaise: number;
      onHold: boolean;
      notes: Record<string, string>;
    }[],
  ): Promise<GatewayTransfer[]>;
  fetchTransfer(transferId: string): Promise<GatewayTransfer>;
  /** Lifts (or sets) a transfer's hold. */
  setTransferHold(transferId: string, onHold: boolean): Promise<GatewayTransfer>;
  reverseTransfer(
    transferId: string,
    amountPaise: number,
  ): Promise<{ id: string; amountPaise: number }>;

  /** Refund, with Razorpay's refund idempotency header set to `idempotencyKey`. */
  refundPayment(
    paymentId: string,
    input: {
      amountPaise: number;
      idempotencyKey: string;
      reverseAll: boolean;
      notes: Record<string, string>;
    },
  ): Promise<GatewayRefund>;
  fetchRefund(refundId: string): Promise<GatewayRefund>;

  /** Route linked account for a dealer (Razorpay's v2 accounts API). */
  createLinkedAccount(input: {
    referenceId: string;
    email: string;
    phone: string | null;
    legalBusinessName: string;
    contactName: string;
  }): Promise<GatewayLinkedAccount>;
  fetchLinkedAccount(accountId: string): Promise<GatewayLinkedAccount>;

  fetchSettlement(settlementId: string): Promise<GatewaySettlement>;
}
