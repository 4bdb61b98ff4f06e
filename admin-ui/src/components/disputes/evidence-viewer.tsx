'use client';
import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { authedFetch } from '../../api/session';
import { formatIstDateTime } from '../../lib/dates';
import { problemOf, ProblemError } from '../../lib/problem';
import { QueryState } from '../states';
import type { Dispute } from './dispute-view';

type Evidence = Dispute['evidence'][number];

/**
 * One photo or video, fetched through the console's proxy with the session (the API wants the Bearer
 * token, which an `<img>` or `<video>` would not send), shown from a blob URL revoked when it goes.
 */
function EvidenceItem({
  disputeId,
  item,
  who,
}: {
  disputeId: string;
  item: Evidence;
  /** Who uploaded it, as the dispute names its parties. */
  who: string;
}) {
  const blob = useQuery({
    queryKey: ['disputes', 'evidence', disputeId, item.id],
    queryFn: async () => {
      const res = await authedFetch(
        new Request(`${window.location.origin}/api/disputes/${disputeId}/evidence/${item.id}`),
      );
      if (!res.ok) throw new ProblemError(await problemOf(res));
      return res.blob();
    },
    staleTime: Infinity,
  });
  const [src, setSrc] = useState<string>();
  useEffect(() => {
    if (!blob.data) return;
    const url = URL.createObjectURL(blob.data);
    setSrc(url);
    return () => URL.revokeObjectURL(url);
  }, [blob.data]);
  const caption = `${who}'s ${item.contentType.startsWith('video/') ? 'video' : 'photo'}, ${formatIstDateTime(item.createdAt)}`;
  return (
    <Box component="figure" sx={{ m: 0, width: 320 }}>
      <QueryState query={{ ...blob, data: src }} label="Loading the evidence">
        {(src) =>
          item.contentType.startsWith('video/') ? (
            <video src={src} controls aria-label={caption} style={{ width: '100%' }} />
          ) : (
            <img src={src} alt={caption} style={{ width: '100%' }} />
          )
        }
      </QueryState>
      <Typography component="figcaption" variant="caption">
        {caption}
      </Typography>
    </Box>
  );
}

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
            <EvidenceItem
              key={e.id}
              disputeId={dispute.id}
              item={e}
              who={dispute.repairJobId && e.role === 'buyer' ? 'customer' : e.role}
            />
          ))}
        </Box>
      )}
    </>
  );
}
