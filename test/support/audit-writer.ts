// Appends N audit entries from its own process: used to prove the chain stays linear with writers
// in several processes. Usage: audit-writer.ts DB_URL ACTOR N
import { openDb } from '../../src/db/index.js';
import { AuditLog } from '../../src/audit/index.js';

const [url, actor, count] = process.argv.slice(2);
const hub = await openDb(url!, { migrate: false, poolSize: 2 });
const log = new AuditLog(hub);
for (let i = 0; i < Number(count); i++) {
  await log.record({ actor: actor!, action: 'test.append', target: String(i) });
}
await hub.close();
