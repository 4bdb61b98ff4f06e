import { describe, expect, it, jest } from '@jest/globals';
import { fireEvent, screen, waitFor } from '@testing-library/react-native';
import type { Schemas } from '../api/client';
import { repairJob } from '../testing/fixtures';
import { fakeApi, renderScreen, signedInAs } from '../testing/render';
import RepairDetail from './RepairDetail';
import TechnicianJob from './TechnicianJob';

jest.mock('expo-router', () => ({
  useRouter: () => ({ push: jest.fn(), replace: jest.fn() }),
  useLocalSearchParams: () => ({ id: 'r-1' }),
}));

const noCalls = { 'GET /repairs/r-1/calls': { body: [] } };
const customer = { ...signedInAs({ role: 'customer' }), ...noCalls };
const technician = {
  ...signedInAs({ role: 'technician', technicianKind: 'software' }),
  ...noCalls,
};
const job = repairJob({
  kind: 'software',
  mode: 'online',
  status: 'in_progress',
  technicianId: 't-1',
  location: null,
  address: null,
});
const expiresAt = '2026-12-08T10:00:00.000Z';

const notice: Schemas['ConsentNoticeDto'] = {
  version: '2026-11-v1',
  sha256: 'ab'.repeat(32),
  title: 'Remote repair of your phone',
  purpose: 'To fix the software problem you booked, without visiting you.',
  technician: { id: 't-1', name: 'Meera Iyer' },
  permissions: [
    {
      permission: 'imei_reveal',
      title: 'Read your phone’s IMEI',
      description: 'Recorded encrypted; shown only to the technician.',
    },
    {
      permission: 'remote_session',
      title: 'A remote session',
      description: 'Reaches only the debugging service at 127.0.0.1:5555.',
    },
  ],
  duration: {
    consentHours: 24,
    sessionMaxMinutes: 60,
    text: 'For 24 hours; each session at most 60 minutes.',
  },
  dataProcessed: ['What is opened on the phone', 'Bytes sent each way'],
  howToRevoke: 'Withdraw here at any time: every session ends at once.',
  yourRights: 'You may ask what was recorded and have it corrected.',
};

const consent = (over: Partial<Schemas['ConsentDto']> = {}): Schemas['ConsentDto'] => ({
  id: 'c-1',
  repairJobId: 'r-1',
  technicianId: 't-1',
  permissions: ['remote_session', 'imei_reveal'],
  textVersion: notice.version,
  textSha256: notice.sha256,
  target: '127.0.0.1:5555',
  acceptedAt: '2026-12-07T10:00:00.000Z',
  expiresAt,
  revokedAt: null,
  active: true,
  ...over,
});

const session = (over: Partial<Schemas['RemoteSessionDto']> = {}): Schemas['RemoteSessionDto'] => ({
  id: 'rs-1',
  repairJobId: 'r-1',
  customerId: 'u-1',
  technicianId: 't-1',
  status: 'requested',
  target: '127.0.0.1:5555',
  bandwidthBps: 2_000_000,
  requestedAt: '2026-12-07T10:05:00.000Z',
  joinBy: '2026-12-07T10:15:00.000Z',
  approvedAt: null,
  hardStopAt: null,
  connectedAt: null,
  activeAt: null,
  endedAt: null,
  endReason: null,
  endedBy: null,
  totals: {
    bytesCustomerToTechnician: 0,
    bytesTechnicianToCustomer: 0,
    reconnects: 0,
    throttledMs: 0,
  },
  ...over,
});

const detail = (
  s: Schemas['RemoteSessionDto'],
  logs: Partial<Schemas['RemoteSessionDetailDto']> = {},
): Schemas['RemoteSessionDetailDto'] => ({
  ...s,
  history: [],
  relayEvents: [],
  activity: [],
  ...logs,
});

const customerJob = {
  ...customer,
  'GET /repairs/r-1': { body: job },
  'GET /repairs/r-1/timeline': { body: [] },
};

