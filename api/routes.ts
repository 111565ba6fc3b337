/**
 * Every route the API exposes, in one table: who may call it (the role × endpoint matrix), whether
 * an applicant system is limited to its own applicants there, and the zod schemas that validate
 * its input. The access guard (api/access.ts), the OpenAPI document and the matrix in docs/api.md are
 * all generated from this table, so they cannot disagree.
 */
import type { z } from 'zod';
import { ACTION_NAMES, ACTIONS, type ActionName } from '../domain/actions';
import { ROLES, type Role } from '../domain/roles';
import * as apiKeys from './api-key-schemas';
import { CodecBody } from './codec-routes';
import * as historyQuery from './history-query';
import * as listing from './listing';
import * as adminData from './admin-data-schemas';
import * as reference from './reference-schemas';
import * as rounds from './round-schemas';
import * as body from './schemas';

/** Who may call: nobody needs a credential (`public`), or one of these roles. */
export type Audience = 'public' | readonly Role[];

/**
 * Where an applicant system's credit code is read, to limit it to the applicants its credential
 * is bound to: the application id in the path, the filing body, or a filter applied to a listing.
 */
export type ApplicantScope = 'id' | 'body' | 'listing';

export interface RouteSpec {
  method: 'get' | 'post' | 'put';
  /** Express path template, e.g. `/applications/:id/sign-off`. */
  path: string;
  operationId: string;
  summary: string;
  tag: 'Applications' | 'Actions' | 'Rounds' | 'Audit' | 'Reference data' | 'Operations' | 'API keys' | 'Payload codec' | 'Transparency';
  audience: Audience;
  applicantScope?: ApplicantScope;
  /** The workflow action this route takes (a key of ACTIONS). */
  action?: ActionName;
  body?: z.ZodType;
  query?: z.ZodType;
  /** Success answers: status → description. */
  responses: Record<number, string>;
  /** The route answers with something other than JSON (metrics, the docs page). */
  produces?: string;
  /** `Idempotency-Key` header meaning on this route. */
  idempotent?: boolean;
  /** A POST that changes nothing (a calculator): auditors may use it. */
  readOnly?: boolean;
  /** A public calculator (政策计算器): no credential needed, rate-limited per address without one. */
  calculator?: true;
  /** A public record (公开, 002 第三十四条): no credential needed, rate-limited per address without one, read from the rounds. */
  publicRecord?: true;
}

/** Routes anyone may call without a credential that still count per client address: the calculators and the public records. */
export function limitedPerAddress(route: RouteSpec): boolean {
  return route.calculator === true || route.publicRecord === true;
}

/** Everyone with a credential: staff, auditors, admins and applicant systems. */
const EVERYONE: readonly Role[] = ROLES;
/** Every role but applicant systems: the government side and its auditors. */
const GOVERNMENT: readonly Role[] = ROLES.filter((r) => r !== 'applicant-system');

const STATE = { 200: 'The application after the engine reacted to the action' };

function actionRoute(action: ActionName): RouteSpec {
  const rule = ACTIONS[action];
  return {
    method: 'post',
    path: `/applications/:id/${rule.path}`,
    operationId: camel(action),
    summary: rule.summary,
    tag: 'Actions',
    // The same roles the workflow's validators accept: one rule table for both.
    audience: rule.roles,
    ...(rule.roles.includes('applicant-system') ? { applicantScope: 'id' as const } : {}),
    action,
    body: body.ACTION_BODIES[action],
    responses: STATE,
    idempotent: true,
  };
}

function camel(path: string): string {
  return path
    .split(/[/-]/)
    .filter(Boolean)
    .map((word, i) => (i === 0 ? word : word[0]!.toUpperCase() + word.slice(1)))
    .join('');
}

const ACTION_ROUTES: readonly RouteSpec[] = ACTION_NAMES.map(actionRoute);

const ID = { applicantScope: 'id' as const };

