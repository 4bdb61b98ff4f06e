import { randomUUID } from 'node:crypto';
import { QUIET_ENV, signInAs, type SignedIn } from './support/accounts.js';
import { hardwareTechnician } from './support/repairs.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { withClient } from './support/test-database.js';

/**
 * Staff's queue of reported chat messages (README "Chat"): `GET /admin/chat/reports` and
 * `POST /admin/chat/reports/{id}/resolve`, against the real app and database.
 */

let t: TestApp;
let customer: SignedIn;
let technician: SignedIn;
let admin: SignedIn;
let ops: SignedIn;
let compliance: SignedIn;

async function sql<T>(text: string, params: unknown[] = []): Promise<T[]> {
  return withClient(t.db.ownerUrl, async (c) => (await c.query(text, params)).rows as T[]);
}

/** A new hardware job of `customer` assigned to `technician`: its id. */
async function job(): Promise<string> {
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
  const assigned = await t.api.POST('/admin/repairs/{repairJobId}/assign', {
    params: { path: { repairJobId } },
    body: { technicianId: technician.userId },
    headers: admin.headers,
  });
  expect(assigned.response.status).toBe(200);
  return repairJobId;
}

/** `from` sends `body` in the job's room and `reporter` reports it: the message id. */
async function reported(
  repairJobId: string,
  from: SignedIn,
  body: string,
  reporter: SignedIn,
  reason = 'abusive',
): Promise<string> {
  const sent = await t.api.POST('/chat/rooms/{kind}/{subjectId}/messages', {
    params: { path: { kind: 'job', subjectId: repairJobId } },
    body: { clientMessageId: randomUUID(), body },
    headers: from.headers,
  });
  expect(sent.response.status).toBe(201);
  const messageId = sent.data!.message.id;
  const report = await t.api.POST('/chat/messages/{messageId}/report', {
    params: { path: { messageId } },
    body: { reason },
    headers: reporter.headers,
  });
  expect(report.data).toEqual({ reported: true });
  return messageId;
}

const queue = (
  who: SignedIn,
  query: { status?: 'open' | 'resolved'; limit?: number; cursor?: string } = {},
) => t.api.GET('/admin/chat/reports', { params: { query }, headers: who.headers });

const resolve = (who: SignedIn, id: string, body: { action: 'dismiss' | 'hide'; reason: string }) =>
  t.api.POST('/admin/chat/reports/{id}/resolve', {
    params: { path: { id } },
    body,
    headers: who.headers,
  });

/** Every report in the queue for `query`, following its cursors `limit` at a time. */
async function allPages(query: {
  status?: 'open' | 'resolved';
  limit: number;
}): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await queue(admin, { ...query, ...(cursor ? { cursor } : {}) });
    expect(page.response.status).toBe(200);
    expect(page.data!.items.length).toBeLessThanOrEqual(query.limit);
    ids.push(...page.data!.items.map((r) => r.id));
    cursor = page.data!.nextCursor;
    pages += 1;
  } while (cursor !== undefined);
  return { ids, pages };
}

beforeAll(async () => {
  t = await startTestApp({ env: QUIET_ENV });
  customer = await signInAs(t, 'customer');
  technician = await hardwareTechnician(t);
  admin = await signInAs(t, 'admin');
  ops = await signInAs(t, 'ops_leader');
  compliance = await signInAs(t, 'compliance');
});

afterAll(async () => {
  await t?.close();
});

