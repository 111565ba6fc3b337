/**
 * The OpenAPI 3.1 document, generated from the route table (api/routes.ts) and the very zod
 * schemas that validate requests, so the contract cannot drift from what the server accepts.
 * Also the written role × endpoint matrix docs/api.md carries.
 */
import { z } from 'zod';
import packageJson from '../package.json';
import { CREDIT_CODE_ALPHABET, creditCodeCheckCharacter } from '../domain/credit-code';
import { ACTIONS } from '../domain/actions';
import { opensRecovery } from '../domain/recovery';
import { MAX_YUAN } from '../domain/money';
import { BOUNDED_YUAN_PATTERN, CHARACTERS_PATTERN, DATE_PATTERN, POSITIVE_BOUNDED_YUAN_PATTERN } from '../domain/patterns';
import { ROLES, type Role } from '../domain/roles';
import { ROUND_ID_PATTERN } from '../domain/round-public';
import { API_KEY_ID_PATTERN } from './api-key-schemas';
import { PROBLEM_TYPES } from './problem';
import { limitedPerAddress, ROUTES, type ApplicantScope, type RouteSpec } from './routes';
import { VersionQuery } from './reference-schemas';
import { APPLICATION_ID_PATTERN, CalendarDate, CreditCode, IDEMPOTENCY_KEY_PATTERN, PositiveYuan, PROGRAM_ID_PATTERN, Yuan } from './schemas';

type Json = Record<string, unknown>;

// ---- zod → JSON Schema -------------------------------------------------------------------------

const YUAN = { type: 'string', pattern: BOUNDED_YUAN_PATTERN, examples: ['1000000.00'] };

/** What a `superRefine` check means, for the schemas whose rule zod cannot express. */
const REFINED = new Map<unknown, Json>([
  [CreditCode, {
    pattern: `^[${CREDIT_CODE_ALPHABET}]{2}[0-9]{6}[${CREDIT_CODE_ALPHABET}]{10}$`,
    description: 'Unified social credit code (GB 32100-2015): 18 characters, the last a valid check character',
  }],
  [Yuan, { ...YUAN, description: `Yuan as a string with exactly two decimals, at most ${MAX_YUAN} (a JSON number is refused)` }],
  [PositiveYuan, { ...YUAN, pattern: POSITIVE_BOUNDED_YUAN_PATTERN, description: `Yuan as a string with exactly two decimals, greater than zero, at most ${MAX_YUAN}` }],
  [CalendarDate, { format: 'date', pattern: DATE_PATTERN, description: 'A real calendar date, YYYY-MM-DD (Asia/Shanghai), from the year 1000' }],
]);

/**
 * The input shape of a zod schema. `z.unknown().superRefine(..).pipe(s)` (a check before the real
 * schema) would come out as `{}`: its `s` is what a caller must send.
 */
function toJson(schema: z.ZodType): Json {
  const json = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
    override: (ctx) => {
      const def = ctx.zodSchema._zod.def as { type: string; in?: z.ZodType; out?: z.ZodType };
      if (def.type === 'pipe' && def.in?._zod.def.type === 'unknown' && def.out) Object.assign(ctx.jsonSchema, toJson(def.out));
      Object.assign(ctx.jsonSchema, REFINED.get(ctx.zodSchema));
      // Every string of a request is held to the character rule (api/strict-input.ts): one without
      // a pattern of its own publishes it (the patterns of domain/patterns.ts already hold it).
      const js = ctx.jsonSchema as Json;
      if (js.type === 'string' && js.pattern === undefined && js.enum === undefined && js.const === undefined) js.pattern = CHARACTERS_PATTERN;
    },
  }) as Json;
  delete json.$schema;
  // `#/$defs/..` would point at the OpenAPI document's root, not this schema.
  if (json.$defs) throw new Error('the schema needs $defs (a cycle); inline it or give it an id');
  return json;
}

/** Schemas that could not be generated, by name: `{}` stands in for them. */
export function schemaFallbacks(routes: readonly RouteSpec[] = ROUTES): string[] {
  const failed: string[] = [];
  for (const route of routes) generatedSchemas(route, failed);
  return failed;
}

