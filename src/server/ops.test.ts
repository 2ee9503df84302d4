/**
 * What the stores, keys, sovereignty and audit-export routes do, over a real hub on each database:
 * results equal to the functions the CLI runs, audit entries under the caller's name, bad input
 * refused with a precise problem and nothing half-done.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AuditEntry } from '../audit/index.js';
import { editConfigFile } from '../core/index.js';
import { testDialects } from '../db/testing.js';
import {
  keysStatus,
  objectView,
  openHub,
  providerListing,
  storeSummaries,
  verifyObjects,
  type Hub,
} from '../hub/index.js';
import { verifySignedReport } from '../sovereignty/index.js';
import type { HubApp } from './context.js';
import { createHubApp } from './serve.js';
import { hubServerFixture, type HubServerFixture } from './testing/hub-server.js';
import type { Who } from './testing/matrix.js';
import { jsonLines } from './streaming.js';
import { bearer } from './testing/server-fixture.js';

const dialects = await testDialects();
const OCTETS = 'application/octet-stream';
const enc = encodeURIComponent;

describe.each(dialects)('$name: stores, keys and sovereignty through the API', (dialect) => {
  let fx: HubServerFixture;
  /** The same hub with a second store on a provider that may not hold health data. */
  let abroad: { hub: Hub; app: HubApp; root: string };

  beforeAll(async () => {
    fx = await hubServerFixture(dialect.name);
    const root = mkdtempSync(join(tmpdir(), 'hdh-abroad-'));
    await editConfigFile(fx.home, (doc) => {
      doc.setIn(['stores', 'abroad'], doc.createNode({ type: 'fs', root, provider: 'azure-france-central' }));
    });
    const hub = await openHub({ home: fx.home, env: {}, prompt: false });
    const app = await createHubApp(hub);
    await app.ready();
    abroad = { hub, app, root };
  });
  afterAll(async () => {
    await abroad.app.close();
    await abroad.hub.close();
    await rm(abroad.root, { recursive: true, force: true });
    await fx.close();
  });

  const as = (who: Who) => bearer(fx.tokens.get(who)!);
  const put = (key: string, query: string, payload: Buffer | string, app: HubApp = fx.app) =>
    app.inject({
      method: 'PUT',
      url: `/api/stores/${key}?${query}`,
      headers: { ...as('operator'), 'content-type': OCTETS },
      payload,
    });
  const lastAudit = async (action: string): Promise<AuditEntry> => {
    const entries: AuditEntry[] = [];
    for await (const e of fx.hub.audit.entries({ action })) {
      entries.push(e);
    }
    return entries.at(-1)!;
  };
  const lines = (body: string): Record<string, unknown>[] =>
    body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  describe('stores', () => {
    it('lists the configured stores with their provider and the classes each may hold', async () => {
      const res = await fx.app.inject({ url: '/api/stores', headers: as('auditor') });
      expect(res.statusCode).toBe(200);
      const stores = res.json<{ name: string; provider: { id: string }; allowedClasses: string[] }[]>();
      expect(stores).toEqual(JSON.parse(JSON.stringify(storeSummaries(fx.hub))));
      expect(stores.map((s) => [s.name, s.provider.id])).toEqual([['local', 'on-premises']]);
      expect(stores[0]!.allowedClasses).toContain('identifying-health');
      const both = await abroad.app.inject({ url: '/api/stores', headers: as('operator') });
      const far = both.json<{ name: string; allowedClasses: string[] }[]>().find((s) => s.name === 'abroad')!;
      expect(far.allowedClasses).not.toContain('pseudonymised-health');
    });

    it('seals a streamed upload larger than the JSON body limit, reads it back, audited', async () => {
      const content = randomBytes(3 * 1024 * 1024 + 17);
      const res = await put(
        `local/objects/${enc('api/big.bin')}`,
        'dataset=api-store&class=pseudonymised-health',
        content,
      );
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({
        store: 'local',
        key: 'api/big.bin',
        dataset: 'api-store',
        dataClass: 'pseudonymised-health',
        sealed: true,
        plainSize: content.length,
      });
      expect(await lastAudit('store.put')).toMatchObject({
        actor: 'op',
        target: 'local:api/big.bin',
        outcome: 'success',
      });
      // Stored sealed: the plaintext is nowhere on disk.
      const onDisk = readFileSync(join(fx.home, 'objects', 'api', 'big.bin'));
      expect(onDisk.includes(content.subarray(0, 64))).toBe(false);

      const back = await fx.app.inject({
        url: `/api/stores/local/objects/${enc('api/big.bin')}`,
        headers: as('operator'),
      });
      expect(back.statusCode).toBe(200);
      expect(back.headers['content-type']).toBe(OCTETS);
      expect(Buffer.compare(back.rawPayload, content)).toBe(0);
      expect(await lastAudit('store.get')).toMatchObject({ actor: 'op', target: 'local:api/big.bin' });
    });

    it('pages the listing in key order, with dataset, class and size but never content', async () => {
      for (const k of ['c', 'a', 'b']) {
        expect(
          (await put(`local/objects/${enc(`list/${k}.txt`)}`, 'dataset=api-list', `row ${k}`)).statusCode,
        ).toBe(201);
      }
      const first = await fx.app.inject({
        url: '/api/stores/local/objects?prefix=list/&limit=2',
        headers: as('service:auditor'),
      });
      expect(first.statusCode).toBe(200);
      const page = first.json<{ items: { key: string }[]; nextCursor?: string }>();
      expect(page.items.map((i) => i.key)).toEqual(['list/a.txt', 'list/b.txt']);
      const second = await fx.app.inject({
        url: `/api/stores/local/objects?prefix=list/&limit=2&cursor=${page.nextCursor}`,
        headers: as('auditor'),
      });
      const rest = second.json<{ items: unknown[]; nextCursor?: string }>();
      expect(rest.nextCursor).toBeUndefined();
      const cli = [];
      for await (const o of fx.hub.stores.list('local', 'list/')) {
        cli.push(JSON.parse(JSON.stringify(objectView(o))) as unknown);
      }
      expect([...page.items, ...rest.items]).toEqual(cli);
      expect(rest.items[0]).toMatchObject({
        key: 'list/c.txt',
        size: 5,
        dataset: 'api-list',
        class: 'identifying-health',
      });
      expect(first.body).not.toContain('row a');
    });

    it('refuses a forbidden placement before a byte is stored, and says why', async () => {
      const res = await put(
        `abroad/objects/${enc('x/health.csv')}`,
        'dataset=api-abroad&class=pseudonymised-health',
        'id,nir\n',
        abroad.app,
      );
      expect(res.statusCode).toBe(403);
      expect(res.json<{ code: string; detail: string }>()).toMatchObject({
        code: 'SOVEREIGNTY_PLACEMENT_REFUSED',
        detail: expect.stringMatching(/SecNumCloud/) as unknown,
      });
      expect(
        readdirSync(abroad.root, { recursive: true }).filter((f) => !String(f).includes('.hdh-store')),
      ).toEqual([]);
      expect(await fx.hub.stores.record('abroad', 'x/health.csv')).toBeUndefined();
      const ok = await put(
        `abroad/objects/${enc('open/x.csv')}`,
        'dataset=api-open&class=public',
        'a,b\n',
        abroad.app,
      );
      expect(ok.statusCode).toBe(201);
    });

    it('refuses bad uploads with a precise problem', async () => {
      const mismatch = await put(`local/objects/${enc('api/other')}`, 'dataset=api-store&class=public', 'x');
      expect([mismatch.statusCode, mismatch.json<{ code: string }>().code]).toEqual([
        409,
        'HUB_CLASS_MISMATCH',
      ]);
      const unknownStore = await put('nowhere/objects/x', 'dataset=api-store', 'x');
      expect([unknownStore.statusCode, unknownStore.json<{ code: string }>().code]).toEqual([
        404,
        'HUB_STORE_UNKNOWN',
      ]);
      const noDataset = await put('local/objects/x', 'class=public', 'x');
      expect(noDataset.statusCode).toBe(400);
      expect(noDataset.json<{ errors: { field: string }[] }>().errors[0]!.field).toBe('querystring/dataset');
      const badClass = await put('local/objects/x', 'dataset=api-store&class=secret', 'x');
      expect(badClass.json<{ errors: { field: string }[] }>().errors[0]!.field).toBe('querystring/class');
      const json = await fx.app.inject({
        method: 'PUT',
        url: '/api/stores/local/objects/x?dataset=api-store',
        headers: as('operator'),
        payload: { not: 'bytes' },
      });
      expect([json.statusCode, json.json<{ code: string }>().code]).toEqual([
        415,
        'REQUEST_UNSUPPORTED_MEDIA_TYPE',
      ]);
      expect(await fx.hub.stores.record('local', 'x')).toBeUndefined();
    });

    it('removes an object; reading or removing it again is 404', async () => {
      expect((await put(`local/objects/${enc('api/gone')}`, 'dataset=api-store', 'bye')).statusCode).toBe(
        201,
      );
      const url = `/api/stores/local/objects/${enc('api/gone')}`;
      const del = await fx.app.inject({ method: 'DELETE', url, headers: as('operator') });
      expect(del.statusCode).toBe(204);
      expect(await lastAudit('store.rm')).toMatchObject({
        actor: 'op',
        target: 'local:api/gone',
        outcome: 'success',
      });
      for (const method of ['GET', 'DELETE'] as const) {
        const again = await fx.app.inject({ method, url, headers: as('operator') });
        expect([again.statusCode, again.json<{ code: string }>().code]).toEqual([404, 'STORAGE_NOT_FOUND']);
      }
    });

    it('verifies a prefix as JSON lines, names a damaged object, and audits the counts', async () => {
      for (const k of ['one', 'two']) {
        expect(
          (await put(`local/objects/${enc(`verify/${k}`)}`, 'dataset=api-verify', `content ${k}`)).statusCode,
        ).toBe(201);
      }
      const stored = join(fx.home, 'objects', 'verify', 'two');
      const bytes = readFileSync(stored);
      bytes[bytes.length - 3]! ^= 0xff;
      writeFileSync(stored, bytes);
      const res = await fx.app.inject({
        method: 'POST',
        url: '/api/stores/local/verify',
        headers: as('auditor'),
        payload: { prefix: 'verify/' },
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('application/x-ndjson');
      const out = lines(res.body);
      const direct = [];
      for await (const v of fx.hub.stores.verify('local', 'verify/')) {
        direct.push(JSON.parse(JSON.stringify(v)) as unknown);
      }
      expect(out.slice(0, -1)).toEqual(direct);
      expect(out.slice(0, -1).map((o) => o['ok'])).toEqual([true, false]);
      expect(out.at(-1)).toEqual({ done: true, ok: 1, failed: 1 });
      expect(await lastAudit('store.verify')).toMatchObject({
        actor: 'aud',
        target: 'local:verify/',
        outcome: 'failure',
        details: { ok: 1, failed: 1 },
      });
      const unknown = await fx.app.inject({
        method: 'POST',
        url: '/api/stores/nowhere/verify',
        headers: as('auditor'),
        payload: {},
      });
      expect([unknown.statusCode, unknown.json<{ code: string }>().code]).toEqual([404, 'HUB_STORE_UNKNOWN']);
      const extra = await fx.app.inject({
        method: 'POST',
        url: '/api/stores/local/verify',
        headers: as('auditor'),
        payload: { prefix: 'a', deep: true },
      });
      expect(extra.json<{ errors: { field: string }[] }>().errors).toEqual([
        { field: 'body/deep', message: 'is not a known field' },
      ]);
    });

    it('stops a verification whose reader went away, and audits it as incomplete', async () => {
      // What the route does when the client disconnects: Fastify destroys the JSON-lines stream.
      const stream = jsonLines(
        verifyObjects(fx.hub, { store: 'local', prefix: 'list/', actor: 'gone-reader' }),
      );
      const first = (await stream[Symbol.asyncIterator]().next()) as { value: string };
      expect(JSON.parse(first.value)).toMatchObject({ key: 'list/a.txt', ok: true });
      stream.destroy();
      await vi.waitFor(async () =>
        expect(await lastAudit('store.verify')).toMatchObject({
          actor: 'gone-reader',
          outcome: 'failure',
          details: { failed: 0, completed: false },
        }),
      );
    });
  });

  describe('keys', () => {
    it('shows the status the CLI shows, without key material', async () => {
      const res = await fx.app.inject({ url: '/api/keys', headers: as('service:auditor') });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(JSON.parse(JSON.stringify(await keysStatus(fx.hub))));
      expect(res.body).not.toMatch(/"(key|wrapped|passphrase)"/);
    });

    it('rotates the master key and re-wraps the dataset keys, audited', async () => {
      const before = (await keysStatus(fx.hub)).provider.activeMasterKeyId;
      const res = await fx.app.inject({
        method: 'POST',
        url: '/api/keys/rotate-master',
        headers: as('operator'),
      });
      expect(res.statusCode).toBe(200);
      const r = res.json<{ previous: string[]; current: string; rewrapped: number }>();
      expect(r.previous).toEqual([before]);
      expect(r.current).not.toBe(before);
      expect((await keysStatus(fx.hub)).provider.activeMasterKeyId).toBe(r.current);
      expect(await lastAudit('keys.rotate-master')).toMatchObject({ actor: 'op', outcome: 'success' });
    });

    it('shreds a dataset only when the name is confirmed; its objects are then unreadable', async () => {
      expect((await put(`local/objects/${enc('shred/a')}`, 'dataset=api-shred', 'secret')).statusCode).toBe(
        201,
      );
      const shred = (confirm: string) =>
        fx.app.inject({
          method: 'POST',
          url: '/api/datasets/api-shred/shred',
          headers: as('operator'),
          payload: { confirm },
        });
      const wrong = await shred('api-shredd');
      expect([wrong.statusCode, wrong.json<{ code: string }>().code]).toEqual([400, 'INPUT_INVALID']);
      const still = (await keysStatus(fx.hub)).datasets.find((d) => d.dataset === 'api-shred')!;
      expect(still.state).toBe('active');
      const missing = await fx.app.inject({
        method: 'POST',
        url: '/api/datasets/api-shred/shred',
        headers: as('operator'),
        payload: {},
      });
      expect(missing.statusCode).toBe(400);
      const res = await shred('api-shred');
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        dataset: 'api-shred',
        keyIds: [still.keys[0]!.keyId],
        alreadyDestroyed: [],
      });
      expect(await lastAudit('keys.shred')).toMatchObject({ actor: 'op', target: 'dataset:api-shred' });
      const read = await fx.app.inject({
        url: `/api/stores/local/objects/${enc('shred/a')}`,
        headers: as('operator'),
      });
      expect([read.statusCode, read.json<{ code: string }>().code]).toEqual([410, 'KMS_KEY_DESTROYED']);
      const none = await fx.app.inject({
        method: 'POST',
        url: '/api/datasets/no-such-set/shred',
        headers: as('operator'),
        payload: { confirm: 'no-such-set' },
      });
      expect([none.statusCode, none.json<{ code: string }>().code]).toEqual([404, 'KMS_KEY_NOT_FOUND']);
    });
  });

  describe('sovereignty', () => {
    it('lists the registry as the CLI does', async () => {
      const res = await fx.app.inject({ url: '/api/sovereignty/providers', headers: as('auditor') });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(JSON.parse(JSON.stringify(providerListing(fx.hub.sovereignty))));
    });

    it('answers whether a placement would be allowed, with every reason', async () => {
      const check = (body: unknown, app: HubApp = fx.app) =>
        app.inject({
          method: 'POST',
          url: '/api/sovereignty/check',
          headers: as('auditor'),
          payload: body as object,
        });
      const ok = await check({ store: 'local', class: 'identifying-health' });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({ store: 'local', allowed: true, provider: 'on-premises' });
      const no = await check({ store: 'abroad', class: 'pseudonymised-health' }, abroad.app);
      const decision = no.json<{ allowed: boolean; reasons: { ok: boolean; message: string }[] }>();
      expect(decision.allowed).toBe(false);
      expect(decision.reasons.some((r) => !r.ok)).toBe(true);
      const unknown = await check({ store: 'nowhere', class: 'public' });
      expect([unknown.statusCode, unknown.json<{ code: string }>().code]).toEqual([400, 'INPUT_INVALID']);
      const badClass = await check({ store: 'local', class: 'secret' });
      expect(badClass.json<{ errors: { field: string }[] }>().errors[0]!.field).toBe('body/class');
    });

    it('signs the report with the published key; verifies it, and refuses a changed one', async () => {
      const res = await fx.app.inject({ url: '/api/sovereignty/report', headers: as('auditor') });
      expect(res.statusCode).toBe(200);
      const signed = res.json<{ report: { stores: unknown[] }; signature: { digest: string } }>();
      expect(await lastAudit('sovereignty.report')).toMatchObject({
        actor: 'aud',
        details: { digest: signed.signature.digest },
      });
      const jwk = (await fx.app.inject({ url: '/api/sovereignty/public-key', headers: as('auditor') })).json<
        Record<string, unknown>
      >();
      expect(jwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', kid: expect.any(String) as unknown });
      expect((await verifySignedReport(res.body, { key: jwk })).digest).toBe(signed.signature.digest);

      const verify = (body: unknown) =>
        fx.app.inject({
          method: 'POST',
          url: '/api/sovereignty/verify-report',
          headers: as('service:auditor'),
          payload: body as object,
        });
      const good = await verify({ report: signed });
      expect(good.statusCode).toBe(200);
      expect(good.json()).toMatchObject({
        ok: true,
        keySource: 'given',
        digest: signed.signature.digest,
        keyFrom: expect.stringMatching(/^this hub's signing key/) as unknown,
      });
      const changed = { ...signed, report: { ...signed.report, stores: [] } };
      const bad = await verify({ report: changed });
      expect([bad.statusCode, bad.json<{ code: string }>().code]).toEqual([
        400,
        'SOVEREIGNTY_SIGNATURE_INVALID',
      ]);
      const junk = await verify({ report: { hello: 'world' } });
      expect([junk.statusCode, junk.json<{ code: string }>().code]).toEqual([
        400,
        'SOVEREIGNTY_REPORT_INVALID',
      ]);

      const md = await fx.app.inject({ url: '/api/sovereignty/report?format=md', headers: as('operator') });
      expect(md.statusCode).toBe(200);
      expect(md.headers['content-type']).toContain('text/markdown');
      expect(md.body).toContain('local');
      const badFormat = await fx.app.inject({
        url: '/api/sovereignty/report?format=pdf',
        headers: as('operator'),
      });
      expect(badFormat.statusCode).toBe(400);
    });
  });

  describe('audit export', () => {
    it('streams the filtered log as JSON lines, as the CLI writes it', async () => {
      const res = await fx.app.inject({ url: '/api/audit/export?action=store.*', headers: as('auditor') });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('application/x-ndjson');
      const expected = [];
      for await (const e of fx.hub.audit.entries({ action: 'store.*' })) {
        expected.push(JSON.parse(JSON.stringify(e)) as unknown);
      }
      expect(expected.length).toBeGreaterThan(3);
      expect(lines(res.body)).toEqual(expected);
      const badSince = await fx.app.inject({
        url: '/api/audit/export?since=yesterday',
        headers: as('auditor'),
      });
      expect(badSince.statusCode).toBe(400);
    });
  });
});
