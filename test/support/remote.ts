/**
 * Remote repair in tests: an online software job assigned to a software technician, the customer's
 * consent, and a stand-in for a tunnel relay's admin port that records the signed revocation lists
 * pushed to it (and when each arrived).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signInAs, type SignedIn } from './accounts.js';
import type { TestApp } from './test-app.js';

/** Valid IMEIs (Luhn) for tests; none is a real device's. */
export const TEST_IMEIS = ['490154203237518', '356938035643809', '352099001761481'] as const;

export interface SoftwareJob {
  customer: SignedIn;
  technician: SignedIn;
  repairJobId: string;
}

/** An online software job (with `imei` when given) assigned by `admin` to a new software technician. */
export async function softwareJob(
  t: TestApp,
  admin: SignedIn,
  opts: { imei?: string; customer?: SignedIn } = {},
): Promise<SoftwareJob> {
  const [customer, technician] = await Promise.all([
    opts.customer ?? signInAs(t, 'customer'),
    signInAs(t, 'technician', { technicianKind: 'software' }),
  ]);
  const job = await t.api.POST('/repairs', {
    body: {
      kind: 'software',
      mode: 'online',
      deviceBrand: 'Samsung',
      deviceModel: 'Galaxy A54',
      problem: 'Stuck in a boot loop after an update',
      ...(opts.imei ? { imei: opts.imei } : {}),
    },
    headers: customer.headers,
  });
  expect(job.response.status).toBe(201);
  const repairJobId = job.data!.id;
  const assigned = await t.api.POST('/admin/repairs/{repairJobId}/assign', {
    params: { path: { repairJobId } },
    body: { technicianId: technician.userId },
    headers: admin.headers,
  });
  expect(assigned.response.status).toBe(200);
  return { customer, technician, repairJobId };
}

/** The customer consents to `permissions` (both by default) with the current notice's version. */
export async function consent(
  t: TestApp,
  job: SoftwareJob,
  permissions: ('imei_reveal' | 'remote_session')[] = ['imei_reveal', 'remote_session'],
) {
  const path = { params: { path: { repairJobId: job.repairJobId } } };
  const screen = await t.api.GET('/repairs/{repairJobId}/remote-consent', {
    ...path,
    headers: job.customer.headers,
  });
  expect(screen.response.status).toBe(200);
  const given = await t.api.POST('/repairs/{repairJobId}/remote-consent', {
    ...path,
    body: {
      textVersion: screen.data!.notice.version,
      permissions,
      deviceFingerprint: 'test-phone-fingerprint-0001',
    },
    headers: job.customer.headers,
  });
  expect(given.response.status).toBe(201);
  return given.data!;
}

export interface ReceivedList {
  /** When the stand-in received it (Date.now()). */
  at: number;
  list: string;
  authorization: string | undefined;
}

export interface StandInRelay {
  url: string;
  received: ReceivedList[];
  /** Answer pushes with this status (200 by default). */
  answer(status: number): void;
  /** Resolves with the first list received after `since` whose payload names `sid`. */
  waitFor(sid: string, since: number, timeoutMs?: number): Promise<ReceivedList>;
  close(): Promise<void>;
}

const payloadOf = (list: string): { sessions: { sid: string; reason: string }[] } =>
  JSON.parse(Buffer.from(list.split('.')[1]!, 'base64url').toString()) as {
    sessions: { sid: string; reason: string }[];
  };

/** A stand-in relay admin HTTP server: `POST /v1/revocations {list}`. */
export async function startStandInRelay(): Promise<StandInRelay> {
  const received: ReceivedList[] = [];
  const waiters: (() => void)[] = [];
  let status = 200;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      if (req.method === 'POST' && req.url === '/v1/revocations') {
        if (status === 200) {
          const body = JSON.parse(Buffer.concat(chunks).toString()) as { list: string };
          received.push({ at, list: body.list, authorization: req.headers.authorization });
          for (const w of waiters.splice(0)) w();
        }
        res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
      } else res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const find = (sid: string, since: number) =>
    received.find((r) => r.at >= since && payloadOf(r.list).sessions.some((s) => s.sid === sid));
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answer: (s) => {
      status = s;
    },
    waitFor: (sid, since, timeoutMs = 5000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no revocation of ${sid}`)), timeoutMs);
        const check = () => {
          const hit = find(sid, since);
          if (hit) {
            clearTimeout(timer);
            resolve(hit);
          } else waiters.push(check);
        };
        check();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
