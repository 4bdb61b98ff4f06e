'use client';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useRouter, useSearchParams } from 'next/navigation';
import { Suspense, useState, type FormEvent } from 'react';
import type { components } from '../../api/schema';
import type { TokenAnswer } from '../../api/session';
import { SIGN_IN_REASONS, useAuth } from '../../components/auth';
import { ProblemAlert } from '../../components/states';
import { problemOf, ProblemError, type Problem } from '../../lib/problem';

type Challenge = components['schemas']['MfaChallengeDto'];
type Enrolment = components['schemas']['MfaEnrolmentDto'];
type Step =
  | { kind: 'password' }
  | { kind: 'code'; mfaToken: string }
  | { kind: 'enrol'; mfaToken: string; enrolment: Enrolment }
  | { kind: 'recovery-codes'; codes: string[]; answer: TokenAnswer };

async function post<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(`/api/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new ProblemError(await problemOf(res));
  return (await res.json()) as T;
}

function fieldError(problem: Problem | null, field: string): string | undefined {
  return problem?.errors?.find((e) => e.field === field)?.messages.join('; ');
}

function SignIn() {
  const router = useRouter();
  const params = useSearchParams();
  const { signedIn } = useAuth();
  const [step, setStep] = useState<Step>({ kind: 'password' });
  const [error, setError] = useState<ProblemError | null>(null);
  const [busy, setBusy] = useState(false);
  const reason = SIGN_IN_REASONS[params.get('reason') ?? ''];
  const problem = error?.problem ?? null;

  const finish = (answer: TokenAnswer) => {
    signedIn(answer);
    router.replace('/');
  };

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      if (step.kind === 'password') {
        const answer = await post<Challenge | TokenAnswer>('auth/login', {
          identifier: form.get('identifier'),
          password: form.get('password'),
        });
        if ('accessToken' in answer) return finish(answer);
        if (answer.status === 'mfa_required') setStep({ kind: 'code', mfaToken: answer.mfaToken });
        else
          setStep({
            kind: 'enrol',
            mfaToken: answer.mfaToken,
            enrolment: await post<Enrolment>('auth/mfa/enrolment', { mfaToken: answer.mfaToken }),
          });
      } else if (step.kind === 'code') {
        finish(
          await post<TokenAnswer>('auth/mfa/verify', {
            mfaToken: step.mfaToken,
            code: form.get('code'),
          }),
        );
      } else if (step.kind === 'enrol') {
        const answer = await post<TokenAnswer & { recoveryCodes: string[] }>(
          'auth/mfa/enrolment/confirm',
          {
            mfaToken: step.mfaToken,
            code: form.get('code'),
          },
        );
        setStep({ kind: 'recovery-codes', codes: answer.recoveryCodes, answer });
      }
    } catch (e) {
      setError(
        e instanceof ProblemError
          ? e
          : new ProblemError({
              title: 'Sign-in failed',
              status: 0,
              code: 'console/unexpected',
              detail: String(e),
            }),
      );
      // A challenge that ended (too many wrong codes, expired) starts over from the password.
      if (e instanceof ProblemError && e.problem.status === 401 && step.kind !== 'password')
        setStep({ kind: 'password' });
    } finally {
      setBusy(false);
    }
  }

  return (
    <Box component="main" sx={{ display: 'grid', placeItems: 'center', minHeight: '100vh', p: 2 }}>
      <Paper sx={{ p: 4, width: '100%', maxWidth: 420 }}>
        <Typography variant="h5" component="h1" gutterBottom>
          FixBazaar staff console
        </Typography>
        {reason && (
          <Alert severity="info" sx={{ mb: 2 }} data-testid="sign-in-reason">
            {reason}
          </Alert>
        )}
        {error && <ProblemAlert error={error} />}
        {step.kind === 'recovery-codes' ? (
          <>
            <Typography gutterBottom>
              Your recovery codes (each works once, shown only now). Keep them somewhere safe:
            </Typography>
            <Box component="pre" sx={{ fontFamily: 'monospace' }} data-testid="recovery-codes">
              {step.codes.join('\n')}
            </Box>
            <Button variant="contained" onClick={() => finish(step.answer)}>
              Continue
            </Button>
          </>
        ) : (
          <Box component="form" onSubmit={submit} noValidate sx={{ display: 'grid', gap: 2 }}>
            {step.kind === 'password' && (
              <>
                <TextField
                  name="identifier"
                  label="Email or phone"
                  autoComplete="username"
                  required
                  error={!!fieldError(problem, 'identifier')}
                  helperText={fieldError(problem, 'identifier')}
                />
                <TextField
                  name="password"
                  label="Password"
                  type="password"
                  autoComplete="current-password"
                  required
                  error={!!fieldError(problem, 'password')}
                  helperText={fieldError(problem, 'password')}
                />
              </>
            )}
            {step.kind === 'enrol' && (
              <Typography variant="body2">
                Add this key to your authenticator app, then enter the code it shows:{' '}
                <code data-testid="totp-secret">{step.enrolment.secret}</code>
              </Typography>
            )}
            {(step.kind === 'code' || step.kind === 'enrol') && (
              <TextField
                name="code"
                label="Authenticator code"
                autoComplete="one-time-code"
                inputMode="numeric"
                required
                autoFocus
                slotProps={{ htmlInput: { pattern: '[0-9]{6}', maxLength: 6 } }}
                error={!!fieldError(problem, 'code')}
                helperText={fieldError(problem, 'code') ?? '6 digits'}
              />
            )}
            <Button type="submit" variant="contained" disabled={busy}>
              {step.kind === 'password' ? 'Sign in' : 'Verify'}
            </Button>
          </Box>
        )}
      </Paper>
    </Box>
  );
}

export default function SignInPage() {
  return (
    <Suspense>
      <SignIn />
    </Suspense>
  );
}
