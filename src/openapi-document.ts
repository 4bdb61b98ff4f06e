import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  DocumentBuilder,
  SwaggerModule,
  type OpenAPIObject,
  type OperationObject,
  type ReferenceObject,
  type ResponseObject,
  type SecurityRequirementObject,
} from '@nestjs/swagger';
import type { RoutePolicy } from './access/policy.decorator.js';
import { listRoutes } from './access/routes.js';
import { MAX_JSON_DEPTH } from './common/errors/json-depth.js';
import { PROBLEM_CONTENT_TYPE } from './common/errors/problem.js';
import { isExemptPath } from './rate-limit/rate-limit.service.js';

/** The security scheme's name in the contract (also `@ApiBearerAuth()`'s default). */
const BEARER = 'bearer';
const PROBLEM = { $ref: '#/components/schemas/Problem' };
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const TOKEN_CODES =
  '`auth/invalid-token` (malformed, invalid or expired: refresh it), `auth/session-ended`, `auth/account-blocked`';

/**
 * The API contract (`/openapi.json`, `npm run openapi`): the controllers' own documentation, plus what
 * the global pipe, guards and error filter do to every route, derived from the route's access policy
 * (`@Public`, `@Authenticated`, `@Can`) so that a new route is documented right without any decorator:
 * its security (public routes none or an optional token, all others the Bearer access token) and its
 * generic problem+json errors (400, 401, 403, 429, 500). `@ApiBearerAuth()` on a controller changes
 * nothing: the policy decides.
 */
export function buildOpenApiDocument(app: NestFastifyApplication): OpenAPIObject {
  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('FixBazaar API')
      .setDescription(
        'Parts marketplace, repair services and escrow for the mobile-repair trade. ' +
          `Errors are RFC 9457 ${PROBLEM_CONTENT_TYPE} documents whose \`code\` is stable. ` +
          'Protected operations take the access token from `POST /auth/login` (or `/auth/refresh`) ' +
          'as `Authorization: Bearer <token>`; public ones have `security: []`, or offer the token ' +
          'as optional where it changes the answer.',
      )
      .setVersion('1')
      .addServer('/', 'The server that serves this document')
      .addServer('http://127.0.0.1:3000', 'Local development (`npm run up`, default HOST and PORT)')
      .addBearerAuth(
        {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'The access token (15 minutes by default) from `POST /auth/login` or `POST /auth/refresh`; its session and account are checked on every request',
        },
        BEARER,
      )
      .build(),
  );
  addProblemComponents(doc);
  const policies = new Map(listRoutes(app).map((r) => [`${r.method} ${r.path}`, r.policy]));
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const policy = policies.get(`${method.toUpperCase()} ${path}`);
      if (!policy)
        throw new Error(
          `${method.toUpperCase()} ${path} declares no access policy (deny by default)`,
        );
      op.security = securityOf(policy);
      addGenericErrors(op, path, policy);
      addProblemContent(op);
    }
  }
  return doc;
}

function securityOf(policy: RoutePolicy): SecurityRequirementObject[] {
  if (policy.kind !== 'public') return [{ [BEARER]: [] }];
  return policy.tokenOptional ? [{}, { [BEARER]: [] }] : [];
}

/**
 * The errors the global pipe, guards and filter answer, shared by the operations (`components.responses`);
 * each operation references those it can get.
 */
const GENERIC_RESPONSES = {
  BadRequest: problemResponse(
    '`request/validation-failed` (`errors` names each field, also a text holding a control character or an unpaired surrogate); ' +
      `\`request/malformed-json\` when a JSON body does not parse; \`request/too-deep\` when it nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep`,
  ),
  Unauthenticated: problemResponse(`\`auth/unauthenticated\` (no token), ${TOKEN_CODES}`, {
    'www-authenticate': { description: '`Bearer`', schema: { type: 'string' } },
  }),
  TokenRejected: problemResponse(
    `No token is needed here, but one that is sent is checked: ${TOKEN_CODES}`,
  ),
  RateLimited: problemResponse(
    "`rate-limit/exceeded` (the route's rate limit), `abuse/blocked` (this IP or device is blocked)",
    { 'retry-after': { description: 'Seconds to wait', schema: { type: 'integer' } } },
  ),
  InternalError: problemResponse(
    '`internal/unexpected`: only the request id; the details are in the log',
  ),
} satisfies Record<string, ResponseObject>;

function problemResponse(description: string, headers?: ResponseObject['headers']): ResponseObject {
  return { description, headers, content: { [PROBLEM_CONTENT_TYPE]: { schema: PROBLEM } } };
}

/** The generic errors this operation can get; the ones its controller declares are kept. */
function addGenericErrors(op: OperationObject, path: string, policy: RoutePolicy): void {
  const ref = (name: keyof typeof GENERIC_RESPONSES) => ({
    $ref: `#/components/responses/${name}`,
  });
  const generic: Record<string, ResponseObject | ReferenceObject> = {};
  const validated = op.parameters?.some((p) => 'in' in p && (p.in === 'path' || p.in === 'query'));
  if (op.requestBody || validated) generic['400'] = ref('BadRequest');
  generic['401'] = ref(policy.kind === 'public' ? 'TokenRejected' : 'Unauthenticated');
  if (policy.kind === 'ability')
    generic['403'] = {
      description: `\`auth/forbidden\`: the account's role or status may not ${policy.action} ${policy.subject}`,
    };
  if (!isExemptPath(path)) generic['429'] = ref('RateLimited');
  generic['500'] = ref('InternalError');
  for (const [status, response] of Object.entries(generic)) op.responses[status] ??= response;
}

/** Every error response is the shared Problem schema (RFC 9457); `default` covers the rest. */
function addProblemContent(op: OperationObject): void {
  for (const [status, response] of Object.entries(op.responses)) {
    if (Number(status) >= 400 && response && 'description' in response && !response.content) {
      response.content = problemResponse(response.description).content;
    }
  }
  op.responses.default ??= problemResponse('Error (problem+json)');
}

function addProblemComponents(doc: OpenAPIObject): void {
  doc.components = doc.components ?? {};
  doc.components.responses = { ...doc.components.responses, ...GENERIC_RESPONSES };
  doc.components.schemas = {
    ...doc.components.schemas,
    FieldError: {
      type: 'object',
      required: ['field', 'in', 'messages'],
      properties: {
        field: { type: 'string', example: 'items.0.quantity' },
        in: { type: 'string', enum: ['body', 'query', 'path', 'header'] },
        messages: { type: 'array', items: { type: 'string' } },
      },
    },
    Problem: {
      type: 'object',
      required: ['type', 'title', 'status', 'code'],
      additionalProperties: true,
      properties: {
        type: { type: 'string', example: '/problems/request/validation-failed' },
        title: { type: 'string' },
        status: { type: 'integer' },
        detail: { type: 'string' },
        instance: { type: 'string' },
        code: {
          type: 'string',
          description: 'Stable machine-readable code',
          example: 'request/validation-failed',
        },
        requestId: {
          type: 'string',
          description: 'Correlation id, also sent as the x-request-id header',
        },
        errors: { type: 'array', items: { $ref: '#/components/schemas/FieldError' } },
      },
    },
  };
}
