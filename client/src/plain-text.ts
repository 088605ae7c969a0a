/**
 * Text for a notification. VS Code turns `[label](https://…)`, `[label](command:…)` and
 * `[label](file:…)` in a notification's message into links, and opens them with commands
 * allowed: a package name, a file name or an advisory summary in a message could
 * otherwise add a button that runs any command. Breaking every `](` leaves no link; line
 * breaks and other controls become spaces, and the text is cut to `max`.
 */
export function plainMessage(s: string, max = 400): string {
  const cut = s.length > max ? `${s.slice(0, max)}…` : s;
  return cut.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, ' ').replace(/\]\s*\(/g, '] (');
}
