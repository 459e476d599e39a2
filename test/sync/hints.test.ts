import { describe, expect, it } from 'vitest';
import { useSyncEnv } from '../helpers/sync-env.js';

const { sfsync, write } = useSyncEnv();

describe('hints repeat the user’s command', () => {
  it('the --hard refusal without a terminal keeps --object in its hint', async () => {
    const file = write('del100.csv', 'Id\n003000000000001AAA\n');
    const r = await sfsync(['delete', file, '--object', 'Contact', '--hard']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`sfsync delete ${file} --object Contact --hard --yes`);
  });
});
