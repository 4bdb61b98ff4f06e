import { createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadAll } from 'js-yaml';
import { projectRoot } from '../src/common/project-root.js';
import { loadConfig } from '../src/config/app-config.js';

/**
 * The Kubernetes manifests under deploy/ (docs/deployment.md). No cluster is available here, so the
 * YAML is parsed and its properties checked: probes, requests and limits, non-root containers,
 * secrets only by reference, the API and worker tiers, HPA and PDB on the API, the migration Job,
 * PgBouncer in session mode, the PGO cluster's pgBackRest repositories, the relay's ports, and that
 * the API's, the worker's and the migration's environment is one `loadConfig` accepts in production
 * (each secret stands in as a generated value of the right form). `problems()` is the checker; the
 * last test removes properties one at a time and expects each to be reported.
 */

interface SecretKeyRef {
  name: string;
  key: string;
  optional?: boolean;
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: SecretKeyRef };
}
interface Probe {
  httpGet?: { path: string; port: string | number };
  tcpSocket?: { port: string | number };
  exec?: { command: string[] };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: {
    requests?: Record<string, string>;
    limits?: Record<string, string>;
  };
  securityContext?: { runAsNonRoot?: boolean; allowPrivilegeEscalation?: boolean };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: { runAsNonRoot?: boolean };
  volumes?: { name: string; secret?: { secretName: string } }[];
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

const root = projectRoot();
const deployDir = join(root, 'deploy');
const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'Job'];
const LONG_RUNNING_KINDS = ['Deployment', 'StatefulSet'];

/**
 * The settings README's configuration tables mark as secrets (keys, credentials and URLs that carry
 * a password): they may only come from a Secret by secretKeyRef, never a literal or a ConfigMap.
 */
const SECRET_VARIABLES = [
  'DATABASE_URL',
  'DATABASE_OWNER_URL',
  'REDIS_URL',
  'JWT_SECRET',
  'ACCOUNT_SECRETS_KEY',
  'METRICS_TOKEN',
  'EXPO_ACCESS_TOKEN',
  'RAZORPAY_KEY_SECRET',
  'RAZORPAY_WEBHOOK_SECRET',
  'RAZORPAY_WEBHOOK_SECRET_PREVIOUS',
  'AUDIT_SIGNING_KEY',
  'LEDGER_SEAL_KEY',
  'LIVEKIT_API_SECRET',
  'IMEI_VAULT_KEYS',
  'IMEI_INDEX_KEY',
  'TUNNEL_SIGNING_KEY',
  'TUNNEL_RELAY_SECRET',
  'TUNNEL_TICKET_SECRET',
  'TUNNEL_RELAY_KEY',
  'S3_SECRET_ACCESS_KEY',
];

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? yamlFiles(join(dir, e.name))
      : e.name.endsWith('.yaml')
        ? [join(dir, e.name)]
        : [],
  );
}

/** Every manifest of deploy/base (kustomization files excluded), each tagged with its file. */
function loadBase(): Manifest[] {
  return yamlFiles(join(deployDir, 'base'))
    .filter((f) => !f.endsWith('kustomization.yaml'))
    .flatMap((f) => loadAll(readFileSync(f, 'utf8')) as Manifest[])
    .filter((m) => m !== null);
}

function componentOf(m: Manifest): string | undefined {
  return m.metadata.labels?.['app.kubernetes.io/component'];
}

function podSpecOf(m: Manifest): PodSpec | undefined {
  if (!WORKLOAD_KINDS.includes(m.kind)) return undefined;
  return (m.spec as { template: { spec: PodSpec } }).template.spec;
}

function podLabelsOf(m: Manifest): Record<string, string> {
  return (m.spec as { template: { metadata: { labels: Record<string, string> } } }).template
    .metadata.labels;
}

function selects(selector: Record<string, string> | undefined, labels: Record<string, string>) {
  return (
    selector !== undefined &&
    Object.keys(selector).length > 0 &&
    Object.entries(selector).every(([k, v]) => labels[k] === v)
  );
}

function ed25519Pem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

function rawPublic(key: KeyObject): string {
  return createPublicKey(key)
    .export({ type: 'spki', format: 'der' })
    .subarray(-32)
    .toString('base64');
}

