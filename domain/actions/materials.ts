/**
 * The action `materials`: Hand in the formal materials, or answer the supplement request (`POST /applications/:id/materials`).
 * Formal submission, and the answer to the one-time supplement request.
 */
import type { z } from 'zod';
import type { ApplicationState, Document } from '../application';
import { documentsProblem } from './rules';
import { body, documents, comment, type BodyOf } from './body-parts';
import { defineAction, helpersOf, plural, type ActionRequest } from './define';

/** POST /materials: formal submission, or the answer to the supplement request. */
export interface MaterialsRequest extends ActionRequest {
  documents: Document[];
}

export const MaterialsBody: z.ZodType<BodyOf<MaterialsRequest>> = body({ documents: documents(), comment });

export default defineAction<MaterialsRequest>({
  path: 'materials',
  aliases: [],
  summary: 'Hand in the formal materials, or answer the supplement request',
  roles: ['applicant-system'],
  stages: ['formal-submission', 'supplement-requested'],
  body: MaterialsBody,
  refuse: (_s: ApplicationState, r: MaterialsRequest) => documentsProblem(r.documents, 'documents'),
  apply(app, r) {
    const { state, at, withComment } = helpersOf(app);
    const answering = state.stage === 'supplement-requested';
    state.materials.submissions.push({ kind: answering ? 'supplement-answer' : 'formal-submission', at: at(), by: r.actor, documents: r.documents });
    const named = new Set(state.materials.submissions.flatMap((s) => s.documents.flatMap((d) => (d.materialId ? [d.materialId] : []))));
    state.materials.missing = state.materials.required.map((m) => m.id).filter((id) => !named.has(id));
    const details = { documents: r.documents, missing: state.materials.missing, comment: withComment(r) };
    if (answering) {
      state.review!.supplement!.answeredAt = at();
      app.moveTo(app.reviewStage(), r.actor, 'materials', 'supplement answered', details);
    } else {
      app.moveTo('review', r.actor, 'materials', 'formal submission', details);
    }
  },
  phrase: (r) => `handed in ${plural(r.documents?.length ?? 0, 'document')}${r.documents?.length ? ` (${r.documents.map((d) => d.name).join(', ')})` : ''}`,
});
