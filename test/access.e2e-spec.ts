import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Get } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { TechnicianKind } from '../src/common/roles.js';
import { projectRoot } from '../src/common/project-root.js';
import { LedgerService } from '../src/ledger/persistence/ledger.service.js';
import { DailyReconciliationReport } from '../src/reconciliation/daily-reconciliation-report.service.js';
import { createAccount, login, QUIET_ENV, signInAs, TEST_PASSWORD } from './support/accounts.js';
import { listRoutes } from '../src/access/routes.js';
import { TEST_METRICS_TOKEN } from './support/metrics.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { TEST_IMAGES } from './support/test-images.js';
import { withClient } from './support/test-database.js';

/** Who calls: anonymous, every role, and the states that change what a role may do. */
const KINDS = [
  'anonymous',
  'customer',
  'business',
  'dealer_pending',
  'dealer',
  'tech_hardware',
  'tech_software',
  'admin',
  'finance',
  'ops_leader',
  'compliance',
  'cfo',
] as const;
type Kind = (typeof KINDS)[number];

const SIGNED_IN = KINDS.filter((k) => k !== 'anonymous');
const ADMINS: Kind[] = ['admin', 'ops_leader'];
/** Approved accounts that buy parts. */
const BUYERS: Kind[] = ['customer', 'business', 'dealer', 'tech_hardware', 'tech_software'];
/** Dealers, business buyers and technicians, whatever their approval status (their KYC documents). */
const APPLICANTS: Kind[] = [
  'business',
  'dealer_pending',
  'dealer',
  'tech_hardware',
  'tech_software',
];
/** Approved technicians (the repairs assigned to them). */
const TECHNICIANS: Kind[] = ['tech_hardware', 'tech_software'];
/** Staff who read the money: the CFO too (it reads, never writes; README "The `cfo` role"). */
const MONEY_READERS: Kind[] = [...ADMINS, 'compliance', 'finance', 'cfo'];
/** Statutory returns: finance and compliance, and the CFO reading; exports not for the CFO. */
const RETURN_READERS: Kind[] = ['finance', 'compliance', 'cfo'];
const RETURN_EXPORTERS: Kind[] = ['finance', 'compliance'];
/** Who calls about their repair jobs (approved customers, business buyers, technicians). */
const CALLERS: Kind[] = ['customer', 'business', 'tech_hardware', 'tech_software'];
/** Who chats: the approved parties of jobs and orders (object-checked: a stranger gets 404) and staff who moderate. */
const CHATTERS: Kind[] = [...BUYERS, ...ADMINS];
/** Who reads chats: the parties, and staff who moderate or investigate (compliance reads only). */
const CHAT_READERS: Kind[] = [...CHATTERS, 'compliance'];

/**
 * The expected matrix, written by hand from the platform's policy (not derived from the code under test):
 * 'public' = everyone, 'signed-in' = every account, 'metrics-token' = no account (only the scraper's
 * METRICS_TOKEN, set in this suite), 'livekit-signature' = no account (only LiveKit's signed
 * webhooks), 'relay-secret' = no account (only the tunnel relays' TUNNEL_RELAY_SECRET), 'agent-token'
 * = no account (only a customer agent's join token), or the exact kinds allowed. Every route in openapi.json must appear here, so a new route
 * cannot ship without a decision.
 */
type Rule =
  | 'public'
  | 'signed-in'
  | 'metrics-token'
  | 'livekit-signature'
  | 'relay-secret'
  | 'agent-token'
  | Kind[];
