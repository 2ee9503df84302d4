/**
 * Edits hdh.yaml in place, keeping the operator's comments and layout. The edited text is validated
 * before it replaces the old file, so a bad edit never leaves a hub that cannot start.
 * @module
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument, type Document } from 'yaml';
import { writeFileAtomic } from '../fs.js';
import { CONFIG_FILE, parseConfig, type LoadedConfig } from './loader.js';

export async function editConfigFile(
  home: string,
  edit: (doc: Document) => void,
  options: {
    /** Runs on the edited configuration before it is written; throwing leaves the file as it was. */
    readonly beforeWrite?: (loaded: LoadedConfig) => Promise<void>;
    readonly env?: Record<string, string | undefined>;
  } = {},
): Promise<LoadedConfig> {
  const file = join(home, CONFIG_FILE);
  const doc = parseDocument(readFileSync(file, 'utf8'));
  edit(doc);
  const text = doc.toString();
  // Validate without environment overrides: the file itself must be right.
  parseConfig(text, file, {});
  const loaded = parseConfig(text, file, options.env ?? {});
  await options.beforeWrite?.(loaded);
  await writeFileAtomic(file, text, { mode: 0o600 });
  return loaded;
}
