'use client';
import AppBar from '@mui/material/AppBar';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Drawer from '@mui/material/Drawer';
import List from '@mui/material/List';
import ListItem from '@mui/material/ListItem';
import ListItemButton from '@mui/material/ListItemButton';
import ListItemText from '@mui/material/ListItemText';
import Toolbar from '@mui/material/Toolbar';
import Typography from '@mui/material/Typography';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import type { ReactNode } from 'react';
import { can, ROLE_LABELS } from '../lib/access';
import { PAGES } from '../nav';
import { useAuth } from './auth';
import { Loading } from './states';

const DRAWER = 220;

/** The signed-in frame: top bar (role, sign out) and the pages this role may open. */
export function Shell({ children }: { children: ReactNode }) {
  const { status, role, signOut } = useAuth();
  const pathname = usePathname();
  if (status !== 'signed-in' || !role) return <Loading label="Checking your session" />;
  const pages = PAGES.filter((p) => can(role, p.route));
  return (
    <Box sx={{ display: 'flex' }}>
      <AppBar position="fixed" sx={{ zIndex: (t) => t.zIndex.drawer + 1 }}>
        <Toolbar sx={{ gap: 2 }}>
          <Typography variant="h6" component="p" sx={{ flexGrow: 1 }}>
            FixBazaar staff console
          </Typography>
          <Chip
            label={ROLE_LABELS[role]}
            color="default"
            sx={{ bgcolor: 'white' }}
            data-testid="role"
          />
          <Button color="inherit" onClick={() => void signOut()}>
            Sign out
          </Button>
          <Button color="inherit" onClick={() => void signOut(true)}>
            Sign out everywhere
          </Button>
        </Toolbar>
      </AppBar>
      <Drawer
        variant="permanent"
        sx={{ width: DRAWER, flexShrink: 0, '& .MuiDrawer-paper': { width: DRAWER } }}
      >
        <Toolbar />
        <nav aria-label="Console pages">
          <List>
            {pages.map((p) => {
              const current = p.href === '/' ? pathname === '/' : pathname.startsWith(p.href);
              return (
                <ListItem key={p.href} disablePadding>
                  <ListItemButton
                    component={Link}
                    href={p.href}
                    selected={current}
                    aria-current={current ? 'page' : undefined}
                  >
                    <ListItemText primary={p.label} />
                  </ListItemButton>
                </ListItem>
              );
            })}
          </List>
        </nav>
      </Drawer>
      <Box component="main" sx={{ flexGrow: 1, p: 3, minWidth: 0 }}>
        <Toolbar />
        {children}
      </Box>
    </Box>
  );
}
