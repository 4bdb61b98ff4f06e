/**
 * The payment gateway port: what the platform needs from Razorpay (Orders, Payments, Route transfers
 * held until release, Refunds, linked accounts, Settlements, Payment Links and UPI QR codes), in
 * integer paise. The Razorpay adapter
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
  /** The linked account's settlement that paid this transfer out (once settled). */
  recipientSettlementId: string | null;
  notes: Record<string, string>;
  createdAt: number;
}

/** A reversal of a Route transfer (Razorpay's `GET /v1/transfers/:id/reversals`). */
export interface GatewayReversal {
  id: string;
  transferId: string;
  amountPaise: number;
  createdAt: number;
}

/**
 * A linked account's settlement as the platform sees it: the transfers it paid out, and when
 * Razorpay created it (the transfers' `recipient_settlement`, expanded; null when they do not say).
 */
export interface GatewayRecipientSettlement {
  id: string;
  createdAt: number | null;
  transfers: GatewayTransfer[];
}

export interface GatewayRefund {
  id: string;
  paymentId: string;
  amountPaise: number;
  status: 'pending' | 'processed' | 'failed';
  notes: Record<string, string>;
  createdAt: number;
}

/** An Indian address as Razorpay's linked-account profile takes it. */
export interface GatewayAddress {
  /** At most 100 characters each; Razorpay refuses an account without street2. */
  street1: string;
  street2: string;
  /** Letters, digits and spaces, at most 100 characters. */
  city: string;
  /** The state's name as Razorpay lists it, e.g. `KARNATAKA` (not a code). */
  state: string;
  /** 6-digit PIN code. */
  postalCode: string;
  country: 'IN';
}

/** What a Route linked account is created with (Razorpay's `POST /v2/accounts`). */
export interface GatewayLinkedAccountInput {
  /** Our reference (3 to 20 characters), echoed back as `reference_id`. */
  referenceId: string;
  /** Razorpay allows one linked account per email (GatewayLinkedAccountExists otherwise). */
  email: string;
  phone: string | null;
  legalBusinessName: string;
  contactName: string;
  /** Razorpay's business type, e.g. `proprietorship`, `partnership`, `private_limited`. */
  businessType: string;
  profile: {
    /** Razorpay's business category and sub-category, e.g. `ecommerce` / `telecommunication_equipment_stores`. */
    category: string;
    subcategory: string;
    registeredAddress: GatewayAddress;
  };
  /** The business PAN (4th character C, H, F, A, T, B, J, G or L) and GSTIN, when known. */
  legalInfo: { pan?: string; gst?: string };
}

export interface GatewayLinkedAccount {
  id: string;
  status: string;
  referenceId: string | null;
}

/** A stakeholder of a linked account (Razorpay's `POST /v2/accounts/{id}/stakeholders`). */
export interface GatewayStakeholderInput {
  /** The person's name (Razorpay: letters and spaces). */
  name: string;
  email: string;
  phone: string | null;
  /** The person's own PAN (4th character P), when known. */
  pan: string | null;
}

export interface GatewayStakeholder {
  id: string;
  email: string | null;
}

/** The settlement bank account of a Route product configuration. */
export interface GatewaySettlementAccount {
  accountNumber: string;
  ifsc: string;
  beneficiaryName: string;
}

/**
 * A linked account's Route product configuration. `activationStatus` is Razorpay's:
 * `requested`, `needs_clarification`, `under_review`, `activated`, `suspended`.
 */
export interface GatewayRouteProduct {
  id: string;
  accountId: string;
  activationStatus: string;
  /** What Razorpay still needs (`requirements[].field_reference`/`reason_code`), when it asks. */
  requirements: string[];
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

export type GatewayPaymentLinkStatus =
  'created' | 'partially_paid' | 'paid' | 'cancelled' | 'expired';

/** What a Payment Link is created with (Razorpay's `POST /v1/payment_links`). */
export interface GatewayPaymentLinkInput {
  /** At least 100 (₹1). */
  amountPaise: number;
  /**
   * Our reference (at most 40 characters), unique per Razorpay account: Razorpay refuses a second
   * link with it (400 BAD_REQUEST_ERROR), so a create whose answer was lost is found again with
   * paymentLinkByReference rather than created twice.
   */
  referenceId: string;
  description: string;
  customer: { name?: string; email?: string; contact?: string };
  /** Whether Razorpay sends the link by SMS / email itself. */
  notify: { sms: boolean; email: boolean };
  /** Unix seconds, at least 15 minutes ahead; null: Razorpay's default (six months). */
  expireBy: number | null;
  notes: Record<string, string>;
  /** Where the customer is redirected after paying (`callback_method` get); null: none. */
  callbackUrl: string | null;
}

export interface GatewayPaymentLink {
  id: string;
  referenceId: string | null;
  amountPaise: number;
  amountPaidPaise: number;
  status: GatewayPaymentLinkStatus;
  /** What the customer opens. */
  shortUrl: string;
  /** The order Razorpay created at the first payment (null before). */
  orderId: string | null;
  /** The link's payments, oldest first. */
  payments: { id: string; amountPaise: number; status: string }[];
  /** Unix seconds; null when the link has none of its own. */
  expireBy: number | null;
  notes: Record<string, string>;
  createdAt: number;
}

/** What a single-use, fixed-amount UPI QR code is created with (`POST /v1/payments/qr_codes`). */
export interface GatewayQrCodeInput {
  amountPaise: number;
  /** Shown on the QR code's page (Razorpay's `name`, e.g. the job's reference). */
  name: string;
  description: string;
  /** Unix seconds: at least 15 minutes and at most 45 days ahead; null: Razorpay's 45 days. */
  closeBy: number | null;
  notes: Record<string, string>;
}

export interface GatewayQrCode {
  id: string;
  amountPaise: number;
  status: 'active' | 'closed';
  /** `paid` (its one payment received), `on_demand` (closed by us); null while active or expired. */
  closeReason: string | null;
  /** The QR code's image. */
  imageUrl: string;
  paymentsAmountReceivedPaise: number;
  paymentsCountReceived: number;
  closeBy: number | null;
  closedAt: number | null;
  notes: Record<string, string>;
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

/**
 * Razorpay refused to create a linked account because one already exists for the email
 * (`Merchant email already exists for account - <id>`): `accountId` is that account.
 */
export class GatewayLinkedAccountExists extends GatewayError {
  constructor(
    message: string,
    readonly accountId: string,
  ) {
    super(message, 400, 'BAD_REQUEST_ERROR', false);
    this.name = 'GatewayLinkedAccountExists';
  }
}

/**
 * Whether a gateway failure means "no such object": Razorpay answers an unknown id with 400
 * `BAD_REQUEST_ERROR` ("The id provided does not exist"); 404 is taken the same way. Retryable
 * failures (network, 5xx, 429) never are.
 */
export function notFoundAtGateway(err: unknown): boolean {
  return (
    err instanceof GatewayError &&
    !err.retryable &&
    (err.statusCode === 400 || err.statusCode === 404)
  );
}

/** Razorpay's list filters: unix seconds, inclusive, on the entity's created_at. */
export interface GatewayListRange {
  from: number;
  to: number;
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

