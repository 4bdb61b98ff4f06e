'use client';
import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import { formatIstDateTime } from '../../lib/dates';
import { AuthedMedia } from '../authed-media';
import type { Dispute } from './dispute-view';

/** A dispute's evidence: images shown, videos playable. */
export function EvidenceViewer({ dispute }: { dispute: Dispute }) {
  return (
    <>
      <Typography variant="subtitle1" component="h3" sx={{ mt: 2 }}>
        Evidence
      </Typography>
      {dispute.evidence.length === 0 ? (
        <Typography sx={{ color: 'text.secondary' }}>No photos or videos.</Typography>
      ) : (
        <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 2 }}>
          {dispute.evidence.map((e) => (
            <AuthedMedia
              key={e.id}
              path={`/disputes/${dispute.id}/evidence/${e.id}`}
              contentType={e.contentType}
              caption={`${dispute.repairJobId && e.role === 'buyer' ? 'customer' : e.role}'s ${e.contentType.startsWith('video/') ? 'video' : 'photo'}, ${formatIstDateTime(e.createdAt)}`}
            />
          ))}
        </Box>
      )}
    </>
  );
}
