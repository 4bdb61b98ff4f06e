'use client';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import { useQuery } from '@tanstack/react-query';
import { api, data } from '../../api/client';
import { formatIstDateTime } from '../../lib/dates';
import { formatPaise } from '../../lib/money';
import { Facts } from '../facts';
import { Empty, QueryState } from '../states';

const right = { textAlign: 'right', whiteSpace: 'nowrap' } as const;
const hash = (v: string) => <code style={{ overflowWrap: 'anywhere' }}>{v}</code>;

/**
 * One journal entry opened from the journal: its lines, its own hash (over its content and the hash
 * chain), and the proof that a seal covers it (the seal's number, the entry's position among its
 * members, the seal's hash and the previous seal's, the signature and its key).
 */
export function EntryDetail({ entryId, onClose }: { entryId: string; onClose: () => void }) {
  const entry = useQuery({
    queryKey: ['journal', 'entry', entryId],
    queryFn: () => data(api.GET('/ledger/entries/{entryId}', { params: { path: { entryId } } })),
  });
  return (
    <Paper sx={{ p: 2, mt: 3 }} component="section" aria-labelledby="entry-detail-title">
      <Stack direction="row" sx={{ justifyContent: 'space-between', alignItems: 'center' }}>
        <Typography variant="h6" component="h2" id="entry-detail-title">
          Journal entry
        </Typography>
        <Button onClick={onClose}>Close</Button>
      </Stack>
      <QueryState query={entry} label="Loading the entry">
        {(e) => (
          <div data-testid="entry-detail">
            <Facts
              items={[
                ['Entry', <code key="id">{e.id}</code>],
                ['Seq', e.seq],
                ['Kind', e.kind],
                ['Event', e.eventType],
                ['Reference', e.reference],
                ['Actor', e.actor],
                ['Effective', formatIstDateTime(e.effectiveAt)],
                ['Reversal of', e.reversalOf],
                ['Pending entry', e.pendingId],
                ['Input hash', hash(e.inputHash)],
                ['Entry hash', hash(e.hash)],
              ]}
            />
            <Table size="small" aria-label="Entry lines">
              <TableHead>
                <TableRow>
                  <TableCell>Line</TableCell>
                  <TableCell>Account</TableCell>
                  <TableCell sx={right}>Debit</TableCell>
                  <TableCell sx={right}>Credit</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {e.lines.map((l) => (
                  <TableRow key={l.lineNo}>
                    <TableCell>{l.lineNo}</TableCell>
                    <TableCell>
                      <code>{l.account}</code>
                    </TableCell>
                    <TableCell sx={right}>
                      {l.side === 'debit' ? formatPaise(l.amount) : ''}
                    </TableCell>
                    <TableCell sx={right}>
                      {l.side === 'credit' ? formatPaise(l.amount) : ''}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
            <Typography variant="subtitle1" component="h3" sx={{ mt: 2 }}>
              Seal proof
            </Typography>
            {e.seal ? (
              <Facts
                items={[
                  ['Seal', `#${e.seal.sealNo}`],
                  ['Position in the seal', e.seal.position],
                  ['Seal hash', hash(e.seal.hash)],
                  ['Previous seal hash', hash(e.seal.prevHash)],
                  ['Signing key', e.seal.keyId],
                  ['Signature', hash(e.seal.signature)],
                ]}
              />
            ) : (
              <Empty>Not sealed yet: the next seal will cover it.</Empty>
            )}
          </div>
        )}
      </QueryState>
    </Paper>
  );
}