/** A value of the right form for each secret, as an operator would put it in the Secret. */
function standInSecrets(): Record<string, string> {
  const tunnelKey = generateKeyPairSync('ed25519').privateKey;
  const retiredSealKey = generateKeyPairSync('ed25519').privateKey;
  return {
    DATABASE_URL: 'postgresql://fixbazaar-app:pw@fixbazaar-pgbouncer:6432/fixbazaar',
    DATABASE_OWNER_URL: 'postgresql://fixbazaar-owner:pw@fixbazaar-pg-primary:5432/fixbazaar',
    REDIS_URL: 'redis://:pw@fixbazaar-redis:6379',
    RAZORPAY_KEY_ID: `rzp_live_${randomBytes(7).toString('hex')}`,
    AUDIT_SIGNING_KEY: ed25519Pem(generateKeyPairSync('ed25519').privateKey),
    LEDGER_SEAL_KEY: ed25519Pem(generateKeyPairSync('ed25519').privateKey),
    LEDGER_SEAL_TRUSTED_KEYS: rawPublic(retiredSealKey),
    TUNNEL_SIGNING_KEY: ed25519Pem(tunnelKey),
    TUNNEL_PUBLIC_KEYS: rawPublic(tunnelKey),
    IMEI_VAULT_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    IMEI_INDEX_KEY: randomBytes(32).toString('base64'),
  };
}

/**
 * The container's environment as the pod would see it: its ConfigMaps (envFrom), literal values and
 * required secretKeyRefs (a stand-in value); an optional secretKeyRef is left unset, so what the
 * app needs never hangs on a Secret key that may be missing.
 */
function environmentOf(c: Container, manifests: Manifest[]): Record<string, string> {
  const secrets = standInSecrets();
  const env: Record<string, string> = {};
  for (const from of c.envFrom ?? []) {
    const name = from.configMapRef?.name;
    if (name === undefined) continue;
    const map = manifests.find((m) => m.kind === 'ConfigMap' && m.metadata.name === name);
    Object.assign(env, map?.data ?? {});
  }
  for (const v of c.env ?? []) {
    if (v.value !== undefined) env[v.name] = v.value;
    const ref = v.valueFrom?.secretKeyRef;
    if (ref && !ref.optional) env[v.name] = secrets[v.name] ?? randomBytes(32).toString('hex');
  }
  return env;
}

function envVar(c: Container, name: string): EnvVar | undefined {
  return c.env?.find((v) => v.name === name);
}

