/**
 * Writes a synthetic Azure Blob Inventory CSV of `count` blobs, streamed (for the planning memory
 * test and the benchmark). Every 997th blob is in the archive tier.
 * @module
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

export async function writeInventory(file: string, count: number, prefix = 'cohort/'): Promise<void> {
  const out = createWriteStream(file);
  out.write('Name,Creation-Time,Last-Modified,Etag,Content-Length,Content-MD5,BlobType,AccessTier\n');
  for (let i = 0; i < count; i++) {
    const tier = i % 997 === 0 ? 'Archive' : 'Hot';
    const line = `${prefix}part-${String(i % 1000).padStart(3, '0')}/file-${i}.parquet,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z,0x8D${i.toString(16)},${(i * 7919) % 5_000_000},,BlockBlob,${tier}\n`;
    if (!out.write(line)) {
      await once(out, 'drain');
    }
  }
  out.end();
  await once(out, 'finish');
}
