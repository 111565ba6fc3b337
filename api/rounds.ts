/**
 * Rounds as the API sees them (issue 16): opening one (an admin, at run time: a round entity
 * workflow per round, no file edit, no restart), finding the round a filing goes into, and the
 * two claims a filing makes before its application starts: its place in the round (refused once
 * the window closed) and its project (one application per project and round; no double dipping,
 * 002 第三十六条). Every answer comes from the entity workflows, which serialise them.
 */
import { randomBytes } from 'node:crypto';
import {
  type Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
} from '@temporalio/client';
import type { RoundTerms } from '../domain/application';
import { defaultRoundWindow, roundWindowProblems, type Program } from '../domain/catalog';
import { shanghaiDate, UnknownCalendarYearError, windowClosesAt, type CalendarData } from '../domain/calendar';
import { canonicalJson, sha256Hex } from '../domain/idempotency';
import { compareYuan } from '../domain/money';
import { projectKey, type ClaimVerdict, type ProjectClaim, type ProjectDeclaration } from '../domain/projects';
import {
  parseRoundId,
  roundId,
  ledgerWorkflowId,
  roundWorkflowId,
  seedSha256,
  type RoundCap,
  type RoundDefinition,
  type RoundEntry,
  type RoundState,
} from '../domain/rounds';
import type { Actor } from '../domain/roles';
import { updateEntity } from '../lib/entities';
import { claimUpdate, registerUpdate, releaseClaimSignal, roundStateQuery } from '../workflows/messages';
import type { ProgramCatalog } from './filing';
import { Problem } from './problem';
import { callTemporal } from './temporal-calls';

/** The body of POST /rounds, validated (api/round-routes.ts). */
export interface OpenRoundBody {
  programId: string;
  label?: string;
  year?: number;
  window?: { opens: string; closes: string; announcement?: string };
  budget: string;
  caps?: RoundCap[];
  signOff?: 'batch' | 'single';
}

export interface RoundServiceDeps {
  client: Client;
  taskQueue: string;
  /** The catalog version in force: a round pins it when it opens. */
  catalog: () => Promise<ProgramCatalog>;
  calendar: () => Promise<CalendarData>;
  clock: () => Date;
}

/** What the memo of a round remembers of the request that opened it: hashes only. */
interface OpeningMemo {
  keyHash: string;
  bodyHash: string;
}
const OPENING_MEMO = 'opening';

/** What a round was opened with and never changes: its definition and the program it pins. */
interface Pinned {
  definition: RoundDefinition;
  program: Program;
}