/** Rules no account's token opens (their own credential's 401 code). */
const OWN_CREDENTIAL: Partial<Record<Rule & string, string>> = {
  'metrics-token': 'metrics/unauthorized',
  'livekit-signature': 'livekit-webhook/invalid-signature',
  'relay-secret': 'remote/relay-unauthorized',
  'agent-token': 'remote/agent-unauthorized',
};
const EXPECTED: Record<string, Rule> = {
  'GET /health/live': 'public',
  'GET /health/ready': 'public',
  'GET /metrics': 'metrics-token',
  'POST /accounts/customers': 'public',
  'POST /accounts/businesses': 'public',
  'POST /accounts/dealers': 'public',
  'POST /accounts/technicians': 'public',
  'POST /auth/login': 'public',
  'POST /auth/refresh': 'public',
  'POST /auth/logout': 'signed-in',
  'POST /auth/logout-everywhere': 'signed-in',
  'POST /auth/password': 'signed-in',
  'POST /auth/mfa/verify': 'public',
  'POST /auth/mfa/enrolment': 'public',
  'POST /auth/mfa/enrolment/confirm': 'public',
  'POST /auth/password-reset': 'public',
  'POST /auth/password-reset/confirm': 'public',
  'GET /me': 'signed-in',
  'PATCH /me': 'signed-in',
  'GET /me/sessions': 'signed-in',
  'DELETE /me/sessions/{sessionId}': 'signed-in',
  'POST /me/phone/verification': 'signed-in',
  'POST /me/phone/verify': 'signed-in',
  'POST /admin/staff': ['admin'],
  'GET /admin/approvals': ADMINS,
  'GET /admin/approvals/{userId}/documents': ADMINS,
  'GET /admin/approvals/{userId}/documents/{id}': ADMINS,
  'PUT /me/kyc-documents/{kind}': APPLICANTS,
  'GET /me/kyc-documents': APPLICANTS,
  'GET /admin/users/{id}': [...ADMINS, 'compliance', 'finance'],
  'POST /admin/users/{id}/approve': ADMINS,
  'POST /admin/users/{id}/suspend': ADMINS,
  'POST /admin/users/{id}/block': ADMINS,
  'GET /admin/users/{id}/sessions': [...ADMINS, 'compliance'],
  'POST /admin/users/{id}/sessions/revoke': ADMINS,
  'POST /admin/users/{id}/mfa/reset': ['ops_leader'],
  'GET /audit/events': [...ADMINS, 'compliance'],
  'GET /audit/events/export': ['compliance'],
  'GET /audit/head': [...ADMINS, 'compliance'],
  'GET /audit/verify': [...ADMINS, 'compliance'],
  'GET /admin/abuse/blocks': ADMINS,
  'DELETE /admin/abuse/blocks/{kind}/{value}': ['ops_leader'],
  'POST /ledger/adjustments': ['finance'],
  'GET /ledger/adjustments': MONEY_READERS,
  'GET /ledger/adjustments/{adjustmentId}': MONEY_READERS,
  'POST /ledger/adjustments/{adjustmentId}/approve': ['finance'],
  'POST /ledger/adjustments/{adjustmentId}/reject': ['finance'],
  'POST /ledger/tcs-corrections': ['finance'],
  'GET /ledger/tcs-corrections/{correctionId}': MONEY_READERS,
  'POST /ledger/tcs-corrections/{correctionId}/approve': ['finance'],
  'POST /ledger/tcs-corrections/{correctionId}/reject': ['finance'],
  'GET /ledger/accounts': MONEY_READERS,
  'GET /ledger/accounts/{code}/balance': MONEY_READERS,
  'GET /ledger/accounts/{code}/statement': MONEY_READERS,
  'GET /ledger/trial-balance': MONEY_READERS,
  'GET /ledger/entries': MONEY_READERS,
  'GET /ledger/verify': MONEY_READERS,
  'GET /ledger/entries/{entryId}': MONEY_READERS,
  'GET /ledger/export': MONEY_READERS,
  'GET /catalog/listings': 'public',
  'GET /catalog/listings/{id}': 'public',
  'GET /catalog/listings/{listingId}/images/{imageId}': 'public',
  // Listed after the catalog routes: the matrix's '{}' bodies may pause the probe listing.
  'POST /dealer/listings': ['dealer'],
  'GET /dealer/listings': ['dealer'],
  'GET /dealer/listings/{listingId}': ['dealer'],
  'PATCH /dealer/listings/{listingId}': ['dealer'],
  'POST /dealer/listings/{listingId}/submit': ['dealer'],
  'POST /dealer/listings/{listingId}/pause': ['dealer'],
  'POST /dealer/listings/{listingId}/resume': ['dealer'],
  'POST /dealer/listings/{listingId}/price': ['dealer'],
  'PUT /dealer/listings/{listingId}/stock': ['dealer'],
  'POST /dealer/listings/{listingId}/stock/adjustments': ['dealer'],
  'GET /dealer/listings/{listingId}/stock/movements': ['dealer'],
  // Its '{}' JSON body is answered 415 (not an image) to the dealer.
  'POST /dealer/listings/{listingId}/images': ['dealer'],
  'GET /dealer/listings/{listingId}/images': ['dealer'],
  'PUT /dealer/listings/{listingId}/images/order': ['dealer'],
  // The dealer's probe deletes the probe image: after its public read above.
  'DELETE /dealer/listings/{listingId}/images/{imageId}': ['dealer'],
  'GET /admin/listings': ADMINS,
  'GET /admin/listings/{listingId}': ADMINS,
  'POST /admin/listings/{listingId}/approve': ADMINS,
  'POST /admin/listings/{listingId}/reject': ADMINS,
  'POST /admin/listings/{listingId}/price/approve': ADMINS,
  'POST /admin/listings/{listingId}/price/reject': ADMINS,
  'POST /admin/listings/{listingId}/pause': ADMINS,
  'POST /admin/listings/{listingId}/reinstate': ADMINS,
  'POST /admin/listings/{listingId}/remove': ADMINS,
  // Orders: reads first (the probes' '{}' bodies may cancel the probe order).
  'GET /delivery-rules': 'public',
  'POST /webhooks/razorpay': 'public',
  'POST /webhooks/livekit': 'livekit-signature',
  'GET /cart': BUYERS,
  'GET /orders': BUYERS,
  'GET /orders/{orderId}': BUYERS,
  'GET /dealer/orders': ['dealer'],
  'GET /dealer/orders/{subOrderId}': ['dealer'],
  'GET /admin/orders': MONEY_READERS,
  'GET /admin/orders/{orderId}': MONEY_READERS,
  'GET /orders/{orderId}/payments': BUYERS,
  'GET /orders/{orderId}/payments/refunds': BUYERS,
  'POST /orders/{orderId}/payments': BUYERS,
  'POST /orders/{orderId}/payments/verify': BUYERS,
  'PUT /cart/items/{listingId}': BUYERS,
  'DELETE /cart/items/{listingId}': BUYERS,
  'DELETE /cart': BUYERS,
  'POST /checkout': BUYERS,
  'POST /orders/{orderId}/cancel': BUYERS,
  'POST /orders/{orderId}/sub-orders/{subOrderId}/cancel': BUYERS,
  'POST /orders/{orderId}/sub-orders/{subOrderId}/lines/cancel': BUYERS,
  'POST /orders/{orderId}/sub-orders/{subOrderId}/confirm-delivery': BUYERS,
  'POST /dealer/orders/{subOrderId}/accept': ['dealer'],
  'POST /dealer/orders/{subOrderId}/pack': ['dealer'],
  'POST /dealer/orders/{subOrderId}/ship': ['dealer'],
  'POST /dealer/orders/{subOrderId}/cancel': ['dealer'],
  'POST /admin/orders/{orderId}/sub-orders/{subOrderId}/cancel': ADMINS,
  'POST /admin/orders/{orderId}/sub-orders/{subOrderId}/confirm-delivery': ADMINS,
  'PUT /admin/delivery-rules/{channel}': ADMINS,
  'GET /admin/payments': MONEY_READERS,
  'GET /admin/payments/totals': MONEY_READERS,
  'GET /admin/escrow/aging': MONEY_READERS,
  'GET /admin/escrow/holds': MONEY_READERS,
  'GET /admin/escrow/releases-due': MONEY_READERS,
  'GET /admin/refunds': MONEY_READERS,
  'GET /admin/payouts': MONEY_READERS,
  'GET /dealer/escrow': ['dealer'],
  'GET /dealer/escrow/payouts': ['dealer'],
  'GET /admin/payment-alerts': MONEY_READERS,
  'POST /admin/payment-alerts/{id}/assign': [...ADMINS, 'finance'],
  'POST /admin/payment-alerts/{id}/resolve': [...ADMINS, 'finance'],
  'GET /admin/fraud/alerts': [...ADMINS, 'compliance', 'finance'],
  'POST /admin/fraud/alerts/{id}/assign': [...ADMINS, 'finance'],
  'POST /admin/fraud/alerts/{id}/resolve': [...ADMINS, 'finance'],
  'GET /admin/fraud/holds': [...ADMINS, 'compliance', 'finance'],
  'POST /admin/fraud/holds/{orderId}/clear': ADMINS,
  'POST /admin/fraud/holds/{orderId}/reject': ADMINS,
  'GET /admin/reconciliation/runs': MONEY_READERS,
  'POST /admin/reconciliation/runs': [...ADMINS, 'finance'],
  'GET /admin/reconciliation/runs/{runId}': MONEY_READERS,
  'GET /admin/reconciliation/exceptions': MONEY_READERS,
  'POST /admin/reconciliation/exceptions/{id}/resolve': [...ADMINS, 'finance'],
  'POST /orders/{orderId}/sub-orders/{subOrderId}/disputes': BUYERS,
  'GET /disputes': BUYERS,
  'GET /disputes/{id}': 'signed-in',
  'POST /disputes/{id}/evidence': 'signed-in',
  'GET /disputes/{id}/evidence/{evidenceId}': 'signed-in',
  'POST /dealer/disputes/{id}/respond': ['dealer'],
  'POST /repairs/{repairJobId}/disputes': BUYERS,
  'POST /technician/disputes/{id}/respond': TECHNICIANS,
  'GET /admin/disputes': MONEY_READERS,
  'POST /admin/disputes/{id}/resolve': [...ADMINS, 'finance'],
  'GET /admin/payments/route-accounts': MONEY_READERS,
  'POST /admin/payments/route-accounts/{payeeId}/retry': [...ADMINS, 'finance'],
  'GET /payees/me': ['dealer', 'tech_hardware', 'tech_software'],
  'PUT /payees/me/settlement-details': ['dealer', 'tech_hardware', 'tech_software'],
  'GET /admin/payees/pending-review': MONEY_READERS,
  'GET /admin/payees/{id}': MONEY_READERS,
  'POST /admin/payees/{id}/settlement-details/approve': [...ADMINS, 'finance'],
  'POST /admin/payees/{id}/settlement-details/reject': [...ADMINS, 'finance'],
  'POST /admin/escrow/holds/{subOrderId}/hold': [...ADMINS, 'finance'],
  'POST /admin/escrow/holds/{subOrderId}/unhold': [...ADMINS, 'finance'],
  'POST /admin/escrow/holds/{subOrderId}/release-early': [...ADMINS, 'finance'],
  'POST /admin/escrow/repair-jobs/{repairJobId}/hold': [...ADMINS, 'finance'],
  'POST /admin/escrow/repair-jobs/{repairJobId}/unhold': [...ADMINS, 'finance'],
  'POST /admin/escrow/repair-jobs/{repairJobId}/release-early': [...ADMINS, 'finance'],
  'POST /admin/escrow/holds/{subOrderId}/refund-after-release': [...ADMINS, 'finance'],
  'POST /admin/escrow/holds/{subOrderId}/retry-transfer': [...ADMINS, 'finance'],
  'POST /admin/escrow/repair-jobs/{repairJobId}/retry-transfer': [...ADMINS, 'finance'],
  'GET /admin/escrow/early-releases': MONEY_READERS,
  'POST /admin/escrow/early-releases/{earlyReleaseId}/approve': [...ADMINS, 'finance'],
  'POST /admin/escrow/early-releases/{earlyReleaseId}/reject': [...ADMINS, 'finance'],
  'POST /admin/commission-rules': [...ADMINS, 'finance'],
  'GET /admin/commission-rules': MONEY_READERS,
  'GET /admin/commission-invoices': MONEY_READERS,
  'GET /dealer/commission-invoices': ['dealer'],
  'POST /repairs': BUYERS,
  'GET /repairs': BUYERS,
  'GET /repairs/{repairJobId}': BUYERS,
  'GET /repairs/{repairJobId}/quotes': BUYERS,
  'GET /repairs/{repairJobId}/timeline': BUYERS,
  'POST /repairs/{repairJobId}/media': BUYERS,
  'GET /repairs/{repairJobId}/media': [...BUYERS, ...MONEY_READERS],
  'GET /repairs/{repairJobId}/media/{mediaId}': [...BUYERS, ...MONEY_READERS],
  'GET /repairs/{repairJobId}/tracking': BUYERS,
  'POST /repairs/{repairJobId}/quote/approve': BUYERS,
  'POST /repairs/{repairJobId}/quote/reject': BUYERS,
  'POST /repairs/{repairJobId}/supplements/approve': BUYERS,
  'POST /repairs/{repairJobId}/supplements/decline': BUYERS,
  'POST /repairs/{repairJobId}/cancel': BUYERS,
  'POST /repairs/{repairJobId}/confirm': BUYERS,
  'GET /repairs/{repairJobId}/payments': BUYERS,
  'GET /repairs/{repairJobId}/payments/refunds': BUYERS,
  'POST /repairs/{repairJobId}/payments': BUYERS,
  'POST /repairs/{repairJobId}/payments/verify': BUYERS,
  'GET /repairs/{repairJobId}/payment-requests': BUYERS,
  'POST /repairs/{repairJobId}/payment-request/cancel': BUYERS,
  'GET /technician/earnings': TECHNICIANS,
  'GET /me/tds-statements/{period}': ['dealer', ...TECHNICIANS],
  'GET /admin/returns/gstr8/{period}': RETURN_READERS,
  'GET /admin/returns/gstr8/{period}/export': RETURN_EXPORTERS,
  'POST /admin/returns/gstr8/{period}/close': ['finance'],
  'GET /admin/returns/gstr1/{period}': RETURN_READERS,
  'GET /admin/returns/gstr1/{period}/export': RETURN_EXPORTERS,
  'POST /admin/returns/gstr1/{period}/close': ['finance'],
  'GET /admin/returns/tds-194o/{period}': RETURN_READERS,
  'GET /admin/returns/tds-194o/{period}/export': RETURN_EXPORTERS,
  'POST /admin/returns/tds-194o/{period}/close': ['finance'],
  'GET /admin/returns/tax-payments': RETURN_READERS,
  'GET /admin/returns/periods': RETURN_READERS,
  'POST /admin/returns/tax-payments': ['finance'],
  'GET /technician/payouts': TECHNICIANS,
  'GET /technician/commission-invoices': TECHNICIANS,
  'GET /technician/repairs': TECHNICIANS,
  'GET /technician/repairs/{repairJobId}': TECHNICIANS,
  'GET /technician/repairs/{repairJobId}/quotes': TECHNICIANS,
  'GET /technician/repairs/{repairJobId}/timeline': TECHNICIANS,
  'POST /technician/repairs/{repairJobId}/depart': TECHNICIANS,
  'POST /technician/repairs/{repairJobId}/arrive': TECHNICIANS,
  'POST /technician/repairs/{repairJobId}/diagnose': TECHNICIANS,
  'POST /technician/repairs/{repairJobId}/quotes': TECHNICIANS,
  'POST /technician/repairs/{repairJobId}/supplements': TECHNICIANS,
  'POST /technician/repairs/{repairJobId}/finish': TECHNICIANS,
  'POST /technician/repairs/{repairJobId}/supplements/withdraw': TECHNICIANS,
  'POST /technician/repairs/{repairJobId}/withdraw': TECHNICIANS,
  'POST /technician/repairs/{repairJobId}/payment-request': TECHNICIANS,
  'POST /technician/repairs/{repairJobId}/payment-request/cancel': TECHNICIANS,
  'GET /technician/repairs/{repairJobId}/payment-requests': TECHNICIANS,
  'POST /technician/repairs/{repairJobId}/cancel': TECHNICIANS,
  'GET /technician/offers': TECHNICIANS,
  'POST /technician/offers/{offerId}/accept': TECHNICIANS,
  'POST /technician/offers/{offerId}/decline': TECHNICIANS,
  'GET /admin/repairs': MONEY_READERS,
  'GET /admin/repairs/{repairJobId}': MONEY_READERS,
  'GET /admin/repairs/{repairJobId}/quotes': MONEY_READERS,
  'GET /admin/repairs/{repairJobId}/timeline': MONEY_READERS,
  'GET /admin/repairs/{repairJobId}/tracking': ADMINS,
  'POST /admin/repairs/{repairJobId}/assign': ADMINS,
  'POST /admin/repairs/{repairJobId}/reassign': ['ops_leader'],
  'POST /admin/repairs/{repairJobId}/cancel': ADMINS,
  'POST /admin/repairs/{repairJobId}/confirm': ADMINS,
  'POST /admin/repairs/{repairJobId}/supplements/withdraw': ADMINS,
  'POST /admin/repairs/{repairJobId}/refund': ADMINS,
  'POST /admin/repairs/{repairJobId}/refund-after-release': [...ADMINS, 'finance'],
  'PUT /technicians/me/availability': ['tech_hardware', 'tech_software'],
  'GET /technicians/me/readiness': ['tech_hardware', 'tech_software'],
  'GET /technicians/me/availability': ['tech_hardware', 'tech_software'],
  'POST /technicians/me/location': ['tech_hardware', 'tech_software'],
  'GET /technicians/nearby': ['customer', 'business'],
  'GET /admin/technicians/location-reviews': ADMINS,
  'POST /admin/technicians/{id}/location-review/clear': ADMINS,
  'POST /admin/technicians/{id}/location-review/suspend': ADMINS,
  'POST /repairs/{repairJobId}/review': BUYERS,
  'PATCH /repairs/{repairJobId}/review': BUYERS,
  'POST /repairs/{repairJobId}/customer-review': BUYERS,
  'PATCH /repairs/{repairJobId}/customer-review': BUYERS,
  'GET /repairs/{repairJobId}/reviews': BUYERS,
  'GET /technicians/{technicianId}/reviews': BUYERS,
  'GET /admin/reviews/flags': ADMINS,
  'POST /admin/reviews/{reviewId}/hide': ADMINS,
  'POST /repairs/{repairJobId}/calls': CALLERS,
  'GET /repairs/{repairJobId}/calls': [...CALLERS, ...ADMINS, 'compliance'],
  'GET /calls/{callId}': [...CALLERS, ...ADMINS, 'compliance'],
  'POST /calls/{callId}/accept': CALLERS,
  'POST /calls/{callId}/decline': CALLERS,
  'POST /calls/{callId}/end': CALLERS,
  'POST /calls/{callId}/join': ADMINS,
  'POST /me/push-tokens': 'signed-in',
  'DELETE /me/push-tokens/{token}': 'signed-in',
  'GET /me/notification-preferences': 'signed-in',
  'PUT /me/notification-preferences': 'signed-in',
  'GET /chat/rooms': CHAT_READERS,
  'GET /chat/rooms/{kind}/{subjectId}/messages': CHAT_READERS,
  'POST /chat/rooms/{kind}/{subjectId}/messages': CHATTERS,
  'POST /chat/rooms/{kind}/{subjectId}/receipts': CHAT_READERS,
  'PUT /chat/rooms/{kind}/{subjectId}/masking': ADMINS,
  'POST /chat/messages/{messageId}/report': CHAT_READERS,
  'POST /chat/messages/{messageId}/hide': ADMINS,
  'POST /chat/rooms/{kind}/{subjectId}/attachments': CHATTERS,
  'GET /admin/chat/reports': [...ADMINS, 'compliance'],
  'POST /admin/chat/reports/{id}/resolve': ADMINS,
  'GET /admin/calls': [...ADMINS, 'compliance'],
  'GET /chat/messages/{messageId}/attachment': CHAT_READERS,
  'GET /repairs/{repairJobId}/remote-consent': ['customer', 'business'],
  'POST /repairs/{repairJobId}/remote-consent': ['customer', 'business'],
  'POST /repairs/{repairJobId}/remote-consent/revoke': ['customer', 'business'],
  'GET /repairs/{repairJobId}/remote-sessions': [...CALLERS, ...ADMINS, 'compliance'],
  'POST /technician/repairs/{repairJobId}/remote-sessions': TECHNICIANS,
  'PUT /technician/repairs/{repairJobId}/imei': TECHNICIANS,
  'POST /technician/repairs/{repairJobId}/imei/reveal': TECHNICIANS,
  'GET /remote-sessions/{remoteSessionId}': [...CALLERS, ...ADMINS, 'compliance'],
  'POST /remote-sessions/{remoteSessionId}/approve': CALLERS,
  'POST /remote-sessions/{remoteSessionId}/end': CALLERS,
  'POST /remote-sessions/{remoteSessionId}/agent-tokens': CALLERS,
  'POST /remote-sessions/{remoteSessionId}/activity': 'agent-token',
  'GET /remote/tunnel-keys': 'public',
  'POST /remote/relay-events': 'relay-secret',
  'GET /remote/revocations': 'relay-secret',
  'GET /admin/remote-sessions': [...ADMINS, 'compliance'],
  'POST /admin/remote-sessions/{remoteSessionId}/kill': ADMINS,
  'POST /admin/repairs/{repairJobId}/imei/reveal': ADMINS,
  'GET /admin/repairs/{repairJobId}/same-device': [...ADMINS, 'compliance'],
};

