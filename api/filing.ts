/**
 * What the API checks before it starts an application workflow (domain brief, step 1): the
 * program exists, the facts fit its schema, its round takes applications today (Asia/Shanghai),
 * and the facts are eligible under the program as the round pinned it. Nothing is started from
 * input that fails any of these.
 */
import { explainAward } from '../domain/award-explanation';
import { evaluateAward, factProblems, type Facts, type Program } from '../domain/catalog';
import type { RoundDefinition } from '../domain/rounds';
import { shanghaiDate } from '../domain/calendar';
import { Problem } from './problem';
import type { FilingBody } from './schemas';

export interface ProgramCatalog {
  /** Id of the catalog version in force; an application pins it. */
  version: string;
  getProgram(id: string): Program | undefined;
  programHash(id: string): string | undefined;
}

export interface AcceptedFiling {
  catalogVersion: string;
  program: Program;
  programHash: string;
  /** The round's label: the id's middle part. */
  round: string;
  amountByFormula: string;
  checks: Record<string, unknown>;
}

/**
 * A 400 naming each fact that does not fit the program's schema (`facts.fixedInvestment`), when
 * any does. The domain's messages start with the fact's name.
 */
function assertFactsFit(program: Program, facts: Facts, fieldPrefix: string): void {
  const problems = factProblems(program, facts);
  if (problems.length === 0) return;
  const errors = problems.map((reason) => {
    const name = reason.split(' ')[0]!;
    return { field: `${fieldPrefix}${name}`, reason: reason.slice(name.length + 1) };
  });
  throw new Problem('validation', problems.join('; '), { errors });
}

/** What filing needs of a round: its window, label and the program it pinned. */
export interface FilingRound {
  definition: Pick<RoundDefinition, 'id' | 'label' | 'window' | 'catalogVersion' | 'programHash'>;
  program: Program;
}

export function checkFiling(round: FilingRound, filing: FilingBody, now: Date): AcceptedFiling {
  const { definition, program } = round;
  const facts = filing.facts as Facts;
  assertFactsFit(program, facts, 'facts.');

  const today = shanghaiDate(now.getTime());
  const { opens, closes } = definition.window;
  if (today < opens || today > closes) {
    throw new Problem('unprocessable', `Round ${definition.id} takes applications ${opens}–${closes} (Asia/Shanghai), not on ${today}`, {
      errors: [{ field: 'roundId', reason: `round ${definition.id} is not open on ${today}` }],
    });
  }

  const award = evaluateAward(program, facts, { explain: true });
  if (!award.eligible) {
    throw new Problem('unprocessable', `Not eligible for ${program.id}: ${award.reason ?? 'the facts do not meet the conditions'}`, {
      errors: [{ field: 'facts', reason: award.reason ?? 'the facts do not meet the program conditions' }],
      breakdown: award.breakdown,
      explanation: explainAward(award),
    });
  }

  return {
    catalogVersion: definition.catalogVersion,
    program,
    programHash: definition.programHash,
    round: definition.label,
    amountByFormula: award.amount,
    checks: {
      filedOn: today,
      window: { round: definition.id, opens, lastDay: closes, rule: definition.window.source },
      eligibility: { eligible: true, amountByFormula: award.amount },
    },
  };
}
