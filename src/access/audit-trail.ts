/**
 * The audit log as users reach it: reading is for auditors, verifying the chain for auditors and
 * operators, both through the same authoriser as everything else.
 * @module
 */
import type { AuditEntry, AuditQuery, VerifyResult } from '../audit/index.js';
import type { AccessContext } from './context.js';
import { decodeCursor, encodeCursor, pageLimit, type Page, type PageQuery } from './pagination.js';
import type { Principal } from './principal.js';

export interface AuditFilter extends PageQuery {
  readonly actor?: string;
  /** Exact, or a prefix ending in `*` (`auth.*`). */
  readonly action?: string;
  readonly target?: string;
  /** ISO 8601 time: entries at or after it. */
  readonly since?: string;
}

export class AuditTrail {
  readonly #ctx: AccessContext;

  constructor(ctx: AccessContext) {
    this.#ctx = ctx;
  }

  /** Entries oldest first; the cursor continues after the last one returned. */
  async entries(principal: Principal, filter: AuditFilter = {}): Promise<Page<AuditEntry>> {
    await this.#ctx.authorizer.enforce(principal, 'audit.read', { type: 'collection', of: 'audit' });
    const limit = pageLimit(filter);
    const after = decodeCursor(filter.cursor);
    const query: AuditQuery = {
      afterSeq: after === undefined ? 0 : Number(after),
      limit: limit + 1,
      ...(filter.actor === undefined ? {} : { actor: filter.actor }),
      ...(filter.action === undefined ? {} : { action: filter.action }),
      ...(filter.target === undefined ? {} : { target: filter.target }),
      ...(filter.since === undefined ? {} : { since: filter.since }),
    };
    const items: AuditEntry[] = [];
    for await (const entry of this.#ctx.audit.entries(query)) {
      items.push(entry);
    }
    const page = items.slice(0, limit);
    const last = page.at(-1);
    return items.length > limit && last !== undefined
      ? { items: page, nextCursor: encodeCursor(String(last.seq)) }
      : { items: page };
  }

  async verify(principal: Principal): Promise<VerifyResult> {
    await this.#ctx.authorizer.enforce(principal, 'audit.verify', { type: 'hub' });
    const result = await this.#ctx.audit.verify();
    await this.#ctx.audit.record({
      actor: principal.actor,
      action: 'audit.verify',
      target: 'audit',
      outcome: result.ok ? 'success' : 'failure',
      details: { entries: result.entries, ...(result.firstBad ? { firstBad: result.firstBad } : {}) },
    });
    return result;
  }
}
