'use client';
import Alert from '@mui/material/Alert';
import Typography from '@mui/material/Typography';
import type { ReactNode } from 'react';
import { can, ROLE_LABELS, type ApiRoute } from '../lib/access';
import { useAuth } from './auth';

/**
 * A console page: its title, and its content only for roles the API admits to `route` (others opening
 * the address get a plain refusal, and nothing is requested).
 */
export function StaffPage({
  title,
  route,
  children,
}: {
  title: string;
  route: ApiRoute;
  children: ReactNode;
}) {
  const { role } = useAuth();
  return (
    <>
      <Typography variant="h4" component="h1" gutterBottom>
        {title}
      </Typography>
      {can(role, route) ? (
        children
      ) : (
        <Alert severity="warning" data-testid="not-for-role">
          This page is not available to the {role ? ROLE_LABELS[role] : 'signed-out'} role.
        </Alert>
      )}
    </>
  );
}
