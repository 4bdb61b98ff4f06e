import { describe, expect, it } from '@jest/globals';
import { renderToStaticMarkup } from 'react-dom/server';
import { canKill, RemoteSessionView, type RemoteSessionDetail } from './remote-session-view';

const session = (over: Partial<RemoteSessionDetail>): RemoteSessionDetail => ({
  status: 'active',
  history: [
    {
      event: 'approve',
      from: 'requested',
      to: 'approved',
      actor: 'c-1',
      reason: null,
      at: '2026-12-06T07:00:00.000Z',
    },
  ],
  relayEvents: [
    {
      type: 'agent_connected',
      role: 'customer',
      detail: { reconnects: 0 },
      at: '2026-12-06T07:01:00.000Z',
    },
  ],
  activity: [{ kind: 'shell', service: 'shell:ls /sdcard', at: '2026-12-06T07:02:00.000Z' }],
  id: 's-1',
  repairJobId: 'r-1',
  customerId: 'c-1',
  technicianId: 't-1',
  target: 'adb',
  bandwidthBps: 2_097_152,
  requestedAt: '2026-12-06T06:59:00.000Z',
  joinBy: '2026-12-06T07:09:00.000Z',
  approvedAt: '2026-12-06T07:00:00.000Z',
  hardStopAt: '2026-12-06T08:00:00.000Z',
  connectedAt: '2026-12-06T07:01:00.000Z',
  activeAt: '2026-12-06T07:01:30.000Z',
  endedAt: null,
  endReason: null,
  endedBy: null,
  totals: {
    bytesCustomerToTechnician: 1_234_567,
    bytesTechnicianToCustomer: 890,
    reconnects: 1,
    throttledMs: 2500,
  },
  ...over,
});

const text = (html: string) =>
  html.replace(/<style[^>]*>.*?<\/style>/gs, '').replace(/<[^>]+>/g, ' ');

describe('canKill', () => {
  it('lets admin and ops leader kill a session until it has ended', () => {
    for (const role of ['admin', 'ops_leader'] as const) {
      for (const status of [
        'requested',
        'approved',
        'tokens_issued',
        'connected',
        'active',
      ] as const)
        expect(canKill(role, session({ status }))).toBe(true);
      expect(canKill(role, session({ status: 'ended' }))).toBe(false);
    }
  });

  it('never offers it to compliance (who may read sessions), finance or the CFO', () => {
    for (const role of ['compliance', 'finance', 'cfo'] as const)
      expect(canKill(role, session({}))).toBe(false);
  });
});

describe('RemoteSessionView', () => {
  it('shows the byte totals, the history, the relay reports and the activity record in IST', () => {
    const html = text(
      renderToStaticMarkup(
        <RemoteSessionView session={session({})} role="admin" onKill={() => {}} />,
      ),
    );
    expect(html).toContain('12,34,567 bytes');
    expect(html).toContain('890 bytes');
    expect(html).toContain('2.5 s');
    expect(html).toContain('20,97,152 bytes/s');
    expect(html).toContain('requested → approved');
    expect(html).toContain('agent connected');
    expect(html).toContain('reconnects: 0');
    expect(html).toContain('shell:ls /sdcard');
    expect(html).toContain('06 Dec 2026, 12:32:00 IST');
    expect(html).toContain('Kill the session');
  });

  it('offers no kill on an ended session, and says why it ended', () => {
    const html = text(
      renderToStaticMarkup(
        <RemoteSessionView
          session={session({
            status: 'ended',
            endedAt: '2026-12-06T07:30:00.000Z',
            endReason: 'admin_kill',
            relayEvents: [],
            activity: [],
          })}
          role="admin"
          onKill={() => {}}
        />,
      ),
    );
    expect(html).toContain('admin kill');
    expect(html).toContain('The relay has reported nothing.');
    expect(html).toContain('Nothing was opened on the phone.');
    expect(html).not.toContain('Kill the session');
  });
});
