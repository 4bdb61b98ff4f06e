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

const call = (over: Partial<Schemas['CallDto']> = {}): Schemas['CallDto'] => ({
  id: 'c-1',
  repairJobId: 'r-1',
  kind: 'video',
  status: 'ringing',
  callerId: 'u-1',
  calleeId: 't-1',
  participants: [],
  createdAt: '2026-12-07T10:00:00.000Z',
  answeredAt: null,
  endedAt: null,
  endedBy: null,
  endReason: null,
  durationSeconds: null,
  ...over,
});
const connection = (callId: string): Schemas['CallConnectionDto'] => ({
  callId,
  room: `call-${callId}`,
  url: 'wss://livekit.example.in',
  token: 'lk-token',
});

describe('calls on a repair job', () => {
  it('the customer video-calls the technician, is ready to join with the token, then hangs up', async () => {
    let calls: Schemas['CallDto'][] = [];
    const sent = fakeApi({
      ...signedInAs({ role: 'customer' }),
      'GET /repairs/r-1': { body: repairJob({ status: 'en_route', technicianId: 't-1' }) },
      'GET /repairs/r-1/timeline': { body: [] },
      'GET /repairs/r-1/tracking': {
        body: { distanceM: null, etaSeconds: null, position: null, fixAgeSeconds: null },
      },
      'GET /repairs/r-1/calls': () => ({ body: calls }),
      'POST /repairs/r-1/calls': () => {
        calls = [call()];
        return { status: 201, body: connection('c-1') };
      },
      'POST /calls/c-1/end': () => {
        calls = [
          call({ status: 'ended', endedAt: '2026-12-07T10:00:10Z', endReason: 'cancelled' }),
        ];
        return { body: calls[0] };
      },
    });
    await renderScreen(<RepairDetail />);
    expect(await screen.findByText('No calls yet.')).toBeOnTheScreen();
    await fireEvent.press(screen.getByRole('button', { name: 'Video call' }));
    expect(await screen.findByTestId('call-state')).toHaveTextContent('Ringing…');
    expect(screen.getByTestId('call-connection')).toHaveTextContent(
      'Ready to join room call-c-1 at wss://livekit.example.in (the token lasts 10 minutes).',
      { exact: false },
    );
    expect(sent.find((c) => c.path === '/repairs/r-1/calls' && c.method === 'POST')!.body).toEqual({
      kind: 'video',
    });
    await fireEvent.press(screen.getByRole('button', { name: 'Hang up' }));
    await waitFor(() =>
      expect(screen.getByTestId('call-log')).toHaveTextContent(/Outgoing video call · Ended$/),
    );
    expect(screen.getByRole('button', { name: 'Video call' })).toBeOnTheScreen();
  });

  it('the technician answers an incoming call and gets its own token', async () => {
    let calls = [call({ kind: 'audio', callerId: 'u-2', calleeId: 'u-1' })];
    const sent = fakeApi({
      ...signedInAs({ role: 'technician', technicianKind: 'hardware' }),
      'GET /technician/repairs/r-1': {
        body: repairJob({ status: 'arrived', technicianId: 'u-1' }),
      },
      'GET /technician/repairs/r-1/timeline': { body: [] },
      'GET /repairs/r-1/calls': () => ({ body: calls }),
      'POST /calls/c-1/accept': () => {
        calls = [{ ...calls[0]!, status: 'active', answeredAt: '2026-12-07T10:00:05Z' }];
        return { body: connection('c-1') };
      },
    });
    await renderScreen(<TechnicianJob />);
    expect(await screen.findByTestId('call-state')).toHaveTextContent('Incoming audio call');
    expect(screen.queryByRole('button', { name: 'Hang up' })).toBeNull();
    await fireEvent.press(screen.getByRole('button', { name: 'Answer' }));
    await waitFor(() => expect(screen.getByTestId('call-state')).toHaveTextContent('In the call'));
    expect(screen.getByTestId('call-connection')).toHaveTextContent('room call-c-1', {
      exact: false,
    });
    expect(screen.getByRole('button', { name: 'Hang up' })).toBeOnTheScreen();
    expect(sent.some((c) => c.path === '/calls/c-1/accept')).toBe(true);
  });

  it('declines an incoming call; the log shows past calls with their length', async () => {
    let calls = [
      call({ id: 'c-2', kind: 'audio', callerId: 'u-2', calleeId: 'u-1' }),
      call({
        status: 'ended',
        callerId: 'u-1',
        calleeId: 'u-2',
        answeredAt: '2026-12-06T10:00:05Z',
        endedAt: '2026-12-06T10:02:10Z',
        endReason: 'hung_up',
        durationSeconds: 125,
        createdAt: '2026-12-06T10:00:00.000Z',
      }),
    ];
    fakeApi({
      ...signedInAs({ role: 'customer' }),
      'GET /repairs/r-1': { body: repairJob({ status: 'in_progress', technicianId: 'u-2' }) },
      'GET /repairs/r-1/timeline': { body: [] },
      'GET /repairs/r-1/calls': () => ({ body: calls }),
      'POST /calls/c-2/decline': () => {
        calls = [{ ...calls[0]!, status: 'declined', endReason: 'declined' }, calls[1]!];
        return { body: calls[0] };
      },
    });
    await renderScreen(<RepairDetail />);
    expect(await screen.findByText(/Outgoing video call · 2 min 5 s$/)).toBeOnTheScreen();
    await fireEvent.press(await screen.findByRole('button', { name: 'Decline' }));
    expect(await screen.findByText(/Received audio call · Declined$/)).toBeOnTheScreen();
    expect(screen.queryByTestId('open-call')).toBeNull();
  });

  it('says why a call cannot start', async () => {
    fakeApi({
      ...signedInAs({ role: 'customer' }),
      'GET /repairs/r-1': { body: repairJob({ status: 'in_progress', technicianId: 'u-2' }) },
      'GET /repairs/r-1/timeline': { body: [] },
      'GET /repairs/r-1/calls': { body: [] },
      'POST /repairs/r-1/calls': {
        status: 503,
        body: {
          title: 'Calls unavailable',
          status: 503,
          code: 'call/unavailable',
          detail: 'The call could not be set up. Try again shortly.',
        },
      },
    });
    await renderScreen(<RepairDetail />);
    await fireEvent.press(await screen.findByRole('button', { name: 'Audio call' }));
    expect(
      await screen.findByText('The call could not be set up. Try again shortly.'),
    ).toBeOnTheScreen();
  });
});