describe('remote repair: the customer', () => {
  it('reads the notice and consents to what it chooses, from this device', async () => {
    let given: Schemas['ConsentDto'] | null = null;
    const calls = fakeApi({
      ...customerJob,
      'GET /repairs/r-1/remote-consent': () => ({ body: { notice, consent: given } }),
      'POST /repairs/r-1/remote-consent': ({ body }) => {
        given = consent({ permissions: (body as { permissions: never[] }).permissions });
        return { status: 201, body: given };
      },
      'GET /repairs/r-1/remote-sessions': { body: [] },
    });
    await renderScreen(<RepairDetail />);
    const card = await screen.findByTestId('remote-consent');
    for (const text of [
      'Remote repair of your phone',
      'Technician: Meera Iyer',
      'Reaches only the debugging service at 127.0.0.1:5555.',
      'For 24 hours; each session at most 60 minutes.',
      'What is opened on the phone',
      'Withdraw here at any time: every session ends at once.',
      'You may ask what was recorded and have it corrected.',
    ])
      expect(card).toHaveTextContent(text, { exact: false });
    // A remote session is offered; the IMEI only when the customer adds it; none is no consent.
    await fireEvent.press(screen.getByRole('button', { name: 'Allow: A remote session' }));
    expect(screen.getByRole('button', { name: 'I agree' })).toBeDisabled();
    await fireEvent.press(screen.getByRole('button', { name: 'Allow: A remote session' }));
    await fireEvent.press(screen.getByRole('button', { name: 'Allow: Read your phone’s IMEI' }));
    await fireEvent.press(screen.getByRole('button', { name: 'I agree' }));
    expect(await screen.findByTestId('consent-state')).toHaveTextContent(
      /^You allowed a remote session, reading the IMEI until /,
    );
    const sent = calls.find((c) => c.method === 'POST' && c.path === '/repairs/r-1/remote-consent')!
      .body as { textVersion: string; permissions: string[]; deviceFingerprint: string };
    expect(sent.textVersion).toBe('2026-11-v1');
    expect(sent.permissions).toEqual(['remote_session', 'imei_reveal']);
    expect(sent.deviceFingerprint.length).toBeGreaterThanOrEqual(8);
  });

  it('approves a requested session, sees its hard stop and log, and ends it', async () => {
    let current = session();
    const calls = fakeApi({
      ...customerJob,
      'GET /repairs/r-1/remote-consent': { body: { notice, consent: consent() } },
      'GET /repairs/r-1/remote-sessions': () => ({ body: [current] }),
      'GET /remote-sessions/rs-1': () => ({
        body: detail(current, {
          history:
            current.status === 'requested'
              ? []
              : [
                  {
                    event: 'approve',
                    from: 'requested',
                    to: 'approved',
                    actor: 'customer',
                    reason: null,
                    at: '2026-12-07T10:06:00.000Z',
                  },
                ],
          activity: [
            { kind: 'shell', service: 'shell:pm list packages', at: '2026-12-07T10:09:00Z' },
          ],
        }),
      }),
      'POST /remote-sessions/rs-1/approve': () => {
        current = session({
          status: 'approved',
          approvedAt: '2026-12-07T10:06:00.000Z',
          hardStopAt: '2026-12-07T11:06:00.000Z',
        });
        return { body: current };
      },
      'POST /remote-sessions/rs-1/end': () => {
        current = session({
          status: 'ended',
          endedAt: '2026-12-07T10:20:00.000Z',
          endReason: 'ended_by_customer',
          endedBy: 'u-1',
        });
        return { body: current };
      },
    });
    await renderScreen(<RepairDetail />);
    expect(await screen.findByTestId('remote-session-status')).toHaveTextContent(
      'Requested: waiting for the customer',
    );
    expect(screen.queryByRole('button', { name: 'End the session now' })).toBeNull();
    await fireEvent.press(screen.getByRole('button', { name: 'Approve the session' }));
    await waitFor(() =>
      expect(screen.getByTestId('remote-session-status')).toHaveTextContent(
        'Approved: waiting for the agents to join',
      ),
    );
    expect(screen.getByTestId('hard-stop')).toHaveTextContent(/^Stops by itself at /);
    expect(
      await screen.findByText(/Approved: waiting for the agents to join \(by customer\)$/),
    ).toBeOnTheScreen();
    expect(screen.getByText(/Opened on the phone: shell:pm list packages$/)).toBeOnTheScreen();
    await fireEvent.press(screen.getByRole('button', { name: 'End the session now' }));
    await waitFor(() =>
      expect(screen.getByTestId('remote-session-status')).toHaveTextContent('Ended'),
    );
    expect(screen.getByText(/: ended by the customer$/)).toBeOnTheScreen();
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.path)).toEqual([
      '/auth/refresh',
      '/remote-sessions/rs-1/approve',
      '/remote-sessions/rs-1/end',
    ]);
  });

  it('withdraws its consent at any time', async () => {
    let given = consent();
    const calls = fakeApi({
      ...customerJob,
      'GET /repairs/r-1/remote-consent': () => ({ body: { notice, consent: given } }),
      'POST /repairs/r-1/remote-consent/revoke': () => {
        given = consent({ active: false, revokedAt: '2026-12-07T10:30:00.000Z' });
        return { body: given };
      },
      'GET /repairs/r-1/remote-sessions': { body: [] },
    });
    await renderScreen(<RepairDetail />);
    await fireEvent.press(
      await screen.findByRole('button', { name: 'Withdraw consent (ends any session)' }),
    );
    expect(await screen.findByTestId('consent-state')).toHaveTextContent(
      'You withdrew your consent. You can give it again.',
    );
    const sent = calls.find((c) => c.path === '/repairs/r-1/remote-consent/revoke')!.body as {
      deviceFingerprint: string;
    };
    expect(sent.deviceFingerprint.length).toBeGreaterThanOrEqual(8);
  });
});

