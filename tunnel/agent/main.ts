/**
 * `npm run tunnel:agent -- customer|technician [options]` (and `identity`): the agent CLI.
 * See README, "Remote repair tunnel", for how a customer and a technician run it.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import {
  ed25519PublicKeyFromRaw,
  parseRawEd25519PublicKeys,
} from '../../src/common/ed25519-keys.js';
import { generateCertificate, type EphemeralCertificate } from '../protocol/cert.js';
import { parseRelayUrl } from '../protocol/relay-client.js';
import { certificateFingerprint, type AgentRole } from '../../src/common/tunnel-contract.js';
import { Agent } from './agent.js';

const USAGE = `usage:
  tunnel-agent customer   --session <id> --api <url> [--target 127.0.0.1:5555]
  tunnel-agent technician --session <id> --api <url> [--listen 127.0.0.1:15555]
    the user's access token in FIXBAZAAR_ACCESS_TOKEN; the agent makes a fresh certificate, asks the
    API for its join token (POST /remote-sessions/<id>/agent-tokens) and connects to the relay.
  tunnel-agent customer|technician --token <token|@file> --identity <dir> --relay tls://host:port
    [--relay-fingerprint <sha256 hex>] [--public-keys <base64,...>]   (a token issued beforehand)
  tunnel-agent identity --out <dir>     makes a certificate and prints its fingerprint
options: --device <id> (default: this computer's name), --heartbeat-ms, LOG_LEVEL=debug
  behind a proxy that lets only HTTPS out: --relay wss://host:443/v1/ws --proxy http://proxy:3128
    (or HTTPS_PROXY): CONNECT through the proxy, WebSocket inside the TLS`;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    session: { type: 'string' },
    api: { type: 'string' },
    target: { type: 'string', default: '127.0.0.1:5555' },
    listen: { type: 'string', default: '127.0.0.1:15555' },
    token: { type: 'string' },
    identity: { type: 'string' },
    out: { type: 'string' },
    relay: { type: 'string' },
    'relay-fingerprint': { type: 'string' },
    'public-keys': { type: 'string' },
    proxy: { type: 'string' },
    device: { type: 'string', default: hostname() },
    'heartbeat-ms': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', base: { svc: 'tunnel-agent' } });

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function loadIdentity(dir: string): EphemeralCertificate {
  const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  const der = Buffer.from(cert.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  return {
    cert,
    key: readFileSync(join(dir, 'key.pem'), 'utf8'),
    fingerprint: certificateFingerprint(der),
  };
}

async function api<T>(base: string, path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(15_000) });
  if (!response.ok) fail(`${path}: the API answered ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function main(): Promise<void> {
  const command = positionals[0];
  if (values.help || !command) fail('');
  if (command === 'identity') {
    if (!values.out) fail('--out <dir> is required');
    const identity = await generateCertificate('fixbazaar-tunnel-agent', 30 * 24 * 3600_000);
    mkdirSync(values.out, { recursive: true });
    writeFileSync(join(values.out, 'cert.pem'), identity.cert);
    writeFileSync(join(values.out, 'key.pem'), identity.key, { mode: 0o600 });
    chmodSync(join(values.out, 'key.pem'), 0o600);
    process.stdout.write(`${identity.fingerprint}\n`);
    return;
  }
  if (command !== 'customer' && command !== 'technician') fail(`unknown command ${command}`);
  const role: AgentRole = command;
  const apiUrl = values.api?.replace(/\/$/, '');
  let certificate: EphemeralCertificate;
  let token: string;
  let relayUrl = values.relay;
  let relayFingerprint = values['relay-fingerprint'];
  if (values.token) {
    if (!values.identity) fail('--token needs --identity <dir> (the certificate the token names)');
    certificate = loadIdentity(values.identity);
    token = values.token.startsWith('@')
      ? readFileSync(values.token.slice(1), 'utf8').trim()
      : values.token;
  } else {
    const bearer = process.env.FIXBAZAAR_ACCESS_TOKEN;
    if (!apiUrl || !values.session || !bearer) {
      fail('--api, --session and FIXBAZAAR_ACCESS_TOKEN are required (or --token)');
    }
    certificate = await generateCertificate('fixbazaar-tunnel-agent');
    const issued = await api<{ token: string; relayUrl: string; relayCertFingerprint?: string }>(
      apiUrl,
      `/remote-sessions/${encodeURIComponent(values.session)}/agent-tokens`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          role,
          deviceId: values.device,
          certFingerprint: certificate.fingerprint,
        }),
      },
    );
    token = issued.token;
    relayUrl ??= issued.relayUrl;
    relayFingerprint ??= issued.relayCertFingerprint;
  }
  if (!relayUrl) fail('--relay is required');
  const keysCsv =
    values['public-keys'] ??
    process.env.TUNNEL_PUBLIC_KEYS ??
    (apiUrl ? (await api<{ keys: string[] }>(apiUrl, '/remote/tunnel-keys')).keys.join(',') : '');
  const publicKeys = parseRawEd25519PublicKeys(keysCsv).map(ed25519PublicKeyFromRaw);
  if (publicKeys.length === 0)
    fail('the platform public keys are required (--public-keys or --api)');
  const listen = parseRelayUrl(values.listen);
  const agent = new Agent({
    role,
    relay: {
      ...parseRelayUrl(relayUrl),
      fingerprint: relayFingerprint,
      proxy: values.proxy ?? process.env.HTTPS_PROXY ?? process.env.https_proxy,
    },
    token,
    certificate,
    publicKeys,
    target: role === 'customer' ? values.target : undefined,
    listenHost: listen.host,
    listenPort: listen.port,
    apiUrl,
    logger,
    heartbeatMs: values['heartbeat-ms'] ? Number(values['heartbeat-ms']) : undefined,
  });
  agent.on('ready', () => {
    if (role === 'technician') {
      logger.info(`connected: run \`adb connect ${listen.host}:${agent.localPort}\``);
    } else {
      logger.info(`connected: the technician can now reach ${values.target}`);
    }
  });
  agent.on('end', (reason: string) => {
    logger.info({ reason }, 'the session is over');
    process.exit(0);
  });
  process.on('SIGINT', () => void agent.end().then(() => process.exit(0)));
  process.on('SIGTERM', () => void agent.end().then(() => process.exit(0)));
  await agent.start();
  logger.info(
    { sid: agent.claims.sid, role, stop: new Date(agent.claims.stop * 1000) },
    'agent started',
  );
}

main().catch((error: Error) => fail(error.message));