/**
 * Reads of one object that only its owner sees (other allowed callers get 404, not 403), or of an
 * object the matrix does not make (allowed callers get 404).
 */
const OWNER_ONLY = new Set([
  'GET /orders/{orderId}',
  'GET /orders/{orderId}/payments',
  'GET /orders/{orderId}/payments/refunds',
  'GET /repairs/{repairJobId}',
  'GET /repairs/{repairJobId}/quotes',
  'GET /repairs/{repairJobId}/timeline',
  'GET /repairs/{repairJobId}/tracking',
  'GET /repairs/{repairJobId}/payments',
  'GET /repairs/{repairJobId}/payment-requests',
  'GET /repairs/{repairJobId}/payments/refunds',
  'GET /technician/repairs/{repairJobId}',
  'GET /technician/repairs/{repairJobId}/payment-requests',
  'GET /technician/repairs/{repairJobId}/quotes',
  'GET /technician/repairs/{repairJobId}/timeline',
  'GET /admin/repairs/{repairJobId}',
  'GET /admin/repairs/{repairJobId}/quotes',
  'GET /admin/repairs/{repairJobId}/timeline',
  'GET /admin/repairs/{repairJobId}/tracking',
  // A job's photos and videos: its customer, current technician and staff (the matrix names no job: a 404).
  'GET /repairs/{repairJobId}/media',
  'GET /repairs/{repairJobId}/media/{mediaId}',
  // A job's reviews: only its customer and technician see them (the matrix names no job: a 4xx).
  'GET /repairs/{repairJobId}/reviews',
  // The dispute's buyer, its sub-order's dealer or repair's technician and staff; everyone else 404.
  'GET /disputes/{id}',
  'GET /disputes/{id}/evidence/{evidenceId}',
  // No TCS correction exists here: allowed callers get 404.
  'GET /ledger/tcs-corrections/{correctionId}',
  // A job's calls: its parties and staff (the matrix names no job: a 404); no call exists here.
  'GET /repairs/{repairJobId}/calls',
  'GET /calls/{callId}',
  // A room of a job or sub-order: its parties and staff; the matrix names none (a 4xx).
  'GET /chat/rooms/{kind}/{subjectId}/messages',
  'GET /chat/messages/{messageId}/attachment',
  // Remote repair: the matrix names no job and no session (a 4xx).
  'GET /repairs/{repairJobId}/remote-consent',
  'GET /repairs/{repairJobId}/remote-sessions',
  'GET /remote-sessions/{remoteSessionId}',
  'GET /admin/repairs/{repairJobId}/same-device',
  // No KYC document of the matrix's dealer exists here: allowed callers get 404.
  'GET /admin/approvals/{userId}/documents/{id}',
]);

