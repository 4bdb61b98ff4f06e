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
import { AuthedMedia } from '../authed-media';

export type ChatMessage = components['schemas']['ChatMessageDto'];
export type Call = components['schemas']['CallDto'];

/** Staff may hide a party's message (not a system one) not hidden yet, if the API lets their role. */
export function canHide(role: StaffRole | null, message: ChatMessage): boolean {
  return (
    message.kind !== 'system' &&
    !message.hidden &&
    can(role, 'POST /chat/messages/{messageId}/hide')
  );
}

/**
 * A message's photo (its thumbnail) or video (playable), fetched with the session; a hidden
 * message's too, as staff see its text.
 */
function Attachment({
  message,
  attachment,
}: {
  message: ChatMessage;
  attachment: NonNullable<ChatMessage['attachment']>;
}) {
  const video = attachment.type.startsWith('video/');
  return (
    <AuthedMedia
      path={video ? attachment.url : (attachment.thumbnailUrl ?? attachment.url)}
      contentType={video ? attachment.type : 'image/jpeg'}
      caption={`Message ${message.seq}: ${video ? 'video' : 'photo'} (${attachment.type}, ${attachment.bytes.toLocaleString('en-IN')} bytes)`}
      width={240}
    />
  );
}

/** A room's messages, oldest first, as staff see them: hidden ones kept, with why; hide where allowed. */
export function ChatMessages({
  messages,
  role,
  onHide,
}: {
  messages: ChatMessage[];
  role: StaffRole | null;
  onHide: (message: ChatMessage) => void;
}) {
  if (messages.length === 0)
    return <Typography sx={{ color: 'text.secondary' }}>No messages in this room.</Typography>;
  return (
    <Table size="small" aria-label="Messages">
      <TableHead>
        <TableRow>
          <TableCell>#</TableCell>
          <TableCell>Sent (IST)</TableCell>
          <TableCell>From</TableCell>
          <TableCell>Message</TableCell>
          <TableCell>Moderation</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {messages.map((m) => (
          <TableRow key={m.id}>
            <TableCell>{m.seq}</TableCell>
            <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatIstDateTime(m.createdAt)}</TableCell>
            <TableCell sx={{ overflowWrap: 'anywhere' }}>{m.senderId ?? 'system'}</TableCell>
            <TableCell sx={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
              {m.attachment && <Attachment message={m} attachment={m.attachment} />}
              {m.body}
              {m.masked.length > 0 && (
                <Typography variant="caption" component="p" sx={{ color: 'text.secondary' }}>
                  Masked: {m.masked.join(', ').replaceAll('_', ' ')}
                </Typography>
              )}
            </TableCell>
            <TableCell>
              {m.hidden ? (
                `Hidden: ${m.hiddenReason ?? ''}`
              ) : canHide(role, m) ? (
                <Button size="small" onClick={() => onHide(m)} aria-label={`Hide message ${m.seq}`}>
                  Hide
                </Button>
              ) : null}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/** A repair job's calls, newest first, with their logs: who joined and left when, how each ended. */
export function CallLog({ calls }: { calls: Call[] }) {
  if (calls.length === 0)
    return <Typography sx={{ color: 'text.secondary' }}>No calls on this job.</Typography>;
  const at = (v: string | null) => (v ? formatIstDateTime(v) : '—');
  return (
    <Table size="small" aria-label="Calls">
      <TableHead>
        <TableRow>
          <TableCell>Placed (IST)</TableCell>
          <TableCell>Kind</TableCell>
          <TableCell>Status</TableCell>
          <TableCell>Caller → callee</TableCell>
          <TableCell>Duration</TableCell>
          <TableCell>Ended</TableCell>
          <TableCell>Who joined and left (IST)</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {calls.map((c) => (
          <TableRow key={c.id}>
            <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatIstDateTime(c.createdAt)}</TableCell>
            <TableCell>{c.kind}</TableCell>
            <TableCell>{c.status}</TableCell>
            <TableCell sx={{ overflowWrap: 'anywhere' }}>
              {c.callerId} → {c.calleeId}
            </TableCell>
            <TableCell>{c.durationSeconds === null ? '—' : `${c.durationSeconds} s`}</TableCell>
            <TableCell>{c.endReason?.replaceAll('_', ' ') ?? '—'}</TableCell>
            <TableCell sx={{ overflowWrap: 'anywhere' }}>
              {c.participants
                .map((p) => `${p.userId}: ${at(p.joinedAt)} – ${at(p.leftAt)}`)
                .join('; ')}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/** The Chat page with a room opened. */
export const roomHref = (kind: 'job' | 'sub_order', subjectId: string) =>
  `/chat?${new URLSearchParams({ kind, subjectId }).toString()}`;
