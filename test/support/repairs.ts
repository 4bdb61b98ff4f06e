/**
 * Repair jobs brought to payment the way the product does it, and the books of a paid job once its
 * escrow is released: the money identity (paid = technician net + commission + GST on commission +
 * TCS + TDS), the job's escrow at zero, a balanced trial balance and a verified journal.
 */
import { Accounts } from '../../src/ledger/domain/account.js';
import { LedgerIntegrityService } from '../../src/ledger/integrity/ledger-integrity.service.js';
import { LedgerService } from '../../src/ledger/persistence/ledger.service.js';
import type { RazorpaySandbox } from '../../scripts/razorpay-sandbox/sandbox.js';
import { signInAs, testPan, type SignedIn } from './accounts.js';
import type { TestApp } from './test-app.js';
import { withClient } from './test-database.js';

/** An approved hardware technician with a PAN on file (TDS at 0.1 %), not GST-registered. */
export async function hardwareTechnician(t: TestApp): Promise<SignedIn> {
  const tech = await signInAs(t, 'technician', { technicianKind: 'hardware' });
  await withClient(t.db.ownerUrl, (c) =>
    c.query(`UPDATE users SET pan = $2 WHERE id = $1`, [tech.userId, testPan()]),
  );
  return tech;
}

/** Each step's answer, for the caller to check. */
export interface ApprovedJob {
  repairJobId: string;
  quoteId: string;
  steps: Record<'requested' | 'assigned' | 'quoted' | 'approved', number>;
}

/**
 * A hardware offline job at `awaiting_payment`: requested by `customer`, assigned to `technician`
 * by `admin`, the technician departing, arriving, diagnosing and quoting one labour line of
 * `amountPaise` at 0 % GST (a technician not registered for GST), the quote approved.
 */
export async function approvedRepairJob(
  t: TestApp,
  people: { customer: SignedIn; admin: SignedIn; technician: SignedIn },
  amountPaise: number,
): Promise<ApprovedJob> {
  const { customer, admin, technician } = people;
  const requested = await t.api.POST('/repairs', {
    body: {
      kind: 'hardware',
      mode: 'offline',
      deviceBrand: 'Samsung',
      deviceModel: 'Galaxy A54',
      problem: 'Cracked screen, touch dead at the bottom',
      location: { lat: 12.9716, lng: 77.5946 },
    },
    headers: customer.headers,
  });
  expect(requested.response.status).toBe(201);
  const repairJobId = requested.data!.id;
  const path = { params: { path: { repairJobId } } };
  const assigned = await t.api.POST('/admin/repairs/{repairJobId}/assign', {
    ...path,
    body: { technicianId: technician.userId },
    headers: admin.headers,
  });
  expect(assigned.response.status).toBe(200);
  for (const step of ['depart', 'arrive', 'diagnose'] as const)
    expect(
      (
        await t.api.POST(`/technician/repairs/{repairJobId}/${step}`, {
          ...path,
          headers: technician.headers,
        })
      ).response.status,
    ).toBe(200);
  const quoted = await t.api.POST('/technician/repairs/{repairJobId}/quotes', {
    ...path,
    body: {
      lines: [
        {
          kind: 'labour',
          description: 'Screen replacement',
          quantity: 1,
          unitPaise: amountPaise,
          gstRateBps: 0,
        },
      ],
    },
    headers: technician.headers,
  });
  expect(quoted.data?.totalPaise).toBe(amountPaise);
  const approved = await t.api.POST('/repairs/{repairJobId}/quote/approve', {
    ...path,
    body: { quoteId: quoted.data!.id },
    headers: customer.headers,
  });
  expect(approved.data).toMatchObject({ status: 'awaiting_payment' });
  return {
    repairJobId,
    quoteId: quoted.data!.id,
    steps: {
      requested: requested.response.status,
      assigned: assigned.response.status,
      quoted: quoted.response.status,
      approved: approved.response.status,
    },
  };
}