const APPLICATION_ROUTES: readonly RouteSpec[] = [
  {
    method: 'post', path: '/applications', operationId: 'fileApplication', tag: 'Applications',
    summary: 'File an application for a program (one per program, round and applicant)',
    audience: ['applicant-system'], applicantScope: 'body', body: body.FilingBody, idempotent: true,
    responses: { 201: 'Filed: the new application, at preliminary-record (a retry with the same Idempotency-Key and body gets this first answer again, marked Idempotent-Replayed: true)' },
  },
  {
    method: 'get', path: '/applications', operationId: 'listApplications', tag: 'Applications',
    summary: 'Find applications by stage, program, round, applicant, pending role and due date',
    audience: EVERYONE, applicantScope: 'listing', query: listing.ListQuery,
    responses: { 200: 'One page of applications, sorted, with the token of the next page' },
  },
  {
    method: 'get', path: '/inbox', operationId: 'inbox', tag: 'Applications',
    summary: "What is pending for the caller's roles, oldest due first",
    audience: EVERYONE, applicantScope: 'listing', query: listing.InboxQuery,
    responses: { 200: 'One page of pending work' },
  },
  {
    method: 'get', path: '/applications/:id', operationId: 'getApplication', tag: 'Applications',
    summary: 'The application: stage, decisions, tranches, what is pending, its audit entries',
    audience: EVERYONE, ...ID, responses: { 200: 'The application as the workflow holds it' },
  },
  {
    method: 'get', path: '/applications/:id/history', operationId: 'getApplicationHistory', tag: 'Audit',
    // Internal record of staff, findings and payment references: the government side and auditors.
    summary: 'The audit trail across every run, or (format=raw) one run\'s replayable history JSON',
    audience: GOVERNMENT, query: historyQuery.HistoryQuery,
    responses: { 200: 'The audit trail, or the raw history of one run' },
  },
  {
    method: 'post', path: '/applications/:id/termination', operationId: 'terminateApplication', tag: 'Operations',
    // Operator repair: the admin and the reason go into Temporal's termination event, the audit trail's entry.
    summary: "Terminate the application's running workflow (or its recovery case's), naming the admin and the reason in the audit trail",
    audience: ['admin'], body: body.TerminationBody, idempotent: true,
    responses: { 200: 'Terminated: the run, who terminated it and why' },
  },
  {
    method: 'post', path: '/applications/:id/effect-retry', operationId: 'retryEffects', tag: 'Operations',
    // Operator repair: the signal `retryEffects` carries the admin and the reason into the workflow's audit.
    summary: "Try the application's refused effects (notices, payment instructions, notifications) again now instead of at their hourly retry, naming the admin and the reason in the audit trail",
    audience: ['admin'], body: body.EffectRetryBody, idempotent: true,
    responses: { 202: 'Signalled: the effects that were waiting, who asked and why' },
  },
  {
    method: 'post', path: '/applications/:id/reset', operationId: 'resetApplication', tag: 'Operations',
    // Operator repair: Temporal's reset, with "<role> <id>: <reason>" as its reason, which the audit trail shows.
    summary: "Reset the application's running workflow (or its recovery case's) to a workflow task of its run after a replayable bug fix, naming the admin and the reason in the audit trail",
    audience: ['admin'], body: body.ResetBody, idempotent: true,
    responses: { 200: 'Reset: the new run, the run and event it was reset from, who reset it and why' },
  },
];

