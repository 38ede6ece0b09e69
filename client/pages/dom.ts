/** Small DOM helpers the pages share: element building, text updates, time and error formatting. */
import type { ApiError } from "../api.ts";

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>;

/**
 * `h("button", {class: "primary", onclick: go}, "Play")`: attributes by name (`class` sets the
 * class list, `on…` adds a listener, `true` sets an empty attribute, false/null/undefined none).
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === false || value === null || value === undefined) continue;
    if (typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = String(value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, ...children);
  return element;
}

/** Appends children, skipping the empty ones. */
export function append(parent: Node & ParentNode, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(typeof child === "number" ? String(child) : child);
  }
}

/** Sets text only when it differs, so screen readers and layout see no change that is not one. */
export function setText(element: Element, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}

/** Shows or hides an element with the `hidden` attribute. */
export function show(element: HTMLElement, visible: boolean): void {
  if (element.hidden === visible) element.hidden = !visible;
}

/** "just now", "3 min ago", "2 h ago", or the date. */
export function ago(epochMs: number, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - epochMs) / 1000));
  if (seconds < 45) return "just now";
  if (seconds < 3600) return `${Math.max(1, Math.round(seconds / 60))} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return new Date(epochMs).toLocaleDateString();
}

/** A sentence for a failed API call. */
export function describeError(error: ApiError): string {
  if (error.code === "network") return "The server could not be reached. Check your connection and try again.";
  if (error.code === "rate-limited") return "Too many requests: wait a minute and try again.";
  const message = error.message.trim();
  return message
    ? message.charAt(0).toUpperCase() + message.slice(1) + (/[.!?]$/.test(message) ? "" : ".")
    : "Something went wrong: try again.";
}

/** An error paragraph, announced to screen readers. */
export function errorBox(text = ""): HTMLParagraphElement {
  const box = h("p", { class: "error", role: "alert" }, text);
  box.hidden = text === "";
  return box;
}

/** Replaces the current address (no new history entry) and shows its page. */
export function replace(path: string): void {
  history.replaceState(null, "", path);
  // The router listens to popstate; a synthetic one makes it draw the new address.
  window.dispatchEvent(new PopStateEvent("popstate"));
}

/** Sets the document title: "<what> · Ply". */
export function title(what: string | null): void {
  document.title = what ? `${what} · Ply` : "Ply: turn-based games";
}

/** Copies `text`, answering whether it worked (the Clipboard API needs a secure context). */
export async function copy(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