/**
 * A supplementary quote on the job in progress: its technician quotes one parts line of
 * `amountPaise` at 0 % GST and its customer approves it, so that much is due (a new payment).
 */
export async function approvedSupplement(
  t: TestApp,
  people: { customer: SignedIn; technician: SignedIn },
  repairJobId: string,
  amountPaise: number,
): Promise<{ quoteId: string }> {
  const path = { params: { path: { repairJobId } } };
  const quoted = await t.api.POST('/technician/repairs/{repairJobId}/supplements', {
    ...path,
    body: {
      lines: [
        {
          kind: 'parts',
          description: 'Battery found swollen: replaced',
          quantity: 1,
          unitPaise: amountPaise,
          gstRateBps: 0,
        },
      ],
    },
    headers: people.technician.headers,
  });
  expect(quoted.data).toMatchObject({ supplementary: true, totalPaise: amountPaise });
  const approved = await t.api.POST('/repairs/{repairJobId}/supplements/approve', {
    ...path,
    body: { quoteId: quoted.data!.id },
    headers: people.customer.headers,
  });
  expect(approved.data).toMatchObject({ status: 'in_progress', amountDuePaise: amountPaise });
  return { quoteId: quoted.data!.id };
}

/**
 * The customer pays what the job is due now (its approved quote, or an approved supplementary
 * quote) through Checkout at the sandbox; the answer is verified (`captured`).
 */
export async function payRepairJob(
  t: TestApp,
  sandbox: RazorpaySandbox,
  customer: SignedIn,
  repairJobId: string,
): Promise<{ paymentId: string; gatewayPaymentId: string }> {
  const path = { params: { path: { repairJobId } } };
  const opened = await t.api.POST('/repairs/{repairJobId}/payments', {
    ...path,
    headers: customer.headers,
  });
  expect(opened.response.status).toBe(201);
  const paid = sandbox.control.pay(opened.data!.gatewayOrderId!, { outcome: 'captured' });
  if (!('razorpay_payment_id' in paid)) throw new Error('sandbox payment failed');
  const verified = await t.api.POST('/repairs/{repairJobId}/payments/verify', {
    ...path,
    body: {
      razorpayOrderId: paid.razorpay_order_id,
      razorpayPaymentId: paid.razorpay_payment_id,
      razorpaySignature: paid.razorpay_signature,
    },
    headers: customer.headers,
  });
  expect(verified.data).toMatchObject({ status: 'captured' });
  return { paymentId: verified.data!.id, gatewayPaymentId: paid.razorpay_payment_id };
}

/**
 * The books of a job released with the repair recipe: its holds (one per payment) released with paid
 * = technician net + commission + GST on commission + TCS + TDS over them, its escrow empty (nothing
 * posted, nothing pending), the trial balance (read by `staff`) balanced and the journal verified.
 */
export async function expectJobSettled(
  t: TestApp,
  staff: SignedIn,
  job: { repairJobId: string; paidPaise: number },
): Promise<void> {
  const [holds] = await withClient(
    t.db.ownerUrl,
    async (c) =>
      (
        await c.query<{ statuses: string[]; parts: string }>(
          `SELECT array_agg(DISTINCT status) AS statuses,
                  sum(dealer_net_paise + commission_paise + gst_on_commission_paise
                      + coalesce(tcs_paise, 0) + tds_paise)::text AS parts
           FROM escrow_holds WHERE repair_job_id = $1`,
          [job.repairJobId],
        )
      ).rows,
  );
  expect(holds).toEqual({ statuses: ['released'], parts: String(job.paidPaise) });
  const escrow = (await t.app.get(LedgerService).account(Accounts.jobEscrow(job.repairJobId)))!;
  expect({
    posted: escrow.creditsPosted - escrow.debitsPosted,
    pending: escrow.debitsPending,
  }).toEqual({ posted: 0n, pending: 0n });
  const trial = await t.api.GET('/ledger/trial-balance', { headers: staff.headers });
  expect(trial.data?.balanced).toBe(true);
  expect((await t.app.get(LedgerIntegrityService).verify()).ok).toBe(true);
}