const REFERENCE_ROUTES: readonly RouteSpec[] = [
  {
    method: 'get', path: '/calendar/years/:year', operationId: 'getCalendarYear', tag: 'Reference data',
    summary: 'The working-day calendar of a year, with its source', audience: EVERYONE,
    responses: { 200: 'The holidays and adjusted working days of the year' },
  },
  {
    method: 'put', path: '/calendar/years/:year', operationId: 'putCalendarYear', tag: 'Reference data',
    summary: 'Supply or correct a calendar year (applications waiting for it resume)', audience: ['admin'],
    body: reference.CalendarYearBody, responses: { 200: 'The year as stored' },
  },
  {
    method: 'get', path: '/calendar/working-days', operationId: 'workingDays', tag: 'Reference data',
    summary: 'Count working days from a date', audience: 'public', calculator: true, query: reference.WorkingDaysQuery,
    responses: { 200: 'The working days, the last one, and when a window over them closes' },
  },
  {
    method: 'get', path: '/lpr-fixings', operationId: 'listLprFixings', tag: 'Reference data',
    summary: 'The loan prime rate fixings in force', audience: EVERYONE, responses: { 200: 'The fixings' },
  },
  {
    method: 'post', path: '/lpr-fixings', operationId: 'addLprFixing', tag: 'Reference data',
    summary: 'Add a monthly LPR fixing', audience: ['admin'], body: reference.LprFixingBody,
    responses: { 201: 'The fixing as stored' },
  },
  {
    method: 'post', path: '/calculations/clawback', operationId: 'calculateClawback', tag: 'Reference data',
    summary: 'Compute a clawback statement (principal, LPR interest, recovery costs, repayments in the legal order) as of a date, today by default, without touching any application',
    audience: 'public', calculator: true, readOnly: true, body: reference.ClawbackCalculationBody, responses: { 200: 'The statement, line by line' },
  },
  {
    method: 'get', path: '/programs', operationId: 'listPrograms', tag: 'Reference data',
    summary: 'The programs of the policy catalog in force, or of a past version (`?version=`)', audience: EVERYONE, query: reference.VersionQuery,
    responses: { 200: 'The programs' },
  },
  {
    method: 'get', path: '/programs/:id', operationId: 'getProgram', tag: 'Reference data',
    summary: 'One program, with the JSON Schema of its facts, as the catalog in force (or `?version=`) has it', audience: EVERYONE, query: reference.VersionQuery,
    responses: { 200: 'The program' },
  },
  {
    method: 'post', path: '/programs/:id/award-preview', operationId: 'previewAward', tag: 'Reference data',
    summary: 'Preview the award formula for a set of facts, under the catalog in force (or `?version=`)', audience: 'public', calculator: true, readOnly: true, body: reference.FactsBody,
    query: reference.VersionQuery, responses: { 200: 'The award and how it was computed' },
  },
  {
    method: 'get', path: '/catalog/versions', operationId: 'listCatalogVersions', tag: 'Reference data',
    summary: 'Every catalog version published, oldest first, and the one in force', audience: EVERYONE, responses: { 200: 'The publications' },
  },
  {
    method: 'get', path: '/catalog/versions/:version', operationId: 'getCatalogVersion', tag: 'Reference data',
    summary: 'One catalog version whole: its program files by name, and when it was published', audience: EVERYONE, responses: { 200: 'The version' },
  },
  {
    method: 'post', path: '/catalog/versions', operationId: 'publishCatalogVersion', tag: 'Reference data',
    summary: 'Publish a new catalog version without a deploy: validated as at start-up, in force for rounds opened from now on', audience: ['admin'],
    body: reference.PublishCatalogBody, idempotent: true, responses: { 201: 'Published and in force (a retry with the same Idempotency-Key and catalog: the first answer, marked Idempotent-Replayed)' },
  },
];

/** The engine's shared admin data (api/admin-data-routes.ts): the dishonesty list admins keep, and the local outbox. */
const ADMIN_DATA_ROUTES: readonly RouteSpec[] = [
  {
    method: 'get', path: '/dishonesty-list', operationId: 'listDishonestyEntries', tag: 'Reference data',
    summary: 'The serious-dishonesty list 严重失信主体名单 (002 第四条) filings are checked against, by credit code; `includeRemoved=true` adds the removed entries',
    audience: GOVERNMENT, query: adminData.DishonestyListQuery, responses: { 200: 'The entries, and `next` (the `after` of the next page) or null' },
  },
  {
    method: 'get', path: '/dishonesty-list/:creditCode', operationId: 'getDishonestyEntry', tag: 'Reference data',
    summary: 'One credit code on the serious-dishonesty list, in force or removed, with its history: who listed, changed or removed it, when and why',
    audience: GOVERNMENT, responses: { 200: 'The entry and its history, oldest first' },
  },
  {
    method: 'put', path: '/dishonesty-list/:creditCode', operationId: 'putDishonestyEntry', tag: 'Reference data',
    summary: 'List a credit code on the serious-dishonesty list, or correct its entry (a removed one is listed again); filed applications are checked against it at once',
    audience: ['admin'], body: adminData.DishonestyEntryBody, responses: { 200: 'The entry as updated', 201: 'Listed' },
  },
  {
    method: 'post', path: '/dishonesty-list/:creditCode/removal', operationId: 'removeDishonestyEntry', tag: 'Reference data',
    summary: 'Remove a credit code from the serious-dishonesty list, with the reason; the entry and its history stay for the audit',
    audience: ['admin'], body: adminData.DishonestyRemovalBody, responses: { 200: 'The entry, marked removed' },
  },
  {
    method: 'get', path: '/outbox-messages', operationId: 'listOutboxMessages', tag: 'Operations',
    summary: 'The local outbox of external effects (when no webhook is configured), in the order written; filtered by `applicationId` and `type`, paged by `after`',
    audience: ['admin', 'auditor'], query: adminData.OutboxQuery, responses: { 200: 'The messages, and `next` (the `after` of the next page) or null' },
  },
];