/** Everything wrong with the manifests; empty when each checked property holds. */
function problems(manifests: Manifest[]): string[] {
  const found: string[] = [];
  const workloads = manifests.filter((m) => WORKLOAD_KINDS.includes(m.kind));
  const byComponent = (kind: string, component: string) =>
    manifests.find((m) => m.kind === kind && componentOf(m) === component);

  for (const m of manifests) {
    if (m.kind === 'Secret' && (m.data || m.stringData))
      found.push(`Secret ${m.metadata.name}: inline secret values are committed`);
    if (m.kind === 'ConfigMap')
      for (const [key, value] of Object.entries(m.data ?? {})) {
        if (SECRET_VARIABLES.includes(key))
          found.push(`ConfigMap ${m.metadata.name}: ${key} is a secret, not a setting`);
        if (/:\/\/[^/\s:@]+:[^/\s@]+@/.test(value))
          found.push(`ConfigMap ${m.metadata.name}: ${key} holds a URL with a password`);
      }
  }

  for (const w of workloads) {
    const where = `${w.kind} ${w.metadata.name}`;
    const pod = podSpecOf(w)!;
    for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
      const at = `${where} container ${c.name}`;
      for (const side of ['requests', 'limits'] as const)
        for (const resource of ['cpu', 'memory'])
          if (!c.resources?.[side]?.[resource]) found.push(`${at}: no ${resource} ${side}`);
      if (c.securityContext?.runAsNonRoot !== true && pod.securityContext?.runAsNonRoot !== true)
        found.push(`${at}: not required to run as non-root (runAsNonRoot)`);
      if (c.securityContext?.allowPrivilegeEscalation !== false)
        found.push(`${at}: allowPrivilegeEscalation is not false`);
      if (LONG_RUNNING_KINDS.includes(w.kind)) {
        if (!c.livenessProbe) found.push(`${at}: no livenessProbe`);
        if (!c.readinessProbe) found.push(`${at}: no readinessProbe`);
      }
      for (const from of c.envFrom ?? [])
        if (from.secretRef) found.push(`${at}: envFrom a Secret hides which secrets it reads`);
      for (const v of c.env ?? []) {
        const secretLike = /SECRET|PASSWORD|TOKEN|PRIVATE/.test(v.name);
        if ((SECRET_VARIABLES.includes(v.name) || secretLike) && !v.valueFrom?.secretKeyRef)
          found.push(`${at}: ${v.name} is not read from a Secret (secretKeyRef)`);
      }
    }
  }

  // The API and worker tiers: the same image and settings, JOBS_WORKERS apart, probed on /health.
  const api = byComponent('Deployment', 'api');
  const worker = byComponent('Deployment', 'worker');
  const migrate = byComponent('Job', 'migrate');
  for (const [tier, deployment, workers] of [
    ['API', api, 'false'],
    ['worker', worker, 'true'],
  ] as const) {
    if (!deployment) {
      found.push(`no ${tier} Deployment`);
      continue;
    }
    const c = podSpecOf(deployment)!.containers[0];
    if (envVar(c, 'JOBS_WORKERS')?.value !== workers)
      found.push(`${tier} Deployment: JOBS_WORKERS is not ${workers}`);
    if (c.livenessProbe?.httpGet?.path !== '/health/live')
      found.push(`${tier} Deployment: livenessProbe is not GET /health/live`);
    if (c.readinessProbe?.httpGet?.path !== '/health/ready')
      found.push(`${tier} Deployment: readinessProbe is not GET /health/ready`);
  }
  if (!migrate || !podSpecOf(migrate)!.containers[0].command?.includes('dist/scripts/migrate.js'))
    found.push('no migration Job running dist/scripts/migrate.js');
  else if (!envVar(podSpecOf(migrate)!.containers[0], 'DATABASE_OWNER_URL')?.valueFrom)
    found.push('migration Job: DATABASE_OWNER_URL (the schema owner) is not set from a Secret');
  for (const w of [api, worker, migrate]) {
    if (!w) continue;
    const env = environmentOf(podSpecOf(w)!.containers[0], manifests);
    try {
      loadConfig(env);
    } catch (err) {
      found.push(`${w.kind} ${w.metadata.name}: ${(err as Error).message}`);
    }
    if (env.NODE_ENV !== 'production') found.push(`${w.kind} ${w.metadata.name}: not production`);
  }

  if (api) {
    const apiLabels = podLabelsOf(api);
    const hpa = manifests.find((m) => m.kind === 'HorizontalPodAutoscaler');
    const target = hpa?.spec?.scaleTargetRef as { kind: string; name: string } | undefined;
    if (target?.kind !== 'Deployment' || target.name !== api.metadata.name)
      found.push('no HorizontalPodAutoscaler targets the API Deployment');
    else if (((hpa!.spec!.minReplicas as number | undefined) ?? 1) < 2)
      found.push('HorizontalPodAutoscaler: fewer than 2 API replicas at minimum');
    const pdb = manifests.find((m) => m.kind === 'PodDisruptionBudget');
    const pdbSelector = (pdb?.spec?.selector as { matchLabels?: Record<string, string> })
      ?.matchLabels;
    if (!selects(pdbSelector, apiLabels)) found.push('no PodDisruptionBudget selects the API pods');
    const services = manifests.filter((m) => m.kind === 'Service');
    const selectorOf = (s: Manifest) => s.spec?.selector as Record<string, string> | undefined;
    if (!services.some((s) => selects(selectorOf(s), apiLabels)))
      found.push('no Service selects the API pods');
    if (worker && services.some((s) => selects(selectorOf(s), podLabelsOf(worker))))
      found.push('a Service selects the worker pods');
  }

  // PgBouncer in session mode, with a Deployment and a Service.
  const pgbouncerIni = manifests.find(
    (m) => m.kind === 'ConfigMap' && m.data?.['pgbouncer.ini'] !== undefined,
  )?.data?.['pgbouncer.ini'];
  if (!pgbouncerIni || !/^pool_mode\s*=\s*session$/m.test(pgbouncerIni))
    found.push('PgBouncer: pool_mode is not session');
  for (const kind of ['Deployment', 'Service'])
    if (!byComponent(kind, 'pgbouncer')) found.push(`PgBouncer: no ${kind}`);
  if (!byComponent('StatefulSet', 'redis')) found.push('Redis: no StatefulSet');

  // PostgreSQL through PGO: replicas beside the primary, pgBackRest repositories on object storage.
  const pg = manifests.find((m) => m.kind === 'PostgresCluster');
  if (!pg) found.push('no PostgresCluster');
  else {
    const instances = (pg.spec!.instances as { replicas?: number }[] | undefined) ?? [];
    if (instances.reduce((n, i) => n + (i.replicas ?? 1), 0) < 2)
      found.push('PostgresCluster: no replica beside the primary');
    const backups = pg.spec!.backups as
      | { pgbackrest?: { repos?: { name: string; s3?: unknown; schedules?: unknown }[] } }
      | undefined;
    const repos = backups?.pgbackrest?.repos ?? [];
    if (repos.length === 0) found.push('PostgresCluster: no pgBackRest repository');
    for (const r of repos) {
      if (!r.s3) found.push(`PostgresCluster: pgBackRest ${r.name} is not on object storage`);
      if (!r.schedules) found.push(`PostgresCluster: pgBackRest ${r.name} has no schedule`);
    }
  }

  // The relay: its TLS and admin ports served, reachable through Services, its keys present.
  const relay = byComponent('Deployment', 'relay');
  if (!relay) found.push('no relay Deployment');
  else {
    const pod = podSpecOf(relay)!;
    const c = pod.containers[0];
    for (const name of ['TUNNEL_PUBLIC_KEYS', 'TUNNEL_TICKET_SECRET', 'TUNNEL_RELAY_SECRET'])
      if (
        !envVar(c, name)?.valueFrom?.secretKeyRef ||
        envVar(c, name)!.valueFrom!.secretKeyRef!.optional
      )
        found.push(`relay: ${name} is not read from a Secret`);
    if (envVar(c, 'TUNNEL_RELAY_ADMIN_HOST')?.value !== '0.0.0.0')
      found.push('relay: the admin port listens on loopback only (TUNNEL_RELAY_ADMIN_HOST)');
    for (const name of ['TUNNEL_RELAY_CERT_FILE', 'TUNNEL_RELAY_KEY_FILE']) {
      const path = envVar(c, name)?.value;
      const mount = c.volumeMounts?.find((v) => path?.startsWith(`${v.mountPath}/`));
      if (!mount || !pod.volumes?.some((v) => v.name === mount.name && v.secret))
        found.push(`relay: ${name} is not a file of a mounted Secret`);
    }
    const ports = Object.fromEntries((c.ports ?? []).map((p) => [p.name, p.containerPort]));
    for (const [name, variable] of [
      ['tunnel', 'TUNNEL_RELAY_PORT'],
      ['admin', 'TUNNEL_RELAY_ADMIN_PORT'],
    ]) {
      if (String(ports[name]) !== envVar(c, variable)?.value)
        found.push(`relay: container port ${name} is not ${variable}`);
      const served = manifests.some(
        (m) =>
          m.kind === 'Service' &&
          selects(m.spec?.selector as Record<string, string>, podLabelsOf(relay)) &&
          (m.spec!.ports as { targetPort: string }[]).some((p) => p.targetPort === name),
      );
      if (!served) found.push(`relay: no Service for its ${name} port`);
    }
  }
  return found;
}

