// ROLE=all without REDIS_URL, the default: one process serves the API and runs every job on its
// own pool of clip worker processes; async jobs run on the same pool.
import { localClipPool } from '../jobs/local-pool.js';
import { LocalJobDispatcher } from '../services/job-dispatch.js';
import { runHttpServer } from './http-server.js';
import { loadEmotionModel, openCore } from './setup.js';
import type { Config } from '../config/config.js';

export async function runAllInOne(config: Readonly<Config>): Promise<void> {
  const core = await openCore(config);
  await runHttpServer(core, async (log) => {
    const pool = localClipPool(config, config.queueSize, log);
    // In one process, a job left queued or running by the previous run has nobody to finish it.
    await core.store.jobs.failUnfinished(
      { error: 'The server restarted before the job finished; resubmit it.', code: 'worker_lost' },
      new Date(),
    );
    return {
      runner: pool,
      dispatcher: (gate) => new LocalJobDispatcher(gate, core.lifecycle),
      async start(appLog) {
        // A configured checkpoint is downloaded and verified now; /health answers meanwhile.
        const model = await loadEmotionModel(config, appLog);
        await pool.start(model.engine);
        appLog.info({ model: model.description }, 'models loaded and workers warm: ready');
        return model.models;
      },
    };
  });
}
