import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import type { SxProps } from '@mui/material/styles';
import { formatIstDateTime } from '../lib/dates';

/** One move of a state machine's history, as the API's timelines give it. */
export interface TimelineEntry {
  at: string;
  event: string;
  fromStatus: string | null;
  toStatus: string;
  /** Who moved it (the actor). */
  by: string;
  reason: string | null;
}

/** A state machine's history, oldest first: when (IST), event, from → to, by whom, why. */
export function TimelineTable({
  entries,
  label,
  sx,
}: {
  entries: readonly TimelineEntry[];
  label: string;
  sx?: SxProps;
}) {
  return (
    <Table size="small" aria-label={label} {...(sx ? { sx } : {})}>
      <TableHead>
        <TableRow>
          <TableCell>When (IST)</TableCell>
          <TableCell>Event</TableCell>
          <TableCell>Status</TableCell>
          <TableCell>By</TableCell>
          <TableCell>Reason</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {entries.map((e, i) => (
          <TableRow key={i}>
            <TableCell>{formatIstDateTime(e.at)}</TableCell>
            <TableCell>{e.event}</TableCell>
            <TableCell>
              {e.fromStatus ? `${e.fromStatus} → ` : ''}
              {e.toStatus}
            </TableCell>
            <TableCell>{e.by}</TableCell>
            <TableCell>{e.reason}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