describe('remote repair: the technician', () => {
  it('is told consent comes first, then asks and follows the session', async () => {
    let sessions: Schemas['RemoteSessionDto'][] = [];
    let consented = false;
    fakeApi({
      ...technician,
      'GET /technician/repairs/r-1': { body: job },
      'GET /technician/repairs/r-1/timeline': { body: [] },
      'GET /repairs/r-1/remote-sessions': () => ({ body: sessions }),
      'GET /remote-sessions/rs-1': () => ({ body: detail(sessions[0]!) }),
      'POST /technician/repairs/r-1/remote-sessions': () => {
        if (!consented)
          return {
            status: 403,
            body: {
              title: 'Consent required',
              status: 403,
              code: 'remote/consent-required',
              detail: 'The customer has not consented to a remote session.',
            },
          };
        sessions = [session()];
        return { status: 201, body: sessions[0] };
      },
    });
    await renderScreen(<TechnicianJob />);
    const ask = await screen.findByRole('button', { name: 'Ask for a remote session' });
    await waitFor(() => expect(ask).toBeEnabled());
    await fireEvent.press(ask);
    expect(
      await screen.findByText('The customer has not consented to a remote session.'),
    ).toBeOnTheScreen();
    consented = true;
    await fireEvent.press(screen.getByRole('button', { name: 'Ask for a remote session' }));
    expect(await screen.findByTestId('remote-session-status')).toHaveTextContent(
      'Requested: waiting for the customer',
    );
    // One live session per job: no second request; the technician may withdraw this one.
    await waitFor(() =>
      expect(screen.getByRole('button', { name: 'Ask for a remote session' })).toBeDisabled(),
    );
    expect(screen.getByRole('button', { name: 'End the session now' })).toBeOnTheScreen();
    expect(screen.queryByRole('button', { name: 'Approve the session' })).toBeNull();
  });
});
