import Button from '@mui/material/Button';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import type { components } from '../../api/schema';
import { can, type StaffRole } from '../../lib/access';
import { formatIstDateTime } from '../../lib/dates';
import { Facts } from '../facts';
import { TimelineTable } from '../timeline-table';

export type RemoteSession = components['schemas']['RemoteSessionDto'];
export type RemoteSessionDetail = components['schemas']['RemoteSessionDetailDto'];

/** Whether the role may end this session now: any state but ended, for the roles the API admits. */
export function canKill(role: StaffRole | null, session: RemoteSession): boolean {
  return (
    session.status !== 'ended' && can(role, 'POST /admin/remote-sessions/{remoteSessionId}/kill')
  );
}

export const formatBytes = (bytes: number) => `${bytes.toLocaleString('en-IN')} bytes`;
const ist = (v: string | null) => (v ? formatIstDateTime(v) : undefined);

/**
 * A remote session as staff see it: its job, parties and times, the relay's byte totals, its state
 * history, the relay's reports and the customer agent's record of what was opened on the phone.
 */
export function RemoteSessionView({
  session,
  role,
  onKill,
}: {
  session: RemoteSessionDetail;
  role: StaffRole | null;
  onKill: () => void;
}) {
  const { totals } = session;
  return (
    <>
      <Facts
        items={[
          ['Status', session.status.replaceAll('_', ' ')],
          ['Repair job', session.repairJobId],
          ['Customer', session.customerId],
          ['Technician', session.technicianId],
          ['Target', session.target],
          ['Bandwidth cap (each way)', `${formatBytes(session.bandwidthBps)}/s`],
          ['Requested (IST)', ist(session.requestedAt)],
          ['Join by (IST)', ist(session.joinBy)],
          ['Approved (IST)', ist(session.approvedAt)],
          ['Connected (IST)', ist(session.connectedAt)],
          ['Active (IST)', ist(session.activeAt)],
          ['Hard stop (IST)', ist(session.hardStopAt)],
          ['Ended (IST)', ist(session.endedAt)],
          ['Ended because', session.endReason?.replaceAll('_', ' ')],
          ['Ended by', session.endedBy],
          ['Customer → technician', formatBytes(totals.bytesCustomerToTechnician)],
          ['Technician → customer', formatBytes(totals.bytesTechnicianToCustomer)],
          ['Reconnects', totals.reconnects.toLocaleString('en-IN')],
          ['Throttled', `${(totals.throttledMs / 1000).toLocaleString('en-IN')} s`],
        ]}
      />
      {canKill(role, session) && (
        <Button variant="contained" color="error" sx={{ my: 2 }} onClick={onKill}>
          Kill the session
        </Button>
      )}
      <Typography variant="subtitle1" component="h3" sx={{ mt: 2 }}>
        State history
      </Typography>
      <TimelineTable
        label="Remote session history"
        entries={session.history.map((h) => ({
          at: h.at,
          event: h.event,
          fromStatus: h.from,
          toStatus: h.to,
          by: h.actor,
          reason: h.reason,
        }))}
      />
      <Typography variant="subtitle1" component="h3" sx={{ mt: 2 }}>
        The relay’s reports
      </Typography>
      {session.relayEvents.length === 0 ? (
        <Typography sx={{ color: 'text.secondary' }}>The relay has reported nothing.</Typography>
      ) : (
        <Table size="small" aria-label="Relay reports">
          <TableHead>
            <TableRow>
              <TableCell>When (IST)</TableCell>
              <TableCell>Event</TableCell>
              <TableCell>Side</TableCell>
              <TableCell>Detail</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {session.relayEvents.map((e, i) => (
              <TableRow key={i}>
                <TableCell>{formatIstDateTime(e.at)}</TableCell>
                <TableCell>{e.type.replaceAll('_', ' ')}</TableCell>
                <TableCell>{e.role}</TableCell>
                <TableCell sx={{ fontFamily: 'monospace', overflowWrap: 'anywhere' }}>
                  {Object.entries(e.detail)
                    .map(
                      ([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`,
                    )
                    .join(', ')}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      <Typography variant="subtitle1" component="h3" sx={{ mt: 2 }}>
        The customer’s activity record
      </Typography>
      {session.activity.length === 0 ? (
        <Typography sx={{ color: 'text.secondary' }}>Nothing was opened on the phone.</Typography>
      ) : (
        <Table size="small" aria-label="Customer activity record">
          <TableHead>
            <TableRow>
              <TableCell>When (IST)</TableCell>
              <TableCell>Kind</TableCell>
              <TableCell>Opened</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {session.activity.map((a, i) => (
              <TableRow key={i}>
                <TableCell>{formatIstDateTime(a.at)}</TableCell>
                <TableCell>{a.kind}</TableCell>
                <TableCell sx={{ fontFamily: 'monospace' }}>{a.service}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </>
  );
}