function jsonSchemaOf(schema: z.ZodType, name: string, failed: string[]): Json {
  try {
    return toJson(schema);
  } catch (err) {
    failed.push(`${name}: ${(err as Error).message}`);
    return { description: `Not generated (${(err as Error).message}); the server still validates it` };
  }
}

function generatedSchemas(route: RouteSpec, failed: string[] = [], bodies: BodyOverrides = {}): { body?: Json; query?: Json } {
  const name = pascal(route.operationId);
  const body = bodies[route.operationId] ?? route.body;
  return {
    ...(body ? { body: jsonSchemaOf(body, `${name}Request`, failed) } : {}),
    ...(route.query ? { query: jsonSchemaOf(route.query, `${name} query`, failed) } : {}),
  };
}

// ---- Paths ------------------------------------------------------------------------------------

const ref = (kind: string, name: string) => ({ $ref: `#/components/${kind}/${name}` });

/** `/applications/:id/objections/:n/resolution` → `/applications/{id}/objections/{n}/resolution`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

const SAMPLE_CREDIT_CODE = `91440300MA5FABCDE${creditCodeCheckCharacter('91440300MA5FABCDE')}`;
const ORDINAL_OF: Record<string, string> = { objections: 'objection', progress: 'progress report', tranches: 'tranche' };

function pathParameter(path: string, name: string): Json {
  const segments = path.split('/');
  const before = segments[segments.indexOf(`:${name}`) - 1] ?? '';
  const param = (description: string, schema: Json) => ({ name, in: 'path', required: true, description, schema });
  if (name === 'id' && path.startsWith('/applications/')) {
    return param('The application: `<programId>.<round>.<creditCode>`', {
      type: 'string', pattern: APPLICATION_ID_PATTERN.source, examples: [`dinghu-emergency-major-project.2026.${SAMPLE_CREDIT_CODE}`],
    });
  }
  if (name === 'id' && path.startsWith('/programs/')) {
    return param('A program of the policy catalog', { type: 'string', pattern: PROGRAM_ID_PATTERN.source, examples: ['dinghu-emergency-major-project'] });
  }
  if (name === 'id' && /^\/(public\/)?rounds\//.test(path)) {
    return param('A funding round: `<programId>.<label>`', { type: 'string', pattern: ROUND_ID_PATTERN, examples: ['dinghu-emergency-major-project.2026'] });
  }
  if (name === 'id' && path.startsWith('/api-keys/')) {
    return param('An API key: `key-…`, or `file:<id>:<hash start>` for an entry of API_KEY_HASHES_FILE (GET /api-keys lists them)', {
      type: 'string', pattern: API_KEY_ID_PATTERN.source, examples: ['key-0123456789abcdef01'],
    });
  }
  if (name === 'version') {
    return param('A catalog version, `sha256:` and 16 hex digits (GET /catalog/versions lists them)', { type: 'string', pattern: '^sha256:[0-9a-f]{16}$', examples: ['sha256:0123456789abcdef'] });
  }
  if (name === 'n') return param(`The ${ORDINAL_OF[before] ?? 'item'}'s number, from 1`, { type: 'integer', minimum: 1, maximum: 999_999 });
  if (name === 'year') return param('A calendar year', { type: 'integer', minimum: 1990, maximum: 2100 });
  if (name === 'creditCode') {
    return param('A unified social credit code 统一社会信用代码 (18 characters, any case)', { type: 'string', pattern: '^[0-9A-Za-z]{18}$', examples: [SAMPLE_CREDIT_CODE] });
  }
  throw new Error(`openapi: path parameter :${name} of ${path} is not described`);
}

function queryParameters(query: Json | undefined): Json[] {
  const properties = (query?.properties ?? {}) as Record<string, Json>;
  const required = new Set((query?.required ?? []) as string[]);
  return Object.entries(properties).map(([name, schema]) => ({ name, in: 'query', required: required.has(name), schema }));
}

const isPublic = (route: RouteSpec) => route.audience === 'public';
const rolesOf = (route: RouteSpec): readonly Role[] => (route.audience === 'public' ? [] : route.audience);
/** The operator repairs (issue 19): each calls Temporal. */
const OPERATOR_REPAIRS = ['terminateApplication', 'retryEffects', 'resetApplication'];
/** Routes that wait on Temporal: applications, actions, their audit trail, and rounds. */
const callsTemporal = (route: RouteSpec) => ['Applications', 'Actions', 'Audit', 'Rounds'].includes(route.tag) || route.path === '/ready' || OPERATOR_REPAIRS.includes(route.operationId);

