/**
 * The bench's own worker for the bare workflows (scripts/bench/bare-workflows.ts), started by
 * `npm run bench` as a child process beside the engine's worker, so both sides pay for a process
 * of their own. It uses the engine's data converter (the same AES-256-GCM payload codec and key
 * as the engine, from DATA_DIR), so the baseline differs from the engine only by the engine.
 *
 * Settings come from the environment like the engine's (lib/settings.ts); BENCH_TASK_QUEUE names
 * the bench's task queue.
 */
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { payloadEncryptionOf } from '../../lib/data-converter';
import { loadSettingsOrExit } from '../../lib/settings';
import { connectionOptions } from '../../lib/temporal-connection';

async function main(): Promise<void> {
  const settings = loadSettingsOrExit();
  Runtime.install({ logger: new DefaultLogger(settings.logLevel) });
  const taskQueue = process.env.BENCH_TASK_QUEUE;
  if (!taskQueue) throw new Error('BENCH_TASK_QUEUE is not set: the bench names the task queue of its bare worker');
  const connection = await NativeConnection.connect(connectionOptions(settings));
  const worker = await Worker.create({
    connection,
    namespace: settings.namespace,
    taskQueue,
    workflowsPath: require.resolve('./bare-workflows'),
    activities: { noop: async (n: number) => n },
    dataConverter: payloadEncryptionOf(settings).dataConverter,
  });
  console.log(`Bare worker polling task queue ${taskQueue}`);
  await worker.run();
  await connection.close();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