const OPERATIONS_ROUTES: readonly RouteSpec[] = [
  {
    method: 'get', path: '/health', operationId: 'health', tag: 'Operations', audience: 'public',
    summary: 'Liveness, with whether Temporal answers', responses: { 200: 'Up', 503: 'Temporal does not answer' },
  },
  {
    method: 'get', path: '/ready', operationId: 'ready', tag: 'Operations', audience: 'public',
    summary: 'Readiness: ready to take traffic only while Temporal answers', responses: { 200: 'Ready', 503: 'Not ready' },
  },
  {
    method: 'get', path: '/metrics', operationId: 'metrics', tag: 'Operations', audience: 'public',
    summary: 'Prometheus metrics: requests and workflow actions, counts and latencies', produces: 'text/plain',
    responses: { 200: 'Prometheus text exposition' },
  },
  {
    method: 'get', path: '/openapi.json', operationId: 'openapi', tag: 'Operations', audience: 'public',
    summary: 'This document', responses: { 200: 'OpenAPI 3.1' },
  },
  {
    method: 'get', path: '/docs', operationId: 'docs', tag: 'Operations', audience: 'public', produces: 'text/html',
    summary: 'Interactive documentation of this API', responses: { 200: 'An HTML page' },
  },
];

/** The Temporal Web UI's remote codec (api/codec-routes.ts): the readers of the audit trail. */
const CODEC_ROUTES: readonly RouteSpec[] = [
  {
    method: 'post', path: '/codec/decode', operationId: 'decodePayloads', tag: 'Payload codec',
    summary: 'Decrypt Temporal payloads for the Web UI (its remote codec protocol; X-Namespace names the namespace)',
    audience: GOVERNMENT, readOnly: true, body: CodecBody, responses: { 200: 'The payloads decrypted, in the same shape' },
  },
  {
    method: 'post', path: '/codec/encode', operationId: 'encodePayloads', tag: 'Payload codec',
    summary: 'Encrypt Temporal payloads for the Web UI (its remote codec protocol)',
    audience: GOVERNMENT, readOnly: true, body: CodecBody, responses: { 200: 'The payloads encrypted with the current key, in the same shape' },
  },
];

/** API keys in the engine's database (api/api-key-routes.ts): issued, listed and revoked by admins. */
const API_KEY_ROUTES: readonly RouteSpec[] = [
  {
    method: 'post', path: '/api-keys', operationId: 'issueApiKey', tag: 'API keys', audience: ['admin'], body: apiKeys.IssueApiKeyBody, idempotent: true,
    summary: 'Issue an API key standing for a principal (id, name, roles, bound applicants), optionally until an expiry; the engine keeps only the SHA-256 of its secret',
    responses: {
      201: 'Issued: the key with its secret, shown this once',
      200: 'A retry with the same Idempotency-Key and body: the key issued the first time, without its secret (`secret: null`), marked Idempotent-Replayed: true',
    },
  },
  {
    method: 'get', path: '/api-keys', operationId: 'listApiKeys', tag: 'API keys', audience: ['admin'],
    summary: 'Every API key, without secrets: whom it stands for, who issued it when, its status (active, revoked, expired), who revoked it and why',
    responses: { 200: 'The keys, oldest first' },
  },
  {
    method: 'post', path: '/api-keys/:id/revocation', operationId: 'revokeApiKey', tag: 'API keys', audience: ['admin'], body: apiKeys.RevokeApiKeyBody,
    summary: 'Revoke an API key, with a reason: refused at once by every API process (401 naming the key as revoked)',
    responses: { 200: 'Revoked: the key with who revoked it, when and why' },
  },
];

