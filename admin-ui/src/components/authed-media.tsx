'use client';
import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { authedFetch } from '../api/session';
import { problemOf, ProblemError } from '../lib/problem';
import { QueryState } from './states';

/**
 * One photo or video of the API (`path`, e.g. `/disputes/{id}/evidence/{evidenceId}`), fetched
 * through the console's proxy with the session (the API wants the Bearer token, which an `<img>` or
 * `<video>` would not send), shown from a blob URL revoked when it goes (the CSP admits blob: media).
 */
export function AuthedMedia({
  path,
  contentType,
  caption,
  width = 320,
}: {
  path: string;
  contentType: string;
  caption: string;
  width?: number;
}) {
  const blob = useQuery({
    queryKey: ['media', path],
    queryFn: async () => {
      const res = await authedFetch(new Request(`${window.location.origin}/api${path}`));
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
  return (
    <Box component="figure" sx={{ m: 0, width }}>
      <QueryState query={{ ...blob, data: src }} label="Loading the media">
        {(src) =>
          contentType.startsWith('video/') ? (
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