const allowed = (rule: Rule, kind: Kind): boolean =>
  rule === 'public' ||
  (rule === 'signed-in' ? kind !== 'anonymous' : Array.isArray(rule) && rule.includes(kind));

/** Public routes that take an optional token: the catalog shows a signed-in buyer its channel's prices. */
const TOKEN_OPTIONAL = new Set(['GET /catalog/listings', 'GET /catalog/listings/{id}']);

/** Routes that end the caller's session: the caller signs in again afterwards. */
const ENDS_SESSION = new Set(['POST /auth/logout', 'POST /auth/logout-everywhere']);

interface ResponseDoc {
  $ref?: string;
  description?: string;
  content?: Record<string, { schema?: { $ref?: string } }>;
}
interface OperationDoc {
  security?: Record<string, string[]>[];
  responses: Record<string, ResponseDoc>;
}
interface Contract {
  servers?: { url: string }[];
  paths: Record<string, Record<string, OperationDoc>>;
  components: {
    securitySchemes?: Record<string, { type: string; scheme?: string; bearerFormat?: string }>;
    responses?: Record<string, ResponseDoc>;
  };
}

/** The committed openapi.json, and an operation's responses with `components.responses` refs resolved. */
const contract = (): Contract =>
  JSON.parse(readFileSync(join(projectRoot(), 'openapi.json'), 'utf8')) as Contract;
