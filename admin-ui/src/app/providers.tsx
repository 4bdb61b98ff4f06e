'use client';
import CssBaseline from '@mui/material/CssBaseline';
import { createTheme, ThemeProvider } from '@mui/material/styles';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { AuthProvider } from '../components/auth';
import { ProblemError } from '../lib/problem';

const theme = createTheme({
  palette: { primary: { main: '#0b5394' }, secondary: { main: '#7a4b00' } },
  typography: { fontFamily: 'system-ui, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif' },
});

export function Providers({ children }: { children: ReactNode }) {
  const [queries] = useState(
    () =>
      new QueryClient({
        defaultOptions: {
          queries: {
            staleTime: 30_000,
            // A problem the API answered (4xx) is shown at once; network trouble is retried once.
            retry: (count, error) =>
              count < 1 && !(error instanceof ProblemError && error.problem.status < 500),
            refetchOnWindowFocus: false,
          },
        },
      }),
  );
  return (
    <ThemeProvider theme={theme}>
      <CssBaseline />
      <QueryClientProvider client={queries}>
        <AuthProvider>{children}</AuthProvider>
      </QueryClientProvider>
    </ThemeProvider>
  );
}
