// The dashboard's addresses, in the hash so they work wherever the page is served from (the
// desktop app's flylight://app/, the proxy's port in a browser) without the server knowing them:
//   #/SIN (also #/regions/SIN)   a region's machines          #/SIN/vms   a region's VMs
//   #/vms                        every VM of the fleet        #/          the overview
//   #/vms/vm-3f9c2a7d1b0e        a VM's drawer                #/machines/sin-m01   a machine's
// A drawer opens over the page it was opened from; a drawer link opened cold shows its
// entity's region behind it. Pure: parsed and written here, kept in the history by navigation.ts.

export type Tab = 'machines' | 'vms';

export interface Page {
  /** Null: the fleet (the overview, or every VM). */
  region: string | null;
  tab: Tab;
}

export type Drawer = { kind: 'vm'; id: string } | { kind: 'machine'; id: string };

export type Route = { page: Page; drawer: null } | { page: Page | null; drawer: Drawer };

export const HOME: Page = { region: null, tab: 'machines' };

const REGION = /^[A-Za-z0-9][A-Za-z0-9-]{0,15}$/;
const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** The route a hash names; null when it names nothing the dashboard has (said so on the page). */
export function parseHash(hash: string): Route | null {
  const path = hash.replace(/^#\/?/, '').replace(/\/+$/, '');
  if (path === '') return { page: HOME, drawer: null };
  let parts: string[];
  try {
    parts = path.split('/').map(decodeURIComponent);
  } catch {
    return null;
  }
  const [a, b, c] = parts;
  if (parts.length === 1 && (a === 'machines' || a === 'regions')) return { page: HOME, drawer: null };
  if (parts.length === 1 && a === 'vms') return { page: { region: null, tab: 'vms' }, drawer: null };
  if (parts.length === 2 && a === 'vms' && ID.test(b)) return { page: null, drawer: { kind: 'vm', id: b } };
  if (parts.length === 2 && a === 'machines' && ID.test(b)) return { page: null, drawer: { kind: 'machine', id: b } };
  const region = a === 'regions' ? b : a;
  const rest = a === 'regions' ? parts.slice(2) : parts.slice(1);
  if (!region || !REGION.test(region) || rest.length > 1) return null;
  if (rest.length === 1 && rest[0] !== 'vms' && rest[0] !== 'machines') return null;
  if (c !== undefined && a !== 'regions') return null;
  return { page: { region: region.toUpperCase(), tab: rest[0] === 'vms' ? 'vms' : 'machines' }, drawer: null };
}

/** The hash of a route: a drawer's own address when one is open, else the page's. */
export function formatHash(route: { page: Page | null; drawer: Drawer | null }): string {
  const d = route.drawer;
  if (d) return `#/${d.kind === 'vm' ? 'vms' : 'machines'}/${encodeURIComponent(d.id)}`;
  const p = route.page ?? HOME;
  if (p.region === null) return p.tab === 'vms' ? '#/vms' : '';
  return `#/${p.region}${p.tab === 'vms' ? '/vms' : ''}`;
}

export function samePage(a: Page, b: Page): boolean {
  return a.region === b.region && a.tab === b.tab;
}