function responsesOf(spec: Contract, route: string): Record<string, ResponseDoc> {
  const [method, path] = route.split(' ') as [string, string];
  const op = spec.paths[path]?.[method.toLowerCase()];
  if (!op) throw new Error(`${route} is not in openapi.json`);
  return Object.fromEntries(
    Object.entries(op.responses).map(([status, r]) => [
      status,
      r.$ref ? spec.components.responses![r.$ref.replace('#/components/responses/', '')]! : r,
    ]),
  );
}
const PROBLEM = {
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
};

@ApiExcludeController()
@Controller('probe-without-policy')
class NoPolicyController {
  @Get()
  open(): string {
    return 'should never be served';
  }
}

describe('access control', () => {
  let t: TestApp;
  const emails = new Map<Kind, string>();
  const ids = new Map<Kind, string>();
  /** A manual adjustment proposed by a finance user other than the matrix's (who may decide it). */
  let adjustmentId = '';
  /** A TCS correction proposed by that finance user ({correctionId}). */
  let correctionId = '';
  /** An active listing of the matrix's approved dealer (catalog routes' {id}). */
  let listingId = '';
  /** An image of that listing ({imageId}). */
  let imageId = '';
  /** An order of the matrix's customer for that listing, and its sub-order. */
  let orderId = '';
  let subOrderId = '';

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        ...QUIET_ENV,
        METRICS_TOKEN: TEST_METRICS_TOKEN,
        STORAGE_LOCAL_DIR: mkdtempSync(join(tmpdir(), 'fixbazaar-access-')),
        // No gateway answers here (port 9 refuses): opening a payment is a quick 503, not a hang.
        RAZORPAY_API_URL: 'http://127.0.0.1:9',
      },
    });
    const spec: Record<
      Exclude<Kind, 'anonymous'>,
      [Parameters<typeof createAccount>[1], { status?: 'pending'; technicianKind?: TechnicianKind }]
    > = {
      customer: ['customer', {}],
      business: ['business', {}],
      dealer_pending: ['dealer', { status: 'pending' }],
      dealer: ['dealer', {}],
      tech_hardware: ['technician', { technicianKind: 'hardware' }],
      tech_software: ['technician', { technicianKind: 'software' }],
      admin: ['admin', {}],
      finance: ['finance', {}],
      ops_leader: ['ops_leader', {}],
      compliance: ['compliance', {}],
      cfo: ['cfo', {}],
    };
    for (const kind of SIGNED_IN) {
      const [role, opts] = spec[kind];
      const a = await createAccount(t, role, opts);
      emails.set(kind, a.email);
      ids.set(kind, a.userId);
    }
    const ledger = t.app.get(LedgerService);
    for (const code of ['expense:goodwill', 'equity:capital'])
      expect((await ledger.execute({ type: 'open_account', code })).code).toBe('ok');
    // An entry for the ledger read routes ({code}, {entryId}).
    const probe = await ledger.execute({
      type: 'post',
      key: 'access:probe',
      lines: [
        { account: 'expense:goodwill', side: 'debit', amountPaise: 100n },
        { account: 'equity:capital', side: 'credit', amountPaise: 100n },
      ],
      meta: { eventType: 'test', reference: 'test:access', actor: 'system' },
    });
    expect(probe.code).toBe('ok');
    const maker = await signInAs(t, 'finance');
    const proposal = await fetch(`${t.baseUrl}/ledger/adjustments`, {
      method: 'POST',
      headers: { ...maker.headers, 'content-type': 'application/json' },
      body: JSON.stringify({
        reason: 'access matrix probe',
        reference: 'test:access',
        lines: [
          { account: 'expense:goodwill', side: 'debit', amountPaise: 100 },
          { account: 'equity:capital', side: 'credit', amountPaise: 100 },
        ],
      }),
    });
    expect(proposal.status).toBe(201);
    adjustmentId = ((await proposal.json()) as { id: string }).id;
    const correction = await fetch(`${t.baseUrl}/ledger/tcs-corrections`, {
      method: 'POST',
      headers: { ...maker.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'access matrix probe' }),
    });
    expect(correction.status).toBe(201);
    correctionId = ((await correction.json()) as { id: string }).id;
    listingId = await withClient(t.db.ownerUrl, async (c) => {
      const { rows } = await c.query<{ id: string }>(
        `INSERT INTO listings (dealer_id, sku, name, category, brand, compatible_models, condition,
           hsn_code, gst_rate_bps, mrp_paise, b2c_price_paise, b2b_price_paise, stock_on_hand, status,
           search_text)
         VALUES ($1, 'ACCESS-1', 'iPhone 13 Battery', 'battery', 'Apple', '{iPhone 13}', 'oem',
           '85076000', 1800, 99900, 89900, 79900, 5, 'active', 'iphone 13 battery apple iphone 13 battery access-1')
         RETURNING id`,
        [ids.get('dealer')],
      );
      return rows[0]!.id;
    });
    const image = await fetch(`${t.baseUrl}/dealer/listings/${listingId}/images`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${(await login(t, emails.get('dealer')!)).accessToken}`,
        'content-type': 'image/png',
      },
      body: TEST_IMAGES.png.bytes,
    });
    expect(image.status).toBe(201);
    imageId = ((await image.json()) as { id: string }).id;
    const buyer = await login(t, emails.get('customer')!, TEST_PASSWORD);
    const put = await fetch(`${t.baseUrl}/cart/items/${listingId}`, {
      method: 'PUT',
      headers: { ...buyer.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ quantity: 1 }),
    });
    expect(put.status).toBe(200);
    const placed = await fetch(`${t.baseUrl}/checkout`, {
      method: 'POST',
      headers: {
        ...buyer.headers,
        'content-type': 'application/json',
        'idempotency-key': 'access-probe',
      },
      body: JSON.stringify({
        shippingAddress: {
          name: 'Probe',
          phone: '+919800000000',
          line1: '1 Test Street',
          city: 'Bengaluru',
          state: 'Karnataka',
          pincode: '560001',
        },
      }),
    });
    expect(placed.status).toBe(201);
    const order = (await placed.json()) as { id: string; subOrders: { id: string }[] };
    orderId = order.id;
    subOrderId = order.subOrders[0]!.id;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('declares a policy on every route, and the matrix covers every route in the contract', () => {
    const routes = listRoutes(t.app);
    expect(routes.filter((r) => !r.policy).map((r) => `${r.method} ${r.path}`)).toEqual([]);
    const declared = routes.map((r) => `${r.method} ${r.path}`).sort();
    expect(declared).toEqual(Object.keys(EXPECTED).sort());
    const spec = contract();
    const documented = Object.entries(spec.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    expect(documented.sort()).toEqual(declared);
  });

  it('documents each route’s security and generic errors as the matrix demands', () => {
    const spec = contract();
    expect(spec.components.securitySchemes?.bearer).toEqual(
      expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }),
    );
    expect(spec.servers?.map((s) => s.url)).toEqual(['/', 'http://127.0.0.1:3000']);
    const wrong: string[] = [];
    for (const [route, rule] of Object.entries(EXPECTED)) {
      const [method, path] = route.split(' ') as [string, string];
      const security = spec.paths[path]![method.toLowerCase()]!.security;
      const responses = responsesOf(spec, route);
      const statuses = Object.keys(responses);
      if (!statuses.some((s) => s.startsWith('4'))) wrong.push(`${route}: no 4xx response`);
      if (!responses['500']) wrong.push(`${route}: no 500`);
      const code = typeof rule === 'string' ? OWN_CREDENTIAL[rule] : undefined;
      if (code !== undefined) {
        // No account's token opens it: the accounts' scheme is not offered; its own token is described.
        if (JSON.stringify(security) !== '[]')
          wrong.push(`${route}: no account's, but security is ${JSON.stringify(security)}`);
        if (!responses['401']?.description?.includes(code)) wrong.push(`${route}: no 401 ${code}`);
        continue;
      }
      if (rule === 'public') {
        const optional = TOKEN_OPTIONAL.has(route);
        if (JSON.stringify(security) !== JSON.stringify(optional ? [{}, { bearer: [] }] : []))
          wrong.push(`${route}: public, but security is ${JSON.stringify(security)}`);
        continue;
      }
      if (JSON.stringify(security) !== JSON.stringify([{ bearer: [] }]))
        wrong.push(`${route}: protected, but security is ${JSON.stringify(security)}`);
      if (!responses['401']?.description?.includes('auth/unauthenticated'))
        wrong.push(`${route}: no 401 auth/unauthenticated`);
      if (Array.isArray(rule) && !responses['403']) wrong.push(`${route}: no 403`);
    }
    expect(wrong).toEqual([]);

    // One of each, in full: a route with an ability, a public one.
    const guarded = responsesOf(spec, 'PUT /admin/delivery-rules/{channel}');
    expect(guarded['401']).toMatchObject(PROBLEM);
    expect(guarded['403']).toMatchObject({
      ...PROBLEM,
      description: expect.stringContaining('`auth/forbidden`') as string,
    });
    expect(guarded['429']).toMatchObject(PROBLEM);
    expect(spec.paths['/auth/login']!.post!.security).toEqual([]);
    expect(responsesOf(spec, 'POST /auth/login')['400']).toMatchObject(PROBLEM);
    // Probes and webhooks are never rate limited, so their contract has no 429.
    expect(responsesOf(spec, 'GET /health/live')['429']).toBeUndefined();
  });

  it('answers a token sent to a public route as documented: checked, 401 when invalid', async () => {
    const res = await fetch(`${t.baseUrl}/health/live`, {
      headers: { authorization: 'Bearer not-a-token' },
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe('auth/invalid-token');
    expect(responsesOf(contract(), 'GET /health/live')['401']?.description).toContain(
      'auth/invalid-token',
    );
  });

  it('refuses a route that declares no policy, and the route check names it', async () => {
    const bare = await startTestApp({ controllers: [NoPolicyController], env: QUIET_ENV });
    try {
      const res = await fetch(`${bare.baseUrl}/probe-without-policy`);
      expect(res.status).toBe(403);
      expect(await res.text()).not.toContain('should never be served');
      expect(listRoutes(bare.app).filter((r) => !r.policy)).toEqual([
        expect.objectContaining({ path: '/probe-without-policy', handler: 'open' }),
      ]);
    } finally {
      await bare.close();
    }
  });

  // Every route × 12 callers, one request each: over 30 s on a loaded machine.
  it('gives every route × caller its expected 401/403/allowed answer, documented in the contract, with zero mismatches', async () => {
    const target = ids.get('customer')!;
    // A run of a quiet day (queued, not run: RAZORPAY_API_URL points nowhere here).
    const runId = (await t.app.get(DailyReconciliationReport).schedule('2026-01-01'))!;
    const fill = (path: string) =>
      path
        .replace('{runId}', runId)
        .replace(
          '{id}',
          path.startsWith('/catalog/')
            ? listingId
            : path.startsWith('/admin/payees/')
              ? ids.get('dealer')!
              : target,
        )
        .replace('{sessionId}', randomUUID())
        .replace('{listingId}', listingId)
        .replace('{imageId}', imageId)
        .replace('{evidenceId}', randomUUID())
        .replace('{mediaId}', randomUUID())
        .replace('{correctionId}', randomUUID())
        .replace('{callId}', randomUUID())
        .replace('{remoteSessionId}', randomUUID())
        .replace('{token}', 'ExponentPushToken[access-matrix-probe]')
        .replace('{period}', path.includes('/tds') ? '2026-27-Q3' : '2026-11')
        .replace('{orderId}', orderId)
        .replace('{subOrderId}', subOrderId)
        .replace('{dealerId}', ids.get('dealer')!)
        .replace('{userId}', ids.get('dealer')!)
        .replace('{technicianId}', ids.get('tech_hardware')!)
        .replace('{channel}', 'b2c')
        .replace('{adjustmentId}', adjustmentId)
        .replace('{correctionId}', correctionId)
        .replace('{code}', encodeURIComponent('equity:capital'))
        .replace('{entryId}', 'access:probe')
        .replace('{kind}', 'ip')
        .replace('{value}', '10.9.9.9');
    const tokens = new Map<Kind, string>();
    const tokenOf = async (kind: Kind): Promise<string | undefined> => {
      if (kind === 'anonymous') return undefined;
      if (!tokens.has(kind))
        tokens.set(kind, (await login(t, emails.get(kind)!, TEST_PASSWORD)).accessToken);
      return tokens.get(kind);
    };
    const mismatches: string[] = [];
    const spec = contract();
    const documented = new Map(
      Object.keys(EXPECTED).map((route) => [route, Object.keys(responsesOf(spec, route))]),
    );
    let calls = 0;
    for (const [route, rule] of Object.entries(EXPECTED)) {
      const [method, path] = route.split(' ') as [string, string];
      for (const kind of KINDS) {
        const token = await tokenOf(kind);
        const query =
          route === 'GET /audit/events/export' || route === 'GET /ledger/export'
            ? '?format=jsonl'
            : route.startsWith('GET /admin/returns/') && route.endsWith('/export')
              ? '?format=csv'
              : route === 'GET /admin/payments/totals'
                ? '?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z'
                : route === 'GET /technicians/nearby'
                  ? '?lat=12.97&lng=77.59'
                  : '';
        const res = await fetch(`${t.baseUrl}${fill(path)}${query}`, {
          method,
          headers: {
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...(method === 'GET' || method === 'DELETE'
              ? {}
              : { 'content-type': 'application/json' }),
          },
          body: method === 'GET' || method === 'DELETE' ? undefined : '{}',
        });
        const text = await res.text();
        calls++;
        // Every policy refusal says who the route is for, never the policy's action or subject.
        if (res.status === 403) {
          const problem = JSON.parse(text) as { code: string; detail: string };
          if (
            problem.code === 'auth/forbidden' &&
            !/^This route (is for|needs)/.test(problem.detail)
          )
            mismatches.push(`${route} as ${kind}: refused with "${problem.detail}"`);
        }
        if (ENDS_SESSION.has(route)) tokens.delete(kind);
        const ok = allowed(rule, kind);
        const expected = ok
          ? method === 'GET' && !OWNER_ONLY.has(route)
            ? '2xx'
            : 'not 401/403'
          : kind === 'anonymous' || (typeof rule === 'string' && OWN_CREDENTIAL[rule] !== undefined)
            ? '401'
            : '403';
        const got = res.status;
        const fits = ok
          ? method === 'GET' && !OWNER_ONLY.has(route)
            ? got >= 200 && got < 300
            : got !== 401 && got !== 403
          : String(got) === expected;
        if (!fits) mismatches.push(`${route} as ${kind}: expected ${expected}, got ${got}`);
        if ([400, 401, 403].includes(got) && !documented.get(route)!.includes(String(got)))
          mismatches.push(`${route} as ${kind}: ${got} is not documented`);
      }
    }
    expect(calls).toBe(Object.keys(EXPECTED).length * KINDS.length);
    expect(mismatches).toEqual([]);
  }, 90_000);

  it('tells a refused account plainly who the route is for', async () => {
    const refusal = async (kind: Kind, method: string, path: string) => {
      const { accessToken } = await login(t, emails.get(kind)!, TEST_PASSWORD);
      const res = await fetch(`${t.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${accessToken}`,
          ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
        },
        body: method === 'POST' ? '{}' : undefined,
      });
      expect(res.status).toBe(403);
      return (await res.json()) as Record<string, unknown>;
    };
    // A dealer on a staff route (it used to read "Your account may not override Order").
    expect(
      await refusal('dealer', 'POST', `/admin/orders/${orderId}/sub-orders/${subOrderId}/cancel`),
    ).toMatchObject({
      code: 'auth/forbidden',
      detail: 'This route is for staff (admin or ops leader)',
      allowedRoles: ['admin', 'ops_leader'],
    });
    expect(await refusal('customer', 'GET', '/admin/disputes')).toMatchObject({
      detail: 'This route is for staff (admin, finance, ops leader, compliance or CFO)',
    });
    // A buyer on a dealer's route; staff on a buyer's.
    expect(await refusal('customer', 'GET', '/dealer/listings')).toMatchObject({
      detail: 'This route is for approved dealer accounts',
      allowedRoles: ['dealer'],
    });
    expect(await refusal('finance', 'GET', '/cart')).toMatchObject({
      detail: 'This route is for approved customer, business buyer, dealer or technician accounts',
    });
    // The right role, not yet approved.
    expect(await refusal('dealer_pending', 'GET', '/dealer/listings')).toMatchObject({
      detail: 'This route needs an approved account; yours is pending',
    });
  });

  it('never shows one account another account’s data (BOLA)', async () => {
    const a = await signInAs(t, 'customer');
    const b = await signInAs(t, 'dealer');
    const probes: [string, string][] = [
      ['GET', `/admin/users/${b.userId}`],
      ['GET', `/admin/users/${b.userId}/sessions`],
      ['DELETE', `/me/sessions/${b.sessionId}`],
      ['POST', `/admin/users/${b.userId}/sessions/revoke`],
      ['POST', `/admin/users/${b.userId}/block`],
    ];
    for (const [method, path] of probes) {
      const res = await fetch(`${t.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${a.accessToken}`,
          ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
        },
        body: method === 'POST' ? JSON.stringify({ reason: 'trying my luck' }) : undefined,
      });
      // `instance` echoes the caller's own URL; everything else must be free of B's data.
      const { instance: _instance, ...body } = (await res.json()) as Record<string, unknown>;
      const text = JSON.stringify(body);
      expect([403, 404]).toContain(res.status);
      expect(text).not.toContain(b.email);
      expect(text).not.toContain(b.sessionId);
    }
    // B is untouched.
    const me = await fetch(`${t.baseUrl}/me`, { headers: b.headers });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { status: string }).status).toBe('approved');
  });
});
