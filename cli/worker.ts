/**
 * A campaign worker thread: runs whole simulations (`runOne`) for the tasks the
 * main thread sends, one at a time, and posts the plain RunRecords back.
 * Every run derives its randomness from (root seed, cell, index) alone, so which
 * worker runs it does not matter: parallel results equal serial ones.
 */
import { parentPort } from 'node:worker_threads';
import { runOne } from '../scenarios/campaign.js';
import { runOptionsOf, type TaskMessage, type WorkerReply } from './pool.js';

const port = parentPort;
if (port === null) throw new Error('cli/worker.ts must run in a worker thread');

port.on('message', (m: TaskMessage) => {
  void (async () => {
    let reply: WorkerReply;
    try {
      const { record } = await runOne(m.task.cell, m.task.index, m.rootSeed, runOptionsOf(m.task));
      reply = { id: m.id, record };
    } catch (e) {
      reply = { id: m.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
    }
    port.postMessage(reply);
  })();
});
port.postMessage({ ready: true });