/** The problem statuses a route can answer with. */
function errorStatuses(route: RouteSpec): number[] {
  const statuses = new Set<number>([500]);
  if (route.body || route.query || route.idempotent || /:(year|version|creditCode)\b/.test(route.path)) statuses.add(400);
  if (!isPublic(route)) [401, 403, 429, 503].forEach((s) => statuses.add(s)); // 503: bearer keys unverifiable
  if (limitedPerAddress(route)) statuses.add(429);
  // A public record reads the rounds (Temporal); a malformed round id is a 400 naming `id`.
  if (route.publicRecord) statuses.add(503);
  if (route.publicRecord && route.path.includes(':id')) statuses.add(400);
  if (/:(id|n|version)\b/.test(route.path) || (route.path.startsWith('/dishonesty-list/') && route.method !== 'put')) statuses.add(404); // an unknown year is a 422, not a 404
  // A past catalog version asked for with ?version= that the engine never kept.
  if (route.query === VersionQuery) statuses.add(404);
  // Publishing a catalog: a bad program file or a reused key (422), a stale basedOn (409).
  if (route.operationId === 'publishCatalogVersion') [409, 422].forEach((s) => statuses.add(s));
  if (route.action || route.applicantScope === 'body') statuses.add(409);
  // Operator repair: nothing runs any more (the application ended, or was terminated before); no
  // effect waits for a retry; the reset's event is no WorkflowTaskCompleted of the run.
  if (OPERATOR_REPAIRS.includes(route.operationId)) [409, 422].forEach((s) => statuses.add(s)); // 422: an Idempotency-Key used for another repair
  // API keys: a reused Idempotency-Key (422); a key revoked before (409).
  if (route.operationId === 'issueApiKey') statuses.add(422);
  if (route.operationId === 'revokeApiKey') statuses.add(409);
  // Rounds: a label taken before (opening), a line the round's state refuses (the meeting); the
  // meeting's Idempotency-Key is required (428) and stands for one decision (422).
  if (route.tag === 'Rounds' && route.method === 'post') statuses.add(409);
  if (route.tag === 'Rounds' && route.idempotent) [422, 428].forEach((s) => statuses.add(s));
  if (route.body) statuses.add(413);
  // Filing (ineligible, key reused with another body), calendars. Listings have no cap on matches.
  // Actions: an Idempotency-Key used before for another action, caller or body.
  if (route.action || route.applicantScope === 'body' || route.path.startsWith('/calendar/')) statuses.add(422);
  if (route.action && ACTIONS[route.action].movesMoney) statuses.add(428);
  if (route.tag === 'Payload codec') statuses.add(422); // a payload under an unknown key id, or altered
  if (callsTemporal(route)) statuses.add(503);
  return [...statuses].filter((s) => !(s in route.responses)).sort((a, b) => a - b);
}

const SCOPE_SENTENCE: Record<ApplicantScope, string> = {
  id: 'the credit code the application id ends with must be one of them',
  body: '`applicant.creditCode` must be one of them',
  listing: 'the results are filtered to them',
};

