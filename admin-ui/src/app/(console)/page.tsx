'use client';
import Box from '@mui/material/Box';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import Typography from '@mui/material/Typography';
import Link from 'next/link';
import { useAuth } from '../../components/auth';
import { StaffPage } from '../../components/page';
import { can, ROLE_LABELS } from '../../lib/access';
import { PAGES } from '../../nav';

export default function HomePage() {
  const { role } = useAuth();
  const pages = PAGES.filter((p) => p.href !== '/' && can(role, p.route));
  return (
    <StaffPage title="Home" route="GET /me">
      <Typography gutterBottom>
        Signed in as {role ? ROLE_LABELS[role] : ''}. Your pages:
      </Typography>
      <Box
        sx={{
          display: 'grid',
          gap: 2,
          gridTemplateColumns: 'repeat(auto-fill, minmax(220px, 1fr))',
        }}
      >
        {pages.map((p) => (
          <Card key={p.href}>
            <CardContent>
              <Link href={p.href}>{p.label}</Link>
            </CardContent>
          </Card>
        ))}
      </Box>
    </StaffPage>
  );
}
