/**
 * `npm run history-size [-- <file>…]`: how big recorded histories are, as Temporal stores them:
 * events, bytes (the History protobuf), and how many of those bytes are update answers. Reads the
 * files given, or every file in test/histories/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { historyFromJson } from './history-json';

const DIR = join(__dirname, '..', 'test', 'histories');
const files = process.argv.slice(2).length > 0 ? process.argv.slice(2) : readdirSync(DIR).filter((f) => f.endsWith('.json')).sort().map((f) => join(DIR, f));

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
console.log(['history', 'events', 'bytes', 'update answers', 'bytes of update answers'].join('\t'));
for (const file of files) {
  const history = historyFromJson(JSON.parse(readFileSync(file, 'utf8')));
  const bytes = temporal.api.history.v1.History.encode(history).finish().length;
  const answers = (history.events ?? []).filter((e) => e.workflowExecutionUpdateCompletedEventAttributes);
  const answerBytes = answers.reduce((sum, e) => sum + temporal.api.history.v1.HistoryEvent.encode(e).finish().length, 0);
  console.log([basename(file), history.events?.length ?? 0, kb(bytes), answers.length, `${kb(answerBytes)} (${Math.round((100 * answerBytes) / bytes)} %)`].join('\t'));
}