describe('deploy/ (Kubernetes manifests; no cluster here, parsed and checked)', () => {
  it('lists every manifest in a kustomization, and the example overlay builds on the base', () => {
    const kustomizations = yamlFiles(deployDir).filter((f) => f.endsWith('kustomization.yaml'));
    const listed = new Set<string>();
    for (const file of kustomizations) {
      const k = loadAll(readFileSync(file, 'utf8'))[0] as { resources?: string[] };
      for (const r of k.resources ?? []) {
        const path = join(file, '..', r);
        expect({ file: relative(root, file), resource: r, exists: existsSync(path) }).toEqual({
          file: relative(root, file),
          resource: r,
          exists: true,
        });
        listed.add(path);
      }
    }
    const manifests = yamlFiles(join(deployDir, 'base')).filter(
      (f) => !f.endsWith('kustomization.yaml'),
    );
    expect(manifests.filter((f) => !listed.has(f)).map((f) => relative(root, f))).toEqual([]);
    for (const part of ['platform', 'migrate', 'app'])
      expect(listed.has(join(deployDir, 'base', part))).toBe(true);
  });

  it('the committed manifests have every checked property', () => {
    expect(problems(loadBase())).toEqual([]);
  });

  it('reports each property taken away', () => {
    const container = (ms: Manifest[], component: string) =>
      podSpecOf(ms.find((m) => WORKLOAD_KINDS.includes(m.kind) && componentOf(m) === component)!)!
        .containers[0];
    const cases: [string, (ms: Manifest[]) => void, RegExp][] = [
      [
        'API readiness probe',
        (ms) => delete container(ms, 'api').readinessProbe,
        /api container api: no readinessProbe/,
      ],
      [
        'liveness probe of Redis',
        (ms) => delete container(ms, 'redis').livenessProbe,
        /fixbazaar-redis container redis: no livenessProbe/,
      ],
      [
        'worker limits',
        (ms) => delete container(ms, 'worker').resources!.limits,
        /worker container worker: no cpu limits/,
      ],
      [
        'JWT_SECRET by reference',
        (ms) => {
          const v = envVar(container(ms, 'api'), 'JWT_SECRET')!;
          delete v.valueFrom;
          v.value = 'x'.repeat(40);
        },
        /JWT_SECRET is not read from a Secret/,
      ],
      [
        'LEDGER_SEAL_KEY on the worker',
        (ms) => {
          const c = container(ms, 'worker');
          c.env = c.env!.filter((v) => v.name !== 'LEDGER_SEAL_KEY');
        },
        /fixbazaar-worker: Invalid configuration: LEDGER_SEAL_KEY: required in production/,
      ],
      [
        'the API without job workers',
        (ms) => (envVar(container(ms, 'api'), 'JOBS_WORKERS')!.value = 'true'),
        /API Deployment: JOBS_WORKERS is not false/,
      ],
      [
        'the HPA on the API',
        (ms) =>
          ((
            ms.find((m) => m.kind === 'HorizontalPodAutoscaler')!.spec!.scaleTargetRef as {
              name: string;
            }
          ).name = 'fixbazaar-worker'),
        /no HorizontalPodAutoscaler targets the API/,
      ],
      [
        'the PDB on the API',
        (ms) =>
          ((
            ms.find((m) => m.kind === 'PodDisruptionBudget')!.spec!.selector as {
              matchLabels: Record<string, string>;
            }
          ).matchLabels['app.kubernetes.io/component'] = 'worker'),
        /no PodDisruptionBudget selects the API pods/,
      ],
      [
        'the migration Job',
        (ms) =>
          ms.splice(
            ms.findIndex((m) => m.kind === 'Job'),
            1,
          ),
        /no migration Job/,
      ],
      [
        'pgBackRest repositories',
        (ms) => {
          const pg = ms.find((m) => m.kind === 'PostgresCluster')!;
          (pg.spec!.backups as { pgbackrest: { repos: unknown[] } }).pgbackrest.repos = [];
        },
        /PostgresCluster: no pgBackRest repository/,
      ],
      [
        'session pooling',
        (ms) => {
          const cm = ms.find((m) => m.data?.['pgbouncer.ini'])!;
          cm.data!['pgbouncer.ini'] = cm.data!['pgbouncer.ini'].replace(
            'pool_mode = session',
            'pool_mode = transaction',
          );
        },
        /PgBouncer: pool_mode is not session/,
      ],
      [
        'non-root relay',
        (ms) => {
          const relay = ms.find((m) => m.kind === 'Deployment' && componentOf(m) === 'relay')!;
          delete podSpecOf(relay)!.securityContext!.runAsNonRoot;
        },
        /fixbazaar-relay container relay: not required to run as non-root/,
      ],
      [
        'no committed Secret values',
        (ms) =>
          ms.push({
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name: 'fixbazaar-app' },
            stringData: { 'jwt-secret': 'x'.repeat(40) },
          }),
        /Secret fixbazaar-app: inline secret values are committed/,
      ],
    ];
    for (const [what, remove, expected] of cases) {
      const manifests = loadBase();
      remove(manifests);
      const reported = problems(manifests);
      expect({ what, reported: reported.some((p) => expected.test(p)) }).toEqual({
        what,
        reported: true,
      });
    }
  });
});
