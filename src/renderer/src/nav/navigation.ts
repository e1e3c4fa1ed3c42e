// Where the dashboard is: the page (a region's machines or VMs, the fleet's), the drawer open
// over it, and what a link named that does not exist. Every move the user makes is a history
// entry, so the browser's Back and Forward walk them; the URL is the route's hash (route.ts).
// A drawer's history entry remembers the page behind it, so Back from a drawer lands there.

import { createStore, type StoreApi } from 'zustand/vanilla';
import { type Drawer, formatHash, HOME, type Page, parseHash, type Route, samePage } from './route';

export interface NavState {
  page: Page;
  drawer: Drawer | null;
  /** The hash could not be read at all (`#/what/ever`): the page says so. */
  badLink: string | null;
}

export interface Navigation {
  store: StoreApi<NavState>;
  /** Shows a page (closing any drawer): a new history entry unless `replace`. */
  showPage(page: Page, options?: { replace?: boolean }): void;
  /** Opens a drawer over the current page: a new history entry (replacing an open drawer's). */
  openDrawer(drawer: Drawer): void;
  /** Closes the drawer: back to the page's own entry. */
  closeDrawer(): void;
  /** The drawer's entity lives in `region`: show that region behind it when nothing is. */
  placeBehind(region: string): void;
  dispose(): void;
}

interface HistoryLike {
  readonly state: unknown;
  pushState(state: unknown, unused: string, url: string): void;
  replaceState(state: unknown, unused: string, url: string): void;
}

export interface NavDeps {
  location: { hash: string; pathname: string; search: string };
  history: HistoryLike;
  /** popstate and hashchange listeners; returns the remover. */
  listen(cb: () => void): () => void;
  /** The page changed region: the dashboard loads it. */
  onRegion(code: string | null): void;
}

/** What a history entry carries: the page behind a drawer, and whether the page has shown a drawer before. */
interface Entry {
  page: Page;
  behind?: boolean;
}

const isPage = (v: unknown): v is Page =>
  typeof v === 'object' &&
  v !== null &&
  'tab' in v &&
  'region' in v &&
  ((v as Page).tab === 'vms' || (v as Page).tab === 'machines');

export function createNavigation(deps: NavDeps): Navigation {
  const { location, history } = deps;
  const initial = parseHash(location.hash);
  const store = createStore<NavState>(() => ({
    page: initial?.page ?? HOME,
    drawer: initial?.drawer ?? null,
    badLink: initial ? null : location.hash,
  }));
  // A drawer opened cold has no page behind it yet: `behindKnown` says placeBehind may fill it.
  let behindKnown = initial?.page !== null;
  const url = (hash: string) => `${location.pathname}${location.search}${hash}`;
  const entry = (page: Page, behind = false): Entry => ({ page, behind });
  history.replaceState({ ...(history.state as object), ...entry(store.getState().page) }, '', url(location.hash));

  const setPage = (page: Page) => {
    const before = store.getState().page;
    if (before.region !== page.region) deps.onRegion(page.region);
  };

  const fromUrl = () => {
    const route: Route | null = parseHash(location.hash);
    const saved = (history.state as Entry | null)?.page;
    if (!route) {
      store.setState({ badLink: location.hash, drawer: null });
      return;
    }
    const page = route.page ?? (isPage(saved) ? saved : store.getState().page);
    setPage(page);
    behindKnown = route.page !== null || isPage(saved);
    store.setState({ page, drawer: route.drawer, badLink: null });
  };
  const stop = deps.listen(fromUrl);

  return {
    store,
    showPage(page, options) {
      const s = store.getState();
      if (!s.drawer && !s.badLink && samePage(s.page, page)) return;
      const hash = formatHash({ page, drawer: null });
      if (options?.replace) history.replaceState(entry(page), '', url(hash));
      else history.pushState(entry(page), '', url(hash));
      setPage(page);
      behindKnown = true;
      store.setState({ page, drawer: null, badLink: null });
    },
    openDrawer(drawer) {
      const s = store.getState();
      if (s.drawer?.kind === drawer.kind && s.drawer.id === drawer.id) return;
      const hash = formatHash({ page: s.page, drawer });
      // Drawer to drawer (a VM's machine, a machine's VM) is a step too: Back returns to the first.
      history.pushState(entry(s.page, true), '', url(hash));
      store.setState({ drawer, badLink: null });
    },
    closeDrawer() {
      const s = store.getState();
      if (!s.drawer) return;
      const hash = formatHash({ page: s.page, drawer: null });
      history.pushState(entry(s.page), '', url(hash));
      store.setState({ drawer: null });
    },
    placeBehind(region) {
      if (behindKnown) return;
      behindKnown = true;
      const page: Page = { region, tab: 'machines' };
      history.replaceState(entry(page, true), '', url(location.hash));
      setPage(page);
      store.setState({ page });
    },
    dispose: stop,
  };
}
