/**
 * Preloaded with NODE_OPTIONS="--require scripts/cpu-profile-hook.js" (node refuses
 * --cpu-prof there) and CPU_PROFILE_DIR set: SIGUSR2 starts a CPU profile of the
 * process, the next SIGUSR2 (or the exit) writes it to CPU_PROFILE_DIR/<pid>-<n>.cpuprofile,
 * for scripts/profile-top.ts. So a bench profiles what it measures, not the set-up.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const inspector = require('node:inspector');

const dir = process.env.CPU_PROFILE_DIR;
if (dir) {
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  let on = false;
  let n = 0;
  // A session in the same thread answers synchronously: safe inside 'exit' too.
  const stop = () => {
    if (!on) return;
    on = false;
    session.post('Profiler.stop', (err, r) => {
      if (!err) fs.writeFileSync(path.join(dir, `${process.pid}-${++n}.cpuprofile`), JSON.stringify(r.profile));
    });
  };
  process.on('SIGUSR2', () => {
    if (on) stop();
    else { on = true; session.post('Profiler.start'); }
  });
  process.on('exit', stop);
}