describe('reported chat messages', () => {
  it('lists a report for staff; resolving it with hide hides the message for the parties, audited in one go', async () => {
    const repairJobId = await job();
    const messageId = await reported(repairJobId, technician, 'rude words', customer, 'abusive');

    const open = await queue(compliance, { status: 'open' });
    expect(open.response.status).toBe(200);
    const row = open.data!.items.find((r) => r.messageId === messageId)!;
    expect(row).toMatchObject({
      reporterId: customer.userId,
      reason: 'abusive',
      body: 'rude words',
      attachmentType: null,
      messageSenderId: technician.userId,
      roomKind: 'job',
      roomSubjectId: repairJobId,
      hidden: false,
      resolution: null,
    });
    expect(typeof row.reporterName).toBe('string');
    expect(Date.parse(row.reportedAt)).not.toBeNaN();

    // Compliance reads the queue but does not resolve.
    const refused = await resolve(compliance, row.id, {
      action: 'hide',
      reason: 'abusive language',
    });
    expect(refused.response.status).toBe(403);

    const done = await resolve(ops, row.id, { action: 'hide', reason: 'abusive language' });
    expect(done.response.status).toBe(200);
    expect(done.data).toMatchObject({
      id: row.id,
      hidden: true,
      resolution: { action: 'hide', reason: 'abusive language', resolvedBy: ops.userId },
    });

    // The parties see it hidden, without its text.
    for (const party of [customer, technician]) {
      const page = await t.api.GET('/chat/rooms/{kind}/{subjectId}/messages', {
        params: { path: { kind: 'job', subjectId: repairJobId } },
        headers: party.headers,
      });
      expect(page.data!.items.find((m) => m.id === messageId)).toMatchObject({
        hidden: true,
        body: null,
      });
    }
    const audits = await sql<{ action: string; target_id: string; actor_id: string; txid: string }>(
      `SELECT action, target_id::text AS target_id, actor_id::text AS actor_id, xmin::text AS txid
         FROM audit_events WHERE target_id IN ($1, $2) ORDER BY seq`,
      [messageId, row.id],
    );
    expect(audits.map((a) => [a.action, a.target_id, a.actor_id])).toEqual([
      ['chat.hide', messageId, ops.userId],
      ['chat.report_resolve', row.id, ops.userId],
    ]);
    expect(new Set(audits.map((a) => a.txid)).size).toBe(1);
    const [resolution] = await sql<{ action: string; resolved_by: string }>(
      `SELECT action, resolved_by::text AS resolved_by FROM chat_report_resolutions WHERE report_id = $1`,
      [row.id],
    );
    expect(resolution).toEqual({ action: 'hide', resolved_by: ops.userId });

    // Resolved: out of the open queue, in the resolved one; a second resolution is refused.
    expect((await queue(admin, { status: 'open' })).data!.items.map((r) => r.id)).not.toContain(
      row.id,
    );
    expect((await queue(admin, { status: 'resolved' })).data!.items.map((r) => r.id)).toContain(
      row.id,
    );
    const again = await resolve(admin, row.id, { action: 'dismiss', reason: 'looked again' });
    expect(again.response.status).toBe(409);
    expect(again.error).toMatchObject({ code: 'chat/report-resolved' });
  });

  it('dismisses a report leaving the message shown; hiding resolves the other reports of the message', async () => {
    const repairJobId = await job();
    const messageId = await reported(repairJobId, customer, 'call me maybe', technician, 'spam');
    const [dismissed] = (await queue(admin, { status: 'open', limit: 100 })).data!.items.filter(
      (r) => r.messageId === messageId,
    );
    const answer = await resolve(admin, dismissed!.id, { action: 'dismiss', reason: 'harmless' });
    expect(answer.data).toMatchObject({ hidden: false, resolution: { action: 'dismiss' } });
    const [{ hidden_at }] = await sql<{ hidden_at: Date | null }>(
      `SELECT hidden_at FROM chat_messages WHERE id = $1`,
      [messageId],
    );
    expect(hidden_at).toBeNull();

    // Two accounts report one message; hiding it through one report resolves both.
    const twice = await reported(repairJobId, customer, 'nasty words', technician, 'abusive');
    const second = await t.api.POST('/chat/messages/{messageId}/report', {
      params: { path: { messageId: twice } },
      body: { reason: 'abusive too' },
      headers: ops.headers,
    });
    expect(second.data).toEqual({ reported: true });
    const reports = (await queue(admin, { status: 'open', limit: 100 })).data!.items.filter(
      (r) => r.messageId === twice,
    );
    expect(reports).toHaveLength(2);
    expect(
      (await resolve(admin, reports[0]!.id, { action: 'hide', reason: 'abusive' })).response.status,
    ).toBe(200);
    const after = (await queue(admin, { status: 'resolved', limit: 100 })).data!.items.filter(
      (r) => r.messageId === twice,
    );
    expect(after.map((r) => [r.hidden, r.resolution?.action])).toEqual([
      [true, 'hide'],
      [true, 'hide'],
    ]);
    const late = await resolve(admin, reports[1]!.id, { action: 'dismiss', reason: 'too late' });
    expect(late.error).toMatchObject({ code: 'chat/report-resolved' });
  });

  it('refuses non-staff, unknown reports and bad input (the field named)', async () => {
    const repairJobId = await job();
    await reported(repairJobId, technician, 'something', customer);
    const [row] = (await queue(admin, { status: 'open' })).data!.items;

    const asCustomer = await queue(customer);
    expect(asCustomer.response.status).toBe(403);
    expect(
      (await resolve(customer, row!.id, { action: 'hide', reason: 'mine' })).response.status,
    ).toBe(403);

    const unknown = await resolve(admin, randomUUID(), { action: 'dismiss', reason: 'no such' });
    expect(unknown.response.status).toBe(404);
    expect(unknown.error).toMatchObject({ code: 'chat/report-not-found' });

    const badAction = await t.api.POST('/admin/chat/reports/{id}/resolve', {
      params: { path: { id: row!.id } },
      body: { action: 'delete', reason: 'gone' } as never,
      headers: admin.headers,
    });
    expect(badAction.response.status).toBe(400);
    expect(badAction.error).toMatchObject({
      code: 'request/validation-failed',
      errors: [expect.objectContaining({ field: 'action' })],
    });
    const noReason = await resolve(admin, row!.id, { action: 'dismiss', reason: ' ' });
    expect(noReason.response.status).toBe(400);
    expect(noReason.error).toMatchObject({
      errors: [expect.objectContaining({ field: 'reason' })],
    });
    const badStatus = await queue(admin, { status: 'closed' as never });
    expect(badStatus.error).toMatchObject({
      errors: [expect.objectContaining({ field: 'status' })],
    });
    const badCursor = await queue(admin, { cursor: 'not-a-cursor' });
    expect(badCursor.error).toMatchObject({ code: 'request/invalid-cursor' });
    const badId = await t.api.POST('/admin/chat/reports/{id}/resolve', {
      params: { path: { id: 'nope' } },
      body: { action: 'dismiss', reason: 'bad id' },
      headers: admin.headers,
    });
    expect(badId.error).toMatchObject({ errors: [expect.objectContaining({ field: 'id' })] });
  });

  it('pages through the queue by cursor: open first, each oldest first, every report once', async () => {
    const repairJobId = await job();
    for (let i = 0; i < 5; i += 1)
      await reported(repairJobId, technician, `message ${i}`, customer);

    const whole = (await queue(admin, { limit: 100 })).data!;
    expect(whole.nextCursor).toBeUndefined();
    const expected = await sql<{ id: string }>(
      `SELECT r.id::text AS id FROM chat_reports r
         LEFT JOIN chat_report_resolutions x ON x.report_id = r.id
        ORDER BY x.report_id IS NOT NULL, r.created_at, r.id`,
    );
    expect(whole.items.map((r) => r.id)).toEqual(expected.map((r) => r.id));
    const resolvedAt = whole.items.findIndex((r) => r.resolution !== null);
    expect(whole.items.slice(resolvedAt).every((r) => r.resolution !== null)).toBe(true);

    const paged = await allPages({ limit: 2 });
    expect(paged.ids).toEqual(expected.map((r) => r.id));
    expect(paged.pages).toBe(Math.ceil(expected.length / 2));
    const open = await allPages({ status: 'open', limit: 3 });
    expect(open.ids).toEqual(whole.items.filter((r) => r.resolution === null).map((r) => r.id));
  });
});