export function roundService(deps: RoundServiceDeps) {
  const { client } = deps;
  // A round's definition and program never change: read once per round and process.
  const pinned = new Map<string, Pinned>();

  async function state(id: string): Promise<RoundState | undefined> {
    if (!parseRoundId(id)) return undefined;
    try {
      return await callTemporal(client, () => client.workflow.getHandle(roundWorkflowId(id)).query(roundStateQuery));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  async function openingMemo(id: string): Promise<OpeningMemo | undefined> {
    const description = await callTemporal(client, () => client.workflow.getHandle(roundWorkflowId(id)).describe());
    return description.memo?.[OPENING_MEMO] as OpeningMemo | undefined;
  }

  async function pinnedRound(id: string): Promise<Pinned | undefined> {
    const known = pinned.get(id);
    if (known) return known;
    const s = await state(id);
    if (!s) return undefined;
    const entry = { definition: s.definition, program: s.program };
    pinned.set(id, entry);
    return entry;
  }

  /** Round ids of a program (or all), newest first, from visibility. */
  async function roundIds(programId?: string): Promise<string[]> {
    const prefix = programId ? `round.${programId}.` : 'round.';
    const ids: string[] = [];
    await callTemporal(client, async () => {
      for await (const w of client.workflow.list({ query: `WorkflowType = 'roundWorkflow' AND WorkflowId STARTS_WITH '${prefix}'` })) {
        ids.push(w.workflowId.slice('round.'.length));
        if (ids.length >= 1000) break;
      }
    });
    return ids.sort().reverse();
  }

  return {
    state,

    async list(): Promise<RoundState[]> {
      const states = await Promise.all((await roundIds()).map((id) => state(id)));
      return states.filter((s): s is RoundState => s !== undefined);
    },

    /** POST /rounds: a round entity workflow, from the catalog's defaults and the admin's choices. */
    async open(body: OpenRoundBody, actor: Actor, key?: string): Promise<{ state: RoundState; replayed: boolean }> {
      const catalog = await deps.catalog();
      const program = catalog.getProgram(body.programId);
      if (!program) throw new Problem('validation', `There is no program ${body.programId}`, { errors: [{ field: 'programId', reason: 'is not a program in the catalog (GET /programs lists them)' }] });
      const today = shanghaiDate(deps.clock().getTime());
      const year = body.year ?? Number((body.window?.opens ?? today).slice(0, 4));
      // A budget year taken from the window is held to the range the body's `year` is.
      if (year < 1900) throw new Problem('validation', `window.opens ${body.window!.opens} gives the budget year ${year}: it must be 1900 or later`, { errors: [{ field: 'window.opens', reason: `gives the budget year ${year}, before 1900` }] });
      const byDefault = defaultRoundWindow(program.filingWindow, year);
      const window = body.window ?? byDefault;
      if (!window) {
        throw new Problem('validation', `${program.id} takes applications in windows announced by notice: give the announced dates`, {
          errors: [{ field: 'window', reason: `is required: ${program.id}'s window is announced by notice (${program.filingWindow.kind})` }],
        });
      }
      let problems: Array<{ field: string; reason: string }>;
      try {
        problems = roundWindowProblems(program.filingWindow, window, await deps.calendar());
      } catch (err) {
        if (!(err instanceof UnknownCalendarYearError)) throw err;
        problems = [{ field: 'window', reason: `needs the working-day calendar of ${err.year} (PUT /calendar/years/${err.year})` }];
      }
      if (window.closes < today) problems.push({ field: body.window ? 'window.closes' : 'year', reason: `the window closes on ${window.closes}, before today (${today})` });
      if (compareYuan(body.budget, '0.00') <= 0) problems.push({ field: 'budget', reason: 'must be more than 0.00' });
      if (problems.length) throw new Problem('validation', problems.map((p) => `${p.field} ${p.reason}`).join('; '), { errors: problems });

      const label = body.label ?? (program.filingWindow.kind === 'monthly' && !body.window ? window.opens.slice(0, 7) : String(year));
      const id = roundId(program.id, label);
      const seed = randomBytes(32).toString('hex');
      // One key, one action: the round remembers the key (hashed with the caller) and the body it was opened with.
      const memo: OpeningMemo | undefined = key === undefined ? undefined : { keyHash: sha256Hex(`${actor.id}\n${key}`), bodyHash: sha256Hex(canonicalJson(body)) };
      const definition: RoundDefinition = {
        id,
        programId: program.id,
        policyId: program.policy.id,
        label,
        year,
        window: {
          opens: window.opens,
          closes: window.closes,
          closesAt: windowClosesAt(window.closes),
          source: body.window ? `announced${body.window.announcement ? `: ${body.window.announcement}` : ' by the admin'}` : `catalog: ${byDefault!.rule}`,
        },
        budget: body.budget,
        catalogVersion: catalog.version,
        programHash: catalog.programHash(program.id)!,
        caps: body.caps ?? program.annualCaps.map((c) => ({ id: c.id, scope: c.scope, amount: c.amount, description: c.description })),
        signOff: body.signOff ?? program.rounds.signOff,
        spotCheck: {
          ratePercent: program.review.spotCheckRatePercent,
          threshold: program.review.inspection.amount,
          inclusive: program.review.inspection.inclusive,
          seedSha256: seedSha256(seed),
        },
        noticeWorkingDays: program.notice.workingDays,
        openedBy: actor,
        openedAt: deps.clock().toISOString(),
      };
      try {
        await callTemporal(client, () =>
          client.workflow.start('roundWorkflow', {
            workflowId: roundWorkflowId(id),
            taskQueue: deps.taskQueue,
            args: [{ definition, program, seed }],
            workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
            ...(memo ? { memo: { [OPENING_MEMO]: memo } } : {}),
          }),
        );
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) {
          const earlier = memo ? await openingMemo(id) : undefined;
          if (earlier && memo && earlier.keyHash === memo.keyHash) {
            if (earlier.bodyHash !== memo.bodyHash) {
              throw new Problem('unprocessable', 'This Idempotency-Key was used before with another body; use a new key to open another round', {
                errors: [{ field: 'Idempotency-Key', reason: 'was used before with another body' }],
              });
            }
            return { state: (await state(id))!, replayed: true };
          }
          throw new Problem('conflict', `Round ${id} was opened before; open another with its own label`, { existingId: id, errors: [{ field: 'label', reason: `${label} is taken for ${program.id}` }] });
        }
        throw err;
      }
      return { state: (await state(id))!, replayed: false };
    },

    /**
     * The round a filing goes into: the one it names, else the program's only open round. Refused
     * (422 naming `roundId`) when there is none, or more than one to choose from.
     */
    async forFiling(programId: string, named: string | undefined): Promise<Pinned> {
      if (named !== undefined) {
        const round = parseRoundId(named)?.programId === programId ? await pinnedRound(named) : undefined;
        if (!round) throw new Problem('unprocessable', `There is no round ${named} of ${programId}`, { errors: [{ field: 'roundId', reason: `is not a round of ${programId} (GET /rounds lists them)` }] });
        return round;
      }
      const now = deps.clock().getTime();
      const open: Pinned[] = [];
      for (const id of await roundIds(programId)) {
        const round = await pinnedRound(id);
        if (round && Date.parse(`${round.definition.window.opens}T00:00:00+08:00`) <= now && now < Date.parse(round.definition.window.closesAt)) open.push(round);
      }
      if (open.length === 1) return open[0]!;
      throw new Problem('unprocessable', open.length === 0 ? `${programId} has no open round today: filing is possible only into an open round` : `${programId} has ${open.length} open rounds: name one with roundId`, {
        errors: [{ field: 'roundId', reason: open.length === 0 ? `no round of ${programId} is open (an admin opens one with POST /rounds)` : `is required to choose among ${open.map((r) => r.definition.id).join(', ')}` }],
      });
    },

    /** The terms an application takes from its round. */
    termsOf(round: Pinned, creditCode: string, project: ProjectDeclaration | undefined): RoundTerms {
      const d = round.definition;
      return {
        id: d.id,
        policyId: d.policyId,
        year: d.year,
        signOff: d.signOff,
        caps: d.caps,
        ledgerId: ledgerWorkflowId(creditCode, d.year),
        projectId: projectKey(project ?? null, creditCode),
        seedSha256: d.spotCheck.seedSha256,
      };
    },

    /** The project's entity judges the claim (update-with-start: the first claim starts it). */
    async claimProject(terms: RoundTerms, claim: ProjectClaim): Promise<ClaimVerdict> {
      return callTemporal(client, () =>
        updateEntity(client, { type: 'projectWorkflow', id: terms.projectId, taskQueue: deps.taskQueue, args: [{ key: terms.projectId }] }, claimUpdate, [claim]),
      );
    },

    /** A claim whose application never started goes (best effort; a later claim by the same application replaces it). */
    async releaseClaim(terms: RoundTerms, applicationId: string, reason: string): Promise<void> {
      await client.workflow.getHandle(terms.projectId).signal(releaseClaimSignal, { applicationId, reason }).catch(() => undefined);
    },

    /** The round takes the application, or refuses it once its window closed (409). */
    async register(round: Pinned, entry: RoundEntry): Promise<void> {
      await callTemporal(client, () => client.workflow.getHandle(roundWorkflowId(round.definition.id)).executeUpdate(registerUpdate, { args: [entry] }));
    },
  };
}

export type RoundService = ReturnType<typeof roundService>;
