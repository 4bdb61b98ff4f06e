'use client';
import Button from '@mui/material/Button';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useSearchParams } from 'next/navigation';
import { Suspense, useState, type FormEvent } from 'react';
import { api, data } from '../../../api/client';
import { useAuth } from '../../../components/auth';
import { CallLog, ChatMessages, type ChatMessage } from '../../../components/chat/chat-view';
import { StaffPage } from '../../../components/page';
import { ReasonDialog } from '../../../components/reason-dialog';
import { QueryState } from '../../../components/states';
import { can } from '../../../lib/access';

type Kind = 'job' | 'sub_order';
interface Room {
  kind: Kind;
  subjectId: string;
}

const PAGE = 100;

/** A room opened by its subject: its messages a page at a time (newest first, earlier on demand). */
function RoomDetail({ room }: { room: Room }) {
  const { role } = useAuth();
  const queries = useQueryClient();
  const [before, setBefore] = useState<number | undefined>();
  const [hiding, setHiding] = useState<ChatMessage | null>(null);
  const messages = useQuery({
    queryKey: ['chat', 'messages', room.kind, room.subjectId, before ?? 0],
    queryFn: () =>
      data(
        api.GET('/chat/rooms/{kind}/{subjectId}/messages', {
          params: { path: room, query: { limit: PAGE, before } },
        }),
      ),
  });
  const calls = useQuery({
    queryKey: ['chat', 'calls', room.subjectId],
    queryFn: () =>
      data(
        api.GET('/repairs/{repairJobId}/calls', {
          params: { path: { repairJobId: room.subjectId } },
        }),
      ),
    enabled: room.kind === 'job' && can(role, 'GET /repairs/{repairJobId}/calls'),
  });
  const hide = async (reason: string) => {
    await data(
      api.POST('/chat/messages/{messageId}/hide', {
        params: { path: { messageId: hiding!.id } },
        body: { reason },
      }),
    );
    await queries.invalidateQueries({ queryKey: ['chat', 'messages'] });
  };
  const first = messages.data?.items[0]?.seq;
  return (
    <Paper sx={{ p: 2, mt: 3 }} component="section" aria-labelledby="room-title">
      <Typography variant="h6" component="h2" id="room-title">
        Room {room.kind === 'job' ? 'of repair job' : 'of sub-order'} {room.subjectId}
      </Typography>
      <QueryState query={messages} label="Loading the messages">
        {(page) => (
          <>
            <Stack direction="row" spacing={1} sx={{ my: 1 }}>
              <Button disabled={!first || first <= 1} onClick={() => setBefore(first)}>
                Earlier messages
              </Button>
              <Button disabled={before === undefined} onClick={() => setBefore(undefined)}>
                Newest messages
              </Button>
            </Stack>
            <ChatMessages messages={page.items} role={role} onHide={setHiding} />
          </>
        )}
      </QueryState>
      {room.kind === 'job' && can(role, 'GET /repairs/{repairJobId}/calls') && (
        <>
          <Typography variant="subtitle1" component="h3" sx={{ mt: 2 }}>
            Calls
          </Typography>
          <QueryState query={calls} label="Loading the calls">
            {(list) => <CallLog calls={list} />}
          </QueryState>
        </>
      )}
      {hiding && (
        <ReasonDialog
          title={`Hide message ${hiding.seq}`}
          detail="Its parties no longer see its text; staff still do, and the original is kept. Audited."
          label="Reason (kept with the message and in the audit log)"
          field="reason"
          minLength={3}
          maxLength={1000}
          action="Hide"
          submit={hide}
          onClose={() => setHiding(null)}
        />
      )}
    </Paper>
  );
}

/** The room the address names (`?kind=job&subjectId=…`, as the reports queue and calls link), if any. */
function roomOf(params: Pick<URLSearchParams, 'get'>): Room | null {
  const kind = params.get('kind');
  const subjectId = params.get('subjectId');
  return (kind === 'job' || kind === 'sub_order') && subjectId ? { kind, subjectId } : null;
}

function Chat() {
  const linked = roomOf(useSearchParams());
  const [kind, setKind] = useState<Kind>(linked?.kind ?? 'job');
  const [subjectId, setSubjectId] = useState(linked?.subjectId ?? '');
  const [room, setRoom] = useState<Room | null>(linked);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (subjectId.trim()) setRoom({ kind, subjectId: subjectId.trim() });
  };
  return (
    <StaffPage title="Chat" route="GET /chat/rooms/{kind}/{subjectId}/messages">
      <Typography variant="body2" sx={{ mb: 2 }}>
        Open a repair job’s or a sub-order’s room to read its messages (hidden ones included), hide
        one with a reason, and read a job’s calls. Staff join a room visibly: the first time you
        open one, its parties see that you joined (audited).
      </Typography>
      <Stack component="form" direction="row" spacing={2} onSubmit={submit}>
        <TextField
          select
          label="Room of"
          value={kind}
          onChange={(e) => setKind(e.target.value as Kind)}
          sx={{ minWidth: 180 }}
        >
          <MenuItem value="job">Repair job</MenuItem>
          <MenuItem value="sub_order">Sub-order</MenuItem>
        </TextField>
        <TextField
          label={kind === 'job' ? 'Repair job id' : 'Sub-order id'}
          value={subjectId}
          onChange={(e) => setSubjectId(e.target.value)}
          sx={{ minWidth: 360 }}
        />
        <Button type="submit" variant="contained">
          Open room
        </Button>
      </Stack>
      {room && <RoomDetail key={`${room.kind}:${room.subjectId}`} room={room} />}
    </StaffPage>
  );
}

export default function ChatPage() {
  return (
    <Suspense>
      <Chat />
    </Suspense>
  );
}
