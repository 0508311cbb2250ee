import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createLogger, prettyDestination } from '../src/logger';
import { Redacted } from '../src/vault/redacted';
import { TEST_MASTER_KEY, TestDatabase, createTestDatabase } from './helpers/db';

const sink = () => {
  const s = Object.assign(new Writable({ write(chunk, _enc, cb) { s.text += String(chunk); cb(); } }), { text: '' });
  return s;
};
const SECRET = 'SBXSECRETSTELLARSEEDVALUE';
/** The colours pino-pretty adds on a terminal. */
const COLOURS = /\x1b\[[0-9;]*m/g;

describe('the hub\'s logs (src/logger.ts)', function () {
  it('are JSON lines, one per entry', () => {
    const out = sink();
    createLogger('info', out).info({ requestId: 'r1', status: 200 }, 'request');
    const entry = JSON.parse(out.text) as Record<string, unknown>;
    assert.deepEqual({ ...entry, time: 0 }, { level: 30, time: 0, service: 'intertrade', requestId: 'r1', status: 200, msg: 'request' });
  });

  it('are readable lines on a terminal (pino-pretty): time, level, message, the other fields on the same line, secrets redacted', () => {
    const out = sink();
    const log = createLogger('info', prettyDestination(out));
    log.info({ requestId: 'r1', status: 200 }, 'request');
    log.warn({ secret: SECRET, nested: { seed: SECRET }, wrapped: new Redacted(SECRET) }, 'careful');
    const lines = out.text.split('\n').filter(Boolean);
    assert.equal(lines.length, 2, out.text);
    const plain = lines.map((l) => l.replace(COLOURS, ''));
    assert.match(plain[0], /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: request \{"requestId":"r1","status":200\}$/);
    assert.match(plain[1], /^\[[\d:.]+\] WARN: careful \{"secret":"\[redacted\]","nested":\{"seed":"\[redacted\]"\},"wrapped":"\[redacted\]"\}$/);
    assert.ok(!out.text.includes(SECRET));
  });

  describe('from the intertrade command', function () {
    this.timeout(60000);
    let tdb: TestDatabase;
    // Each its own: a server's database is migrated (and that logged) by the first command on it.
    beforeEach(async () => { tdb = await createTestDatabase(); });
    afterEach(async () => { await tdb.drop(); });

    // `keys rotate-community` opens the storage, which logs (the database migrated, or the embedded master key), then refuses.
    const run = (viaTerminal: boolean) => {
      const bin = `${JSON.stringify(process.execPath)} ${JSON.stringify(path.resolve(__dirname, '../bin/intertrade.js'))} keys rotate-community NONE`;
      const env = {
        PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATA_DIR: tdb.dataDir,
        ...(tdb.databaseUrl ? { DATABASE_URL: tdb.databaseUrl, MASTER_KEY: TEST_MASTER_KEY } : {}),
      };
      // script(1) runs the command on a pseudo-terminal, as a person's shell does.
      const r = viaTerminal
        ? spawnSync('script', ['-qec', bin, '/dev/null'], { env, encoding: 'utf8' })
        : spawnSync('sh', ['-c', bin], { env, encoding: 'utf8' });
      return { code: r.status, out: `${r.stdout}${r.stderr}`.replace(COLOURS, '').replace(/\r/g, '') };
    };

    it('writes JSON lines when its output is not a terminal', function () {
      const r = run(false);
      assert.equal(r.code, 2, r.out);
      assert.match(r.out, /^\{"level":(30|40),.*"msg":"(database migrated|using a master key kept in DATA_DIR[^"]*)"\}$/m);
    });

    it('writes readable lines on a terminal', function () {
      if (spawnSync('script', ['--version']).error) this.skip(); // no script(1) on this machine
      const r = run(true);
      assert.equal(r.code, 2, r.out);
      assert.match(r.out, /^\[[\d:.]+\] (INFO: database migrated|WARN: using a master key kept in DATA_DIR)/m);
      assert.ok(!r.out.includes('{"level"'), r.out);
      assert.match(r.out, /no community with code NONE/);
    });
  });
});
