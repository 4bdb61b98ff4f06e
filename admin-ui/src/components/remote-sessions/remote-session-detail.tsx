'use client';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, data } from '../../api/client';
import { useAuth } from '../auth';
import { ReasonDialog } from '../reason-dialog';
import { QueryState } from '../states';
import { RemoteSessionView } from './remote-session-view';

/** One remote session opened from the list (refreshed while it is live), killed with a reason. */
export function RemoteSessionDetail({
  remoteSessionId,
  onClose,
}: {
  remoteSessionId: string;
  onClose: () => void;
}) {
  const { role } = useAuth();
  const queries = useQueryClient();
  const [killing, setKilling] = useState(false);
  const path = { params: { path: { remoteSessionId } } };
  const session = useQuery({
    queryKey: ['remote-sessions', 'detail', remoteSessionId],
    queryFn: () => data(api.GET('/remote-sessions/{remoteSessionId}', path)),
    refetchInterval: (q) => (q.state.data?.status === 'ended' ? false : 5_000),
  });
  const kill = async (reason: string) => {
    await data(
      api.POST('/admin/remote-sessions/{remoteSessionId}/kill', { ...path, body: { reason } }),
    );
    await queries.invalidateQueries({ queryKey: ['remote-sessions'] });
  };
  return (
    <Paper sx={{ p: 2, mt: 3 }} component="section" aria-labelledby="remote-session-title">
      <Stack direction="row" sx={{ justifyContent: 'space-between', alignItems: 'center' }}>
        <Typography variant="h6" component="h2" id="remote-session-title">
          Remote session detail
        </Typography>
        <Button onClick={onClose}>Close</Button>
      </Stack>
      <QueryState query={session} label="Loading the session">
        {(s) => <RemoteSessionView session={s} role={role} onKill={() => setKilling(true)} />}
      </QueryState>
      {killing && (
        <ReasonDialog
          title="Kill the remote session"
          detail="The relay cuts both agents at once and their tokens are revoked; the customer and the technician are told. Audited."
          label="Reason (kept on the session and in the audit log)"
          field="reason"
          minLength={3}
          maxLength={1000}
          action="Kill"
          submit={kill}
          onClose={() => setKilling(false)}
        />
      )}
    </Paper>
  );
}
