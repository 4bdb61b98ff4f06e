/**
 * Repair jobs brought to payment the way the product does it, and the books of a paid job once its
 * escrow is released: the money identity (paid = technician net + commission + GST on commission +
 * TCS + TDS), the job's escrow at zero, a balanced trial balance and a verified journal.
 */
import { Accounts } from '../../src/ledger/domain/account.js';
import { LedgerIntegrityService } from '../../src/ledger/integrity/ledger-integrity.service.js';
import { LedgerService } from '../../src/ledger/persistence/ledger.service.js';
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

/**
 * A hardware job of `customer` awaiting payment of `amountPaise`: requested, assigned by `admin` to
 * `tech`, the technician there and diagnosing, one labour line quoted at 0 % GST, the quote approved.
 */
export async function jobAwaitingPayment(
  t: TestApp,
  parties: { admin: SignedIn; customer: SignedIn; tech: SignedIn },
  amountPaise: number,
): Promise<string> {
  const { admin, customer, tech } = parties;
  const requested = await t.api.POST('/repairs', {
    body: {
      kind: 'hardware',
      mode: 'offline',
      deviceBrand: 'Xiaomi',
      deviceModel: 'Redmi Note 13',
      problem: 'Charging port loose',
      location: { lat: 12.9716, lng: 77.5946 },
    },
    headers: customer.headers,
  });
  expect(requested.response.status).toBe(201);
  const repairJobId = requested.data!.id;
  const path = { params: { path: { repairJobId } } };
  const assigned = await t.api.POST('/admin/repairs/{repairJobId}/assign', {
    ...path,
    body: { technicianId: tech.userId },
    headers: admin.headers,
  });
  expect(assigned.response.status).toBe(200);
  for (const step of ['depart', 'arrive', 'diagnose'] as const)
    expect(
      (
        await t.api.POST(`/technician/repairs/{repairJobId}/${step}`, {
          ...path,
          headers: tech.headers,
        })
      ).response.status,
    ).toBe(200);
  const quoted = await t.api.POST('/technician/repairs/{repairJobId}/quotes', {
    ...path,
    body: {
      lines: [
        {
          kind: 'labour',
          description: 'Port replacement',
          quantity: 1,
          unitPaise: amountPaise,
          gstRateBps: 0,
        },
      ],
    },
    headers: tech.headers,
  });
  expect(quoted.response.status).toBe(201);
  const approved = await t.api.POST('/repairs/{repairJobId}/quote/approve', {
    ...path,
    body: { quoteId: quoted.data!.id },
    headers: customer.headers,
  });
  expect(approved.data).toMatchObject({ status: 'awaiting_payment', amountPaise });
  return repairJobId;
}

/**
 * The books of a job released with the repair recipe: its hold released with paid = technician net
 * + commission + GST on commission + TCS + TDS, its escrow empty (nothing posted, nothing pending),
 * the trial balance (read by `staff`) balanced and the journal verified.
 */
export async function expectJobSettled(
  t: TestApp,
  staff: SignedIn,
  job: { repairJobId: string; paidPaise: number },
): Promise<void> {
  const [hold] = await withClient(
    t.db.ownerUrl,
    async (c) =>
      (
        await c.query<{ status: string; parts: string }>(
          `SELECT status, (dealer_net_paise + commission_paise + gst_on_commission_paise
                           + coalesce(tcs_paise, 0) + tds_paise)::text AS parts
           FROM escrow_holds WHERE repair_job_id = $1`,
          [job.repairJobId],
        )
      ).rows,
  );
  expect(hold).toEqual({ status: 'released', parts: String(job.paidPaise) });
  const escrow = (await t.app.get(LedgerService).account(Accounts.jobEscrow(job.repairJobId)))!;
  expect({
    posted: escrow.creditsPosted - escrow.debitsPosted,
    pending: escrow.debitsPending,
  }).toEqual({ posted: 0n, pending: 0n });
  const trial = await t.api.GET('/ledger/trial-balance', { headers: staff.headers });
  expect(trial.data?.balanced).toBe(true);
  expect((await t.app.get(LedgerIntegrityService).verify()).ok).toBe(true);
}
