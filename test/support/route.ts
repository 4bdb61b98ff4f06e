/**
 * Dealers and technicians on Razorpay Route, brought there the way production does it: a dealer signed up pending and
 * approved by an admin through the API (the approval writes its onboarding intent and queues the
 * job), its settlement details submitted by the dealer and approved by an admin through the API, the
 * onboarding job's handler run (linked account, stakeholder and Route product configured at the
 * gateway), Razorpay's back office activating the product at the local sandbox (its webhooks
 * delivered to the app and processed). Job handlers are called directly (no workers run).
 */
import type { RazorpaySandbox } from '../../scripts/razorpay-sandbox/sandbox.js';
import { RouteAccountsService } from '../../src/payouts/route/route-accounts.service.js';
import { WebhookProcessor } from '../../src/gateway/webhooks/webhook-jobs.js';
import { createAccount, login, signInAs, testAddress, testPan, type SignedIn } from './accounts.js';
import type { components } from './api-types.js';
import type { TestApp } from './test-app.js';
import { withClient } from './test-database.js';

/** A dealer with its Route linked account (`acc_…`, the gateway's id). */
export interface RouteDealer {
  dealer: SignedIn;
  accountId: string;
}

/**
 * A dealer signed up pending, approved by `admin` through the API, signed in. The approval wrote its
 * Route onboarding intent (`pending`) and queued the onboarding job; nothing was sent to the gateway.
 */
export async function approvedDealer(t: TestApp, admin: SignedIn): Promise<SignedIn> {
  const { userId, email, gstin } = await createAccount(t, 'dealer', { status: 'pending' });
  const approved = await t.api.POST('/admin/users/{id}/approve', {
    params: { path: { id: userId } },
    body: { reason: 'KYC documents checked' },
    headers: admin.headers,
  });
  expect(approved.response.status).toBe(200);
  const session = await login(t, email);
  expect(session.status).toBe(200);
  return { ...session, userId, gstin };
}

/** Complete settlement details of a dealer (its PAN and GSTIN, an HDFC account), as the API takes them. */
export function settlementDetailsOf(dealer: SignedIn, accountNumber = '50100123456789') {
  return {
    pan: dealer.gstin!.slice(2, 12),
    gstin: dealer.gstin!,
    businessType: 'proprietorship' as const,
    beneficiaryName: 'Test Traders',
    ifsc: 'HDFC0000317',
    accountNumber,
  };
}

/** The payee submits its settlement details and `admin` approves them, through the API. */
export async function approvedSettlementDetails(
  t: TestApp,
  payee: SignedIn,
  admin: SignedIn,
  details: components['schemas']['SubmitSettlementDetailsDto'] = settlementDetailsOf(payee),
): Promise<void> {
  const submitted = await t.api.PUT('/payees/me/settlement-details', {
    body: details,
    headers: payee.headers,
  });
  expect(submitted.response.status).toBe(202);
  const approved = await t.api.POST('/admin/payees/{id}/settlement-details/approve', {
    params: { path: { id: payee.userId } },
    body: { reason: 'bank letter checked' },
    headers: admin.headers,
  });
  expect(approved.response.status).toBe(200);
}

/**
 * An approved dealer with approved settlement details whose onboarding job's handler has run: its
 * linked account, stakeholder and Route product are configured at the gateway
 * (`product_configured`, under Razorpay's review: no transfer may go to it yet).
 */
export async function onboardedDealer(t: TestApp, admin: SignedIn): Promise<RouteDealer> {
  const dealer = await approvedDealer(t, admin);
  await approvedSettlementDetails(t, dealer, admin);
  expect(await t.app.get(RouteAccountsService).onboard(dealer.userId)).toBe('product_configured');
  const { status, gatewayAccountId } = await routeAccountOf(t, dealer.userId);
  expect(status).toBe('product_configured');
  return { dealer, accountId: gatewayAccountId! };
}

/**
 * An onboarded dealer whose linked account Razorpay's back office activated at the sandbox; the
 * activation webhooks are delivered and processed, so our row is `activated` and transfers go to it.
 * The caller must have pointed the sandbox's webhook URL at the app's `/webhooks/razorpay`
 * (`sandbox.control.setWebhookUrl`): without it the webhooks are only logged, the activation is never
 * recorded and this fails. Any other webhook the sandbox holds is delivered (and processed) too.
 */
export async function activeRouteDealer(
  t: TestApp,
  sandbox: RazorpaySandbox,
  admin: SignedIn,
): Promise<RouteDealer> {
  const onboarded = await onboardedDealer(t, admin);
  await activateAt(t, sandbox, onboarded.accountId);
  expect((await routeAccountOf(t, onboarded.dealer.userId)).status).toBe('activated');
  return onboarded;
}

/** An approved hardware technician with its Route linked account (`acc_…`). */
export interface RouteTechnician {
  technician: SignedIn;
  accountId: string;
}

/**
 * An approved hardware technician (with a PAN on its account, so TDS is 0.1 %; not GST-registered)
 * whose settlement details — an individual's, with its registered address — are approved by `admin`
 * through the API, and whose onboarding job's handler has run (`product_configured`: no transfer
 * may go to it yet).
 */
export async function onboardedTechnician(t: TestApp, admin: SignedIn): Promise<RouteTechnician> {
  const technician = await signInAs(t, 'technician', { technicianKind: 'hardware' });
  const pan = testPan('P');
  await withClient(t.db.ownerUrl, (c) =>
    c.query(`UPDATE users SET pan = $2 WHERE id = $1`, [technician.userId, pan]),
  );
  await approvedSettlementDetails(t, technician, admin, {
    pan,
    businessType: 'individual',
    beneficiaryName: 'Tara Technician',
    ifsc: 'SBIN0001234',
    accountNumber: '30001234567',
    registeredAddress: testAddress('Karnataka'),
  });
  expect(await t.app.get(RouteAccountsService).onboard(technician.userId)).toBe(
    'product_configured',
  );
  const { gatewayAccountId } = await routeAccountOf(t, technician.userId);
  return { technician, accountId: gatewayAccountId! };
}

/** An onboarded technician whose linked account the sandbox's back office activated (see `activeRouteDealer`). */
export async function activeRouteTechnician(
  t: TestApp,
  sandbox: RazorpaySandbox,
  admin: SignedIn,
): Promise<RouteTechnician> {
  const onboarded = await onboardedTechnician(t, admin);
  await activateAt(t, sandbox, onboarded.accountId);
  expect((await routeAccountOf(t, onboarded.technician.userId)).status).toBe('activated');
  return onboarded;
}

/** Razorpay's back office activates the account at the sandbox; its webhooks are delivered and processed. */
export async function activateAt(
  t: TestApp,
  sandbox: RazorpaySandbox,
  accountId: string,
): Promise<void> {
  sandbox.control.activateAccount(accountId);
  await sandbox.control.flushWebhooks();
  await t.app.get(WebhookProcessor).drain();
}

/** The payee's row in `payee_route_accounts` (read as the owner). */
export async function routeAccountOf(
  t: TestApp,
  payeeId: string,
): Promise<{ status: string; gatewayAccountId: string | null }> {
  return withClient(t.db.ownerUrl, async (c) => {
    const { rows } = await c.query<{ status: string; gateway_account_id: string | null }>(
      `SELECT status, gateway_account_id FROM payee_route_accounts WHERE payee_id = $1`,
      [payeeId],
    );
    if (!rows[0]) throw new Error(`payee ${payeeId} has no Route account row`);
    return { status: rows[0].status, gatewayAccountId: rows[0].gateway_account_id };
  });
}
