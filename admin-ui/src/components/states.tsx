'use client';
import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import CircularProgress from '@mui/material/CircularProgress';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import { toProblem } from '../lib/problem';

export function Loading({ label = 'Loading' }: { label?: string }) {
  return (
    <Box role="status" sx={{ display: 'flex', alignItems: 'center', gap: 2, p: 3 }}>
      <CircularProgress size={24} aria-hidden />
      <Typography>{label}…</Typography>
    </Box>
  );
}

export function Empty({ children }: { children: string }) {
  return (
    <Typography sx={{ p: 3, color: 'text.secondary' }} data-testid="empty">
      {children}
    </Typography>
  );
}

/** An error as the API described it: its title and detail, its code, and the request id to quote (copyable). */
export function ProblemAlert({ error }: { error: unknown }) {
  const problem = toProblem(error);
  const [copied, setCopied] = useState(false);
  return (
    <Alert severity="error" role="alert" sx={{ my: 2 }} data-testid="problem">
      <AlertTitle>{problem.title}</AlertTitle>
      {problem.detail && <Typography variant="body2">{problem.detail}</Typography>}
      {problem.errors?.map((e) => (
        <Typography variant="body2" key={e.field}>
          {e.field}: {e.messages.join('; ')}
        </Typography>
      ))}
      <Typography variant="caption" component="p" sx={{ mt: 1 }}>
        {problem.code}
        {problem.requestId && (
          <>
            {' · request id '}
            <code>{problem.requestId}</code>{' '}
            <Button
              size="small"
              onClick={() =>
                void navigator.clipboard.writeText(problem.requestId!).then(() => setCopied(true))
              }
            >
              {copied ? 'Copied' : 'Copy'}
            </Button>
          </>
        )}
      </Typography>
    </Alert>
  );
}

/** A query's three states in one place: loading, error (problem), or the content. */
export function QueryState<T>({
  query,
  children,
  label,
}: {
  query: { isPending: boolean; error: unknown; data: T | undefined };
  label?: string;
  children: (data: T) => React.ReactNode;
}) {
  if (query.error) return <ProblemAlert error={query.error} />;
  if (query.isPending || query.data === undefined) return <Loading label={label} />;
  return <>{children(query.data)}</>;
}