  /**
   * Route linked account for a dealer (Razorpay's v2 accounts API). Throws GatewayLinkedAccountExists
   * when Razorpay already has a linked account for the email (e.g. created by an earlier attempt
   * whose answer was lost).
   */
  createLinkedAccount(input: GatewayLinkedAccountInput): Promise<GatewayLinkedAccount>;
  fetchLinkedAccount(accountId: string): Promise<GatewayLinkedAccount>;
  /** Adds a stakeholder to a linked account (Route needs one before the product is configured). */
  createStakeholder(accountId: string, input: GatewayStakeholderInput): Promise<GatewayStakeholder>;
  /** The account's stakeholders (to adopt one an earlier attempt created). */
  stakeholdersOf(accountId: string): Promise<GatewayStakeholder[]>;
  /** Requests the `route` product for the account (terms accepted). */
  requestRouteProduct(accountId: string): Promise<GatewayRouteProduct>;
  /** Configures the product's settlement bank account (terms accepted). */
  configureRouteProduct(
    accountId: string,
    productId: string,
    settlements: GatewaySettlementAccount,
  ): Promise<GatewayRouteProduct>;
  fetchRouteProduct(accountId: string, productId: string): Promise<GatewayRouteProduct>;

  /**
   * A settlement: the platform's own, or, with `linkedAccountId`, one of that Route linked account's
   * (Razorpay's `X-Razorpay-Account` header). A settlement of another account is not found.
   */
  fetchSettlement(settlementId: string, linkedAccountId?: string): Promise<GatewaySettlement>;

  /*
   * Lists (for reconciliation): every item of the range, paged through by the adapter (100 a page),
   * newest first, each once.
   */
  listPayments(range: GatewayListRange): Promise<GatewayPayment[]>;
  listRefunds(range: GatewayListRange): Promise<GatewayRefund[]>;
  listTransfers(range: GatewayListRange): Promise<GatewayTransfer[]>;
  /**
   * A linked account's settlement: the transfers it settled (`recipient_settlement_id`), with the
   * settlement expanded for its time (`expand[]=recipient_settlement`).
   */
  recipientSettlement(settlementId: string): Promise<GatewayRecipientSettlement>;
  /** Every reversal of a transfer, with its time. */
  reversalsOfTransfer(transferId: string): Promise<GatewayReversal[]>;
  /** The platform's own settlements (not linked accounts'). */
  listSettlements(range: GatewayListRange): Promise<GatewaySettlement[]>;

  /*
   * Payment Links and UPI QR codes (a technician collecting at the job): the customer pays Razorpay
   * directly; the payment is captured at once (webhooks `payment_link.*`, `qr_code.*`).
   */
  createPaymentLink(input: GatewayPaymentLinkInput): Promise<GatewayPaymentLink>;
  fetchPaymentLink(linkId: string): Promise<GatewayPaymentLink>;
  /** The link created with our reference, or null (to adopt a link whose create answer was lost). */
  paymentLinkByReference(referenceId: string): Promise<GatewayPaymentLink | null>;
  /** Cancels a link not paid yet (Razorpay refuses a paid, expired or cancelled one). */
  cancelPaymentLink(linkId: string): Promise<GatewayPaymentLink>;
  /** A single-use UPI QR code for exactly `amountPaise`. */
  createQrCode(input: GatewayQrCodeInput): Promise<GatewayQrCode>;
  /**
   * QR codes created within the range (newest first): how a QR code whose creation's answer was
   * lost is found again (by the notes it was created with; Razorpay has no reference id for them).
   */
  listQrCodes(range: GatewayListRange): Promise<GatewayQrCode[]>;
  fetchQrCode(qrId: string): Promise<GatewayQrCode>;
  /** The payments made to a QR code, newest first (what binds a payment, which has no order, to it). */
  paymentsOfQrCode(qrId: string): Promise<GatewayPayment[]>;
  /** Closes an active QR code (`close_reason` on_demand); Razorpay refuses a closed one. */
  closeQrCode(qrId: string): Promise<GatewayQrCode>;
}
