/**
 * The app's pages, addressed by the URL's hash (#/alerts, #/alerts/<id>, #/rules, …) so the server serves one
 * index.html and a page can be bookmarked or opened on another screen.
 */
export type Page = 'wall' | 'alerts' | 'rules' | 'silences' | 'subscribers';

const PAGES: readonly Page[] = ['wall', 'alerts', 'rules', 'silences', 'subscribers'];

export interface Route {
  page: Page;
  /** The alert opened on the alerts page. */
  id: string | null;
}

function parse(hash: string): Route {
  const [name, id] = hash.replace(/^#\/?/, '').split('/');
  const page = PAGES.find((p) => p === name) ?? 'wall';
  return { page, id: page === 'alerts' && id ? decodeURIComponent(id) : null };
}

export const route = $state<Route>(parse(window.location.hash));

window.addEventListener('hashchange', () => Object.assign(route, parse(window.location.hash)));

export function href(page: Page, id?: string): string {
  return page === 'wall' ? '#/' : `#/${page}${id ? `/${encodeURIComponent(id)}` : ''}`;
}