/** Rounds (issue 16): the money across applications. */
const ROUND_ROUTES: readonly RouteSpec[] = [
  {
    method: 'post', path: '/rounds', operationId: 'openRound', tag: 'Rounds', audience: ['admin'], body: rounds.OpenRoundBody, idempotent: true,
    summary: 'Open a funding round for a program: its window (Asia/Shanghai), budget, caps and sign-off; the catalog gives the defaults. The SHA-256 of its spot-check seed is published at once',
    responses: { 201: 'The round as opened' },
  },
  {
    method: 'get', path: '/rounds', operationId: 'listRounds', tag: 'Rounds', audience: EVERYONE,
    summary: 'The rounds: window, budget, totals, status, latest notice', responses: { 200: 'The rounds, newest first' },
  },
  {
    method: 'get', path: '/rounds/:id', operationId: 'getRound', tag: 'Rounds', audience: GOVERNMENT,
    summary: 'One round: its applications, draw, meeting decisions, pro rata scaling, allocations and notices', responses: { 200: 'The round' },
  },
  {
    method: 'post', path: '/rounds/:id/sign-off', operationId: 'signOffRound', tag: 'Rounds', audience: ['approver'], body: rounds.BatchSignOffBody, idempotent: true,
    summary: "Record the executive meeting's decision on a list of the round's applications in one act: each line is applied as the application's sign-off with the same checks; approved amounts are capped, scaled pro rata to the budget and noticed as one list",
    responses: { 200: 'The batch: each line with its outcome, the scaling, the totals and the notice' },
  },
];

/** Transparency (issue 16, 002 第三十四条): each round's notices and allocations, and the recomputation of its spot-check draw. */
const TRANSPARENCY_ROUTES: readonly RouteSpec[] = [
  {
    method: 'get', path: '/public', operationId: 'publicPage', tag: 'Transparency', audience: 'public', publicRecord: true, produces: 'text/html',
    summary: 'Every funding round\'s notices (each list with its SHA-256) and allocations, as one plain page in Chinese',
    responses: { 200: 'An HTML page (zh-CN)' },
  },
  {
    method: 'get', path: '/public/rounds', operationId: 'listPublicRounds', tag: 'Transparency', audience: 'public', publicRecord: true,
    summary: 'The funding rounds: window, budget, totals, status and the SHA-256 of the latest notice',
    responses: { 200: 'The rounds, newest window first' },
  },
  {
    method: 'get', path: '/public/rounds/:id', operationId: 'getPublicRound', tag: 'Transparency', audience: 'public', publicRecord: true,
    summary: 'One funding round in public: totals, the spot check (the seed once drawn), every notice with its canonical text and SHA-256, the allocations with their pro rata explanation',
    responses: { 200: 'The round as the public sees it' },
  },
  {
    method: 'post', path: '/calculations/round-draw', operationId: 'calculateRoundDraw', tag: 'Transparency',
    summary: 'Recompute a round\'s spot-check draw from its revealed seed and its applications, without touching any round',
    audience: 'public', calculator: true, readOnly: true, body: reference.RoundDrawCalculationBody,
    responses: { 200: 'The draw: the ranking by SHA-256, the count and the applications selected' },
  },
];

export const ROUTES: readonly RouteSpec[] = [...OPERATIONS_ROUTES, ...APPLICATION_ROUTES, ...ACTION_ROUTES, ...ROUND_ROUTES, ...REFERENCE_ROUTES, ...API_KEY_ROUTES, ...ADMIN_DATA_ROUTES, ...CODEC_ROUTES, ...TRANSPARENCY_ROUTES];
