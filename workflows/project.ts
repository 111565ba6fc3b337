/**
 * One project's claims (002 第三十六条 no double dipping; one application per project or product
 * and round): a long-lived entity per declared project (`project.<code>`, domain/projects.ts
 * `projectKey`). The API claims the project before it starts an application (update-with-start);
 * the claims are judged one at a time, so two filings that race cannot both pass. An application
 * that ends without money releases its claim.
 */
import { allHandlersFinished, condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import { judgeClaim, type ProjectClaim } from '../domain/projects';
import { claimUpdate, projectQuery, releaseClaimSignal } from './round-messages';

export interface ProjectInput {
  key: string;
  claims?: ProjectClaim[];
}

export async function projectWorkflow(input: ProjectInput): Promise<void> {
  const claims: ProjectClaim[] = [...(input.claims ?? [])];

  setHandler(projectQuery, () => ({ key: input.key, claims }));
  setHandler(claimUpdate, (claim) => {
    const verdict = judgeClaim(claims, claim);
    const i = claims.findIndex((c) => c.applicationId === claim.applicationId);
    // An application that ended never starts again (its id is taken for good): a filing repeated
    // after its end does not revive its released claim.
    if (verdict.verdict === 'refused' || claims[i]?.released) return verdict;
    if (i >= 0) claims[i] = { ...claim, released: null };
    else claims.push({ ...claim, released: null });
    return verdict;
  });
  setHandler(releaseClaimSignal, ({ applicationId, reason }) => {
    const c = claims.find((x) => x.applicationId === applicationId);
    if (c && !c.released) c.released = { at: new Date().toISOString(), reason };
  });

  await condition(() => workflowInfo().continueAsNewSuggested);
  await condition(allHandlersFinished);
  await continueAsNew<typeof projectWorkflow>({ ...input, claims });
}
