/**
 * Repair jobs brought to payment the way the product does it (their books: `expectJobBooks` in
 * ./books.ts).
 */
import type { RazorpaySandbox } from '../../scripts/razorpay-sandbox/sandbox.js';
import { TransactionRunner } from '../../src/database/transaction.js';
import { RepairJobPayments } from '../../src/repairs/repair-jobs.service.js';
import { signInAs, testPan, type SignedIn } from './accounts.js';
import type { components } from './api-types.js';
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

/** Who takes part in a job: an account calling the API with its headers. */
export interface JobParty {
  userId: string;
  headers: Record<string, string>;
}

/** Each step's answer, for the caller to check. */
export interface ApprovedJob {
  repairJobId: string;
  quoteId: string;
  /** The job as its customer sees it once the quote is approved. */
  job: components['schemas']['RepairJobDto'];
  steps: Record<'requested' | 'assigned' | 'quoted' | 'approved', number>;
}

/** The step the API refused (with its answer), for tests of refusals. */
export interface RefusedJob {
  refused: 'assign' | 'quote';
  status: number;
  error: unknown;
}

export interface ApprovedJobOptions {
  /**
   * `online`: a software job done remotely — no location, its technician (a software one)
   * diagnoses without travelling. `offline` (the default): a hardware job at the customer's.
   */
  mode?: 'offline' | 'online';
  /** The technician is GST-registered: its line is at 18 % GST, so `amountPaise` is the total. */
  gstRegistered?: boolean;
  /** Answer a refused assignment or quote (`RefusedJob`) instead of failing the test. */
  refusable?: boolean;
}

/**
 * A hardware offline job (or a software online one: `opts.mode`) at `awaiting_payment`: requested
 * by `customer`, assigned to `technician` by `admin`, the technician departing and arriving (offline
 * only), diagnosing and quoting one labour line of
 * `amountPaise` (at 0 % GST for a technician not registered for GST, else at 18 % with
 * `amountPaise` its total), the quote approved.
 */
export async function approvedRepairJob(
  t: TestApp,
  people: { customer: JobParty; admin: JobParty; technician: JobParty },
  amountPaise: number,
  opts?: ApprovedJobOptions & { refusable?: false },
): Promise<ApprovedJob>;
export async function approvedRepairJob(
  t: TestApp,
  people: { customer: JobParty; admin: JobParty; technician: JobParty },
  amountPaise: number,
  opts: ApprovedJobOptions & { refusable: true },
): Promise<ApprovedJob | RefusedJob>;
export async function approvedRepairJob(
  t: TestApp,
  people: { customer: JobParty; admin: JobParty; technician: JobParty },
  amountPaise: number,
  opts: ApprovedJobOptions = {},
): Promise<ApprovedJob | RefusedJob> {
  const { customer, admin, technician } = people;
  const online = opts.mode === 'online';
  const requested = await t.api.POST('/repairs', {
    body: {
      kind: online ? 'software' : 'hardware',
      mode: online ? 'online' : 'offline',
      deviceBrand: 'Samsung',
      deviceModel: 'Galaxy A54',
      problem: 'Cracked screen, touch dead at the bottom',
      ...(online ? {} : { location: { lat: 12.9716, lng: 77.5946 } }),
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
  if (opts.refusable && assigned.response.status !== 200)
    return { refused: 'assign', status: assigned.response.status, error: assigned.error };
  expect(assigned.response.status).toBe(200);
  for (const step of online ? (['diagnose'] as const) : (['depart', 'arrive', 'diagnose'] as const))
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
          unitPaise: opts.gstRegistered ? Math.round(amountPaise / 1.18) : amountPaise,
          gstRateBps: opts.gstRegistered ? 1800 : 0,
        },
      ],
    },
    headers: technician.headers,
  });
  if (opts.refusable && quoted.response.status !== 201)
    return { refused: 'quote', status: quoted.response.status, error: quoted.error };
  expect(quoted.data?.totalPaise).toBe(amountPaise);
  const approved = await t.api.POST('/repairs/{repairJobId}/quote/approve', {
    ...path,
    body: { quoteId: quoted.data!.id },
    headers: customer.headers,
  });
  expect(approved.data).toMatchObject({ status: 'awaiting_payment', amountPaise });
  return {
    repairJobId,
    quoteId: quoted.data!.id,
    job: approved.data!,
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
 * A hardware job of `parties.customer` with `parties.technician`: brought to payment over HTTP
 * (`approvedRepairJob`), paid through the repairs' payment port, marked done by its technician and
 * confirmed by its customer (or left done, not confirmed).
 */
export async function finishedRepairJob(
  t: TestApp,
  parties: { customer: JobParty; admin: JobParty; technician: JobParty },
  confirm = true,
): Promise<string> {
  const { customer, technician } = parties;
  const { repairJobId: id } = await approvedRepairJob(t, parties, 50_000);
  const port = t.app.get(RepairJobPayments);
  const outcome = await t.app.get(TransactionRunner).run(async (tx) =>
    port.confirmPaid(tx, await port.lock(tx, id, null), {
      reference: `pay_${id.slice(0, 8)}`,
      amountPaise: 50_000,
    }),
  );
  expect(outcome.code).toBe('paid');
  const path = { params: { path: { repairJobId: id } } };
  const finished = await t.api.POST('/technician/repairs/{repairJobId}/finish', {
    ...path,
    headers: technician.headers,
  });
  expect(finished.data?.status).toBe('done');
  if (confirm) {
    const confirmed = await t.api.POST('/repairs/{repairJobId}/confirm', {
      ...path,
      headers: customer.headers,
    });
    expect(confirmed.data?.status).toBe('confirmed');
  }
  return id;
}