function description(route: RouteSpec): string {
  const lines = [`${route.summary}.`];
  if (route.calculator) lines.push('Public calculator (政策计算器): no credential needed; without one, rate-limited per client address (`429` with `Retry-After`).');
  else if (route.publicRecord) lines.push('Public record (公开, 002 第三十四条): no credential needed; without one, rate-limited per client address (`429` with `Retry-After`).');
  else if (isPublic(route)) lines.push('Public: no credential needed.');
  else lines.push(`**Roles:** ${rolesOf(route).join(', ')}.`);
  if (route.applicantScope) {
    lines.push(`Applicant systems are limited to the credit codes their credential is bound to: ${SCOPE_SENTENCE[route.applicantScope]}.`);
  }
  if (route.action) {
    lines.push(
      (ACTIONS[route.action].movesMoney ? 'This action moves money: an `Idempotency-Key` is required (`428` without one). ' : '') +
        'The `Idempotency-Key` stands for this one action, by this caller, with this body: a retry with the same key and body is applied once and answered again with `Idempotent-Replayed: true`; the same key with another action, caller or body is `422` and nothing is done. Without a key the server makes one up and names it in the `Idempotency-Key` answer header (and in a `503`), so the caller can retry safely.',
    );
    if (opensRecovery(route.action)) {
      lines.push('On an application that has ended after a payment, the report opens its recovery case (same id, stage `recovery`; every later action goes there); on one that never paid anything it is `409`.');
    }
  } else if (route.idempotent) lines.push('Send an `Idempotency-Key` to make a retry safe: the same key and body are applied once.');
  return lines.join('\n\n');
}

/**
 * OpenAPI links from a created application to every operation on it (`/applications/:id…`
 * without another path parameter), so a client (or a stateful fuzzer) can follow the id a filing
 * answers with. Derived from the route table.
 */
function applicationLinks(routes: readonly RouteSpec[]): Json {
  const onApplication = routes.filter((r) => /^\/applications\/:id(\/[a-z-]+)?$/.test(r.path));
  return Object.fromEntries(
    onApplication.map((r) => [r.operationId, { operationId: r.operationId, parameters: { id: '$response.body#/id' } }]),
  );
}

function successResponse(route: RouteSpec, status: number, text: string, routes: readonly RouteSpec[]): Json {
  const schema = route.produces ? { type: 'string' } : { type: 'object' };
  const headers: Json = { 'X-Request-Id': ref('headers', 'X-Request-Id') };
  if (status === 503) headers['Retry-After'] = ref('headers', 'Retry-After');
  const links = route.operationId === 'fileApplication' && status === 201 ? { links: applicationLinks(routes) } : {};
  return { description: text, headers, content: { [route.produces ?? 'application/json']: { schema } }, ...links };
}

