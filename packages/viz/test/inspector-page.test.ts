import { beforeAll, describe, expect, it } from 'vitest';
import { renderInspectorPage } from '../src/inspector-page.js';

describe('renderInspectorPage: one self-contained page', () => {
  let html = '';
  let script = '';
  beforeAll(async () => {
    html = await renderInspectorPage({ title: 'ops <prod>', base: 'x/' });
    script = /<script>([\s\S]*)<\/script>/.exec(html)?.[1] ?? '';
  });

  it('its inline script is valid JavaScript and reads the data routes under the base', () => {
    expect(script.length).toBeGreaterThan(1000);
    expect(() => new Function(script)).not.toThrow();
    expect(html).toContain('data-base="x/"');
    expect(script).toContain("base + 'events'");
    expect(script).toContain("base + 'state?seq='");
  });

  it('holds the three statecharts, escapes the title, and loads nothing from elsewhere', () => {
    expect(html).toContain('<title>ops &lt;prod&gt;</title>');
    for (const m of ['module', 'converge', 'startup'])
      expect(html).toMatch(new RegExp(`<svg[^>]*data-machine="${m}"`));
    // The module chart is a template each module card clones.
    expect(html).toMatch(/<template id="module-chart"><svg[^>]*data-machine="module"/);
    expect(html.match(/(src|href)\s*=\s*["'][^"']+/g)).toEqual(['href="data:,']);
    expect(html.replaceAll('http://www.w3.org/2000/svg', '')).not.toMatch(/https?:\/\//);
  });
});
