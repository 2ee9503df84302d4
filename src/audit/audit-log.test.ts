import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { testDialects, type TestDb } from '../db/testing.js';
import { isHdhError } from '../core/index.js';
import { AuditLog } from './index.js';

const dialects = await testDialects();

describe.each(dialects)('$name: audit log', (dialect) => {
  let hub: TestDb;
  let log: AuditLog;
  const opened: TestDb[] = [];

  beforeEach(async () => {
    hub = await dialect.open();
    opened.push(hub);
    log = new AuditLog(hub);
    for (let i = 1; i <= 5; i++) {
      await log.record({
        actor: 'alice',
        action: 'store.put',
        target: `local:obj${i}`,
        details: { size: i },
      });
    }
  });
  afterAll(async () => {
    for (const h of opened) {
      await h.close();
    }
  });

  it('verifies an untouched chain and reports its head', async () => {
    const result = await log.verify();
    expect(result).toMatchObject({ ok: true, entries: 5, headSeq: 5 });
    expect(result.headHash).toBe((await log.head()).hash);
  });

  it('names the first entry whose content was changed', async () => {
    await hub.db.updateTable('audit_log').set({ actor: 'mallory' }).where('seq', '=', 3).execute();
    const result = await log.verify();
    expect(result.ok).toBe(false);
    expect(result.firstBad).toMatchObject({ seq: 3, reason: expect.stringContaining('changed') });
    await expect(log.assertIntact()).rejects.toSatisfy((e) => isHdhError(e, 'AUDIT_CHAIN_BROKEN'));
  });

  it('detects a removed entry', async () => {
    await hub.db.deleteFrom('audit_log').where('seq', '=', 2).execute();
    const result = await log.verify();
    expect(result.firstBad).toMatchObject({ seq: 3, reason: expect.stringContaining('missing') });
  });

  it('detects a removed entry even when later ones are renumbered', async () => {
    await hub.db.deleteFrom('audit_log').where('seq', '=', 2).execute();
    for (const seq of [3, 4, 5]) {
      await hub.db
        .updateTable('audit_log')
        .set({ seq: seq - 1 })
        .where('seq', '=', seq)
        .execute();
    }
    const result = await log.verify();
    expect(result.firstBad?.seq).toBe(2);
  });

  it('detects an inserted entry', async () => {
    for (const seq of [5, 4]) {
      await hub.db
        .updateTable('audit_log')
        .set({ seq: seq + 1 })
        .where('seq', '=', seq)
        .execute();
    }
    const third = await hub.db
      .selectFrom('audit_log')
      .selectAll()
      .where('seq', '=', 3)
      .executeTakeFirstOrThrow();
    await hub.db
      .insertInto('audit_log')
      .values({ ...third, seq: 4, id: 'aud_forged', actor: 'mallory', prev_hash: third.hash })
      .execute();
    const result = await log.verify();
    expect(result.ok).toBe(false);
    expect(result.firstBad?.seq).toBe(4);
  });

  it('redacts secrets in details', async () => {
    const e = await log.record({
      actor: 'op',
      action: 'users.add',
      target: 'user:bob',
      details: { password: 'hunter2', nested: { apiToken: 'x' }, role: 'researcher' },
    });
    expect(e.details).toEqual({
      password: '[redacted]',
      nested: { apiToken: '[redacted]' },
      role: 'researcher',
    });
    const rows = await hub.db.selectFrom('audit_log').select('details').execute();
    expect(rows.map((r) => r.details).join()).not.toContain('hunter2');
  });

  it('records the change and its entry together, or a failure entry alone', async () => {
    await log.withEntry({ actor: 'op', action: 'meta.set', target: 'k' }, async (trx) => {
      await trx.insertInto('hub_meta').values({ key: 'k', value: 'v' }).execute();
    });
    await expect(
      log.withEntry({ actor: 'op', action: 'meta.set', target: 'k2' }, async (trx) => {
        await trx.insertInto('hub_meta').values({ key: 'k2', value: 'v' }).execute();
        throw new Error('disk on fire');
      }),
    ).rejects.toThrow('disk on fire');
    expect(await hub.db.selectFrom('hub_meta').select('key').where('key', '=', 'k2').execute()).toEqual([]);
    const last = [];
    for await (const e of log.entries({ afterSeq: 5 })) {
      last.push(e);
    }
    expect(last.map((e) => [e.target, e.outcome])).toEqual([
      ['k', 'success'],
      ['k2', 'failure'],
    ]);
    expect(last[1]!.details).toMatchObject({ message: 'disk on fire' });
    expect((await log.verify()).ok).toBe(true);
  });

  it('keeps one linear chain with concurrent writers in separate processes', async () => {
    const writer = fileURLToPath(new URL('../../test/support/audit-writer.ts', import.meta.url));
    const run = (name: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', writer, hub.url, name, '20'], {
          stdio: 'inherit',
        });
        child.on('error', reject);
        child.on('exit', (code) => resolve(code ?? -1));
      });
    const [a, b] = await Promise.all([
      run('w1'),
      run('w2'),
      log.record({ actor: 'w0', action: 'x', target: 'y' }),
    ]);
    expect([a, b]).toEqual([0, 0]);
    const result = await log.verify();
    expect(result).toMatchObject({ ok: true, entries: 46 });
  });

  it('filters entries by action prefix', async () => {
    await log.record({ actor: 'op', action: 'keys.shred', target: 'dataset:d' });
    const found = [];
    for await (const e of log.entries({ action: 'keys.*' })) {
      found.push(e.action);
    }
    expect(found).toEqual(['keys.shred']);
    const n = await sql<{ n: number }>`select count(*) as n from audit_log`.execute(hub.db);
    expect(n.rows[0]!.n).toBe(6);
  });
});
