// Navigation over a fake history that behaves as the browser's: push, replace, back, forward,
// and a popstate on each move through the entries.

import { describe, expect, it } from 'vitest';
import { createNavigation } from '../../../../src/renderer/src/nav/navigation';

function fakeBrowser(hash: string) {
  const entries: { state: unknown; hash: string }[] = [{ state: null, hash }];
  let at = 0;
  const listeners = new Set<() => void>();
  const location = { hash, pathname: '/', search: '' };
  const go = (i: number) => {
    at = i;
    location.hash = entries[at].hash;
    for (const l of listeners) l();
  };
  const hashOf = (url: string) => url.slice(url.indexOf('#') === -1 ? url.length : url.indexOf('#'));
  return {
    location,
    history: {
      get state() {
        return entries[at].state;
      },
      pushState(state: unknown, _: string, url: string) {
        entries.splice(at + 1);
        entries.push({ state, hash: hashOf(url) });
        at++;
        location.hash = hashOf(url);
      },
      replaceState(state: unknown, _: string, url: string) {
        entries[at] = { state, hash: hashOf(url) };
        location.hash = hashOf(url);
      },
    },
    listen(cb: () => void) {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    back: () => go(at - 1),
    forward: () => go(at + 1),
    length: () => entries.length,
  };
}

function setup(hash: string) {
  const b = fakeBrowser(hash);
  const regions: (string | null)[] = [];
  const nav = createNavigation({ ...b, onRegion: (c) => regions.push(c) });
  return { b, nav, regions };
}

describe('navigation', () => {
  it('starts where the link says, a bad link marked as such', () => {
    expect(setup('#/SIN/vms').nav.store.getState()).toMatchObject({
      page: { region: 'SIN', tab: 'vms' },
      drawer: null,
    });
    expect(setup('#/no/such/thing').nav.store.getState().badLink).toBe('#/no/such/thing');
  });

  it('makes each page and drawer a history entry, and Back restores the page behind a drawer', () => {
    const { b, nav, regions } = setup('#/SIN');
    nav.showPage({ region: 'NRT', tab: 'machines' });
    nav.showPage({ region: 'NRT', tab: 'vms' });
    nav.openDrawer({ kind: 'vm', id: 'vm-aaaaaa' });
    expect(b.location.hash).toBe('#/vms/vm-aaaaaa');
    nav.openDrawer({ kind: 'machine', id: 'nrt-m01' });
    expect(b.length()).toBe(5);
    expect(regions).toEqual(['NRT']);

    b.back();
    expect(nav.store.getState()).toMatchObject({
      drawer: { kind: 'vm', id: 'vm-aaaaaa' },
      page: { region: 'NRT', tab: 'vms' },
    });
    b.back();
    expect(nav.store.getState()).toMatchObject({ drawer: null, page: { region: 'NRT', tab: 'vms' } });
    b.back();
    expect(nav.store.getState().page).toEqual({ region: 'NRT', tab: 'machines' });
    b.back();
    expect(nav.store.getState().page).toEqual({ region: 'SIN', tab: 'machines' });
    expect(regions).toEqual(['NRT', 'SIN']);
    b.forward();
    expect(nav.store.getState().page.region).toBe('NRT');
  });

  it('shows the entity region behind a drawer opened cold, once, without a new entry', () => {
    const { b, nav, regions } = setup('#/vms/vm-aaaaaa');
    expect(nav.store.getState().drawer).toEqual({ kind: 'vm', id: 'vm-aaaaaa' });
    nav.placeBehind('SYD');
    nav.placeBehind('AMS');
    expect(nav.store.getState().page).toEqual({ region: 'SYD', tab: 'machines' });
    expect(regions).toEqual(['SYD']);
    expect(b.length()).toBe(1);
    nav.closeDrawer();
    expect(b.location.hash).toBe('#/SYD');
  });

  it('does not stack an entry for the page it is on', () => {
    const { b, nav } = setup('#/SIN');
    nav.showPage({ region: 'SIN', tab: 'machines' });
    expect(b.length()).toBe(1);
  });
});