function operation(route: RouteSpec, schemas: Record<string, Json>, failed: string[], bodies: BodyOverrides, routes: readonly RouteSpec[]): Json {
  const generated = generatedSchemas(route, failed, bodies);
  const parameters: Json[] = [...queryParameters(generated.query)];
  if (route.action && ACTIONS[route.action].movesMoney) parameters.push({ ...COMPONENT_PARAMETERS['Idempotency-Key'], required: true });
  else if (route.idempotent) parameters.push(ref('parameters', 'Idempotency-Key'));
  if (!isPublic(route)) parameters.push(ref('parameters', 'X-Act-As'));

  let requestBody: Json | undefined;
  if (generated.body) {
    const name = `${pascal(route.operationId)}Request`;
    schemas[name] = generated.body;
    requestBody = { required: true, content: { 'application/json': { schema: ref('schemas', name) } } };
  }

  const responses: Json = {};
  for (const [status, text] of Object.entries(route.responses)) responses[status] = successResponse(route, Number(status), text, routes);
  for (const status of errorStatuses(route)) responses[status] = ref('responses', `Problem${status}`);
  // Node's HTTP parser answers this itself, before the app sees the request: no problem body.
  responses[431] = { description: 'The request headers are larger than the server reads (16 KB); nothing was done' };

  return {
    operationId: route.operationId,
    summary: route.summary,
    description: description(route),
    tags: [route.tag],
    'x-roles': [...rolesOf(route)],
    ...(route.applicantScope ? { 'x-applicant-scope': route.applicantScope } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses,
    security: isPublic(route) ? [] : [{ apiKey: [] }, { bearer: [] }],
  };
}

// ---- Components -------------------------------------------------------------------------------

const STATUS_TEXT: Record<number, string> = {
  400: 'The request is not valid: `errors` names each bad field and why',
  401: 'No credential, or the credential was refused',
  403: 'The role may not do this, or not for this applicant',
  404: 'No such application, program or item',
  409: 'The application is not at a stage that allows this, or it conflicts with its state',
  405: 'The path does not take this method: `Allow` names the ones it takes',
  413: 'The body is too large',
  422: 'Well formed, but cannot be accepted (on an action: its Idempotency-Key was used before for another action, caller or body)',
  428: 'An action that moves money needs an `Idempotency-Key`',
  429: 'Too many requests from this credential: retry after `Retry-After` seconds',
  500: 'Internal error, logged under the request id',
  503: 'Temporal (or the token key service) did not answer: retry after `Retry-After` seconds (an action with the `Idempotency-Key` named in the answer)',
};

const problemTypes = () => Object.entries(PROBLEM_TYPES) as [string, { status: number; title: string }][];

function problemResponses(): Json {
  const headers = (status: number): Json => ({
    'X-Request-Id': ref('headers', 'X-Request-Id'),
    ...(status === 429 || status === 503 ? { 'Retry-After': ref('headers', 'Retry-After') } : {}),
    ...(status === 401 ? { 'WWW-Authenticate': ref('headers', 'WWW-Authenticate') } : {}),
    ...(status === 405 ? { Allow: ref('headers', 'Allow') } : {}),
  });
  // Every status a problem type has gets a response, so a problem type added in api/problem.ts is
  // published at once (its title as the text until STATUS_TEXT says more).
  const texts = new Map<number, string>(Object.entries(STATUS_TEXT).map(([key, text]) => [Number(key), text]));
  for (const [, t] of problemTypes()) if (!texts.has(t.status)) texts.set(t.status, t.title);
  return Object.fromEntries(
    [...texts].sort(([a], [b]) => a - b).map(([status, text]) => {
      const types = problemTypes().filter(([, t]) => t.status === status).map(([name]) => `\`/problems/${name}\``);
      return [
        `Problem${status}`,
        {
          description: types.length ? `${text}. Types: ${types.join(', ')}` : text,
          headers: headers(status),
          content: { 'application/problem+json': { schema: ref('schemas', 'Problem') } },
        },
      ];
    }),
  );
}

function problemSchema(): Json {
  return {
    type: 'object',
    description: 'An error, as RFC 9457 problem details. Branch on `type`; it is stable. Extra members (e.g. `existingId`, `links`) may follow.',
    required: ['type', 'title', 'status', 'detail'],
    properties: {
      type: {
        type: 'string',
        format: 'uri-reference',
        enum: problemTypes().map(([name]) => `/problems/${name}`),
        description: problemTypes().map(([name, t]) => `- \`/problems/${name}\` (${t.status}): ${t.title}`).join('\n'),
      },
      title: { type: 'string' },
      status: { type: 'integer', minimum: 400, maximum: 599 },
      detail: { type: 'string', description: 'What went wrong, for a person' },
      instance: { type: 'string', format: 'uri-reference' },
      errors: {
        type: 'array',
        description: 'Each bad field (dotted path, e.g. `applicant.creditCode`, or a header name) and why',
        items: {
          type: 'object',
          required: ['field', 'reason'],
          properties: { field: { type: 'string' }, reason: { type: 'string' } },
        },
      },
      requestId: { type: 'string', description: 'The X-Request-Id of the request, to quote when asking about it' },
    },
    additionalProperties: true,
  };
}

const COMPONENT_PARAMETERS = {
  'Idempotency-Key': {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description: 'Stands for one action (one caller, one body): a retry with the same key and body is applied once and answered the same way; the same key with anything else is refused (422)',
    schema: { type: 'string', pattern: IDEMPOTENCY_KEY_PATTERN.source },
  },
  'X-Act-As': {
    name: 'X-Act-As',
    in: 'header',
    required: false,
    description: 'When the credential holds several roles allowed here: the one to act in (recorded in the audit trail)',
    schema: { type: 'string', enum: [...ROLES] },
  },
};

const COMPONENT_HEADERS = {
  'X-Request-Id': { description: 'The request id (yours, if you sent X-Request-Id), also in logs and problems', schema: { type: 'string' } },
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 0 } },
  'WWW-Authenticate': { description: 'The bearer challenge, when bearer tokens are accepted', schema: { type: 'string' } },
  Allow: { description: 'The methods the path takes, e.g. `GET, HEAD, POST`', schema: { type: 'string' } },
};

