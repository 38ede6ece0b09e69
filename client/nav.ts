/** Navigation without reloads: pages call `go`, the router in main.ts registers itself. */
let router: () => void = () => location.reload();

export function onNavigate(route: () => void): void {
  router = route;
}

/** Moves to `path` (same origin) and shows its page. */
export function go(path: string): void {
  history.pushState(null, "", path);
  router();
}
