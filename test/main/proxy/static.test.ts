// The page's CSP header and its <meta> twin must say the same thing, or one of them quietly
// loosens or breaks the other: the header adds only what a meta tag cannot say.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PAGE_CSP, PAGE_HEADERS } from '../../../src/main/proxy/static';
import { ROOT } from '../../helpers/host';

const directives = (policy: string) =>
  policy
    .split(';')
    .map((d) => d.trim().replace(/\s+/g, ' '))
    .filter(Boolean)
    .sort();

describe('page security headers', () => {
  it("the CSP header is the meta tag's policy plus frame-ancestors 'none'", () => {
    const html = readFileSync(join(ROOT, 'src', 'renderer', 'index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html);
    expect(meta, 'index.html has a CSP meta tag').not.toBeNull();
    expect(directives(PAGE_CSP)).toEqual(directives(`${meta?.[1]}; frame-ancestors 'none'`));
  });

  it('forbid framing, sniffing and Referers', () => {
    expect(PAGE_HEADERS).toMatchObject({
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'content-security-policy': PAGE_CSP,
    });
  });
});