const TAGS: Record<RouteSpec['tag'], string> = {
  Applications: 'Filing applications, finding them, reading one',
  Actions: 'What staff and applicant systems do to an application, one endpoint per workflow action; each is an update of its workflow',
  Rounds: 'Funding rounds: the window, budget, annual caps and pro rata across applications, the executive meeting\'s list and its one public notice',
  Audit: 'The audit trail of an application across all its runs',
  'Reference data': 'Working-day calendar, LPR fixings, the policy catalog and calculators',
  Operations: 'Health, readiness, metrics and this contract',
  'API keys': 'API keys admins issue, list and revoke, kept (hashed) in the engine\'s database and checked on every request',
  'Payload codec': 'The remote codec the Temporal Web UI calls to show the encrypted payloads of a workflow decrypted',
  Transparency: 'Funding rounds in public, without a credential: notices with their SHA-256, allocations, and the spot-check draw anyone recomputes',
};

const INFO_DESCRIPTION = [
  'Approval engine for government industrial-subsidy programs (产业扶持资金); every application is a Temporal workflow.',
  'Authenticate with an API key in `X-Api-Key` or a JWT in `Authorization: Bearer`. Errors are `application/problem+json` (RFC 9457) with a stable `type`. Amounts are yuan strings with two decimals; dates are YYYY-MM-DD in Asia/Shanghai.',
  '## Who may call what',
].join('\n\n');

/**
 * Bodies the app generates at start from data (the catalog's programs), by operationId; they
 * replace the route table's static schema, and the server validates with the same ones.
 */
type BodyOverrides = Readonly<Record<string, z.ZodType>>;

export interface OpenApiOptions {
  routes?: readonly RouteSpec[];
  bodies?: BodyOverrides;
  serverUrl?: string;
  version?: string;
}

export function openApiDocument(options: OpenApiOptions = {}): Json {
  const routes = options.routes ?? ROUTES;
  const schemas: Record<string, Json> = { Problem: problemSchema() };
  const failed: string[] = [];
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    const item = (paths[path] ??= {});
    const names = [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
    if (names.length) item.parameters = names.map((name) => pathParameter(route.path, name));
    item[route.method] = operation(route, schemas, failed, options.bodies ?? {}, routes);
  }
  const usedTags = [...new Set(routes.map((r) => r.tag))];
  return {
    openapi: '3.1.0',
    info: {
      title: 'Subsidy approval engine',
      version: options.version ?? packageJson.version,
      description: `${INFO_DESCRIPTION}\n\n${renderRoleMatrix(routes)}`,
    },
    servers: [{ url: options.serverUrl ?? '/' }],
    tags: usedTags.map((name) => ({ name, description: TAGS[name] })),
    paths,
    components: {
      schemas,
      responses: problemResponses(),
      parameters: COMPONENT_PARAMETERS,
      headers: COMPONENT_HEADERS,
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key', description: 'An API key bound to one or more roles' },
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A JWT from the identity provider, with the roles in a claim' },
      },
    },
  };
}

// ---- The written matrix -----------------------------------------------------------------------

/**
 * Markdown: one row per protected route, one column per role. "✓ own": an applicant system,
 * limited to the applicants its credential is bound to; "·": refused with 403.
 */
export function renderRoleMatrix(routes: readonly RouteSpec[] = ROUTES): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  const rows = routes.filter((r) => !isPublic(r)).map((route) => {
    const cells = ROLES.map((role) => {
      if (!rolesOf(route).includes(role)) return '·';
      return role === 'applicant-system' && route.applicantScope ? '✓ own' : '✓';
    });
    return line([`\`${route.method.toUpperCase()} ${openApiPath(route.path)}\``, ...cells]);
  });
  const open = routes.filter(isPublic).map((r) => `\`${r.method.toUpperCase()} ${openApiPath(r.path)}\``);
  return [
    line(['Endpoint', ...ROLES]),
    line(['---', ...ROLES.map(() => ':---:')]),
    ...rows,
    '',
    `Public, without a credential: ${open.join(', ')}.`,
  ].join('\n');
}

function pascal(id: string): string {
  return id[0]!.toUpperCase() + id.slice(1);
}
