import { alertMessage, takeNewAlerts } from '../alerts';
import { placesOf } from '../diagnostics';
import type { Pipeline } from '../pipeline';
import { AlertNotification } from '../protocol';
import type { ServerState } from '../state';
import type { WorkspaceFolderState } from '../workspace-folder';

/**
 * Every interval, ask the advisory service again about every folder's locked versions and
 * alert once per new malware or critical advisory (alerts.ts decides which). One timer at
 * the shortest interval any folder asks for; the check itself is a pass of the pipeline,
 * so it waits its turn behind lookups already running.
 */
export class AlertChecker {
  private readonly seen = new Map<WorkspaceFolderState, Set<string>>();
  private timer: NodeJS.Timeout | undefined;
  /** Bumped by every (re)schedule: a timer set by an older schedule does not set the next one. */
  private scheduleSeq = 0;
  private checking = false;

  constructor(
    private readonly state: ServerState,
    private readonly pipeline: Pipeline,
  ) {}

  /** (Re)starts the timer from the current settings (at start and after every settings change). */
  async schedule(): Promise<void> {
    const seq = ++this.scheduleSeq;
    clearTimeout(this.timer);
    const settings = await Promise.all(this.state.folders.map((f) => this.state.settingsFor(f)));
    const intervals = settings.map((s) => s.alertIntervalMs).filter((ms) => ms > 0);
    if (seq !== this.scheduleSeq || intervals.length === 0) return;
    this.timer = setTimeout(async () => {
      if (this.checking) return void this.schedule();
      this.checking = true;
      try {
        await Promise.all(this.state.folders.map((f) => this.check(f)));
      } finally {
        this.checking = false;
      }
      if (seq === this.scheduleSeq) void this.schedule();
    }, Math.min(...intervals));
  }

  private async check(folder: WorkspaceFolderState): Promise<void> {
    const settings = await this.state.settingsFor(folder);
    if (!settings.enable || settings.offline || settings.advisories === null || settings.alertIntervalMs === 0) return;
    // Not before the folder's first lookups landed (every advisory would look new), nor during one.
    if (!folder.result || !folder.remote || this.pipeline.isLookingUp(folder)) return;
    const seen = this.seen.get(folder) ?? new Set<string>();
    this.seen.set(folder, seen);
    // What is published already was seen (as a diagnostic): only what this check brings is news.
    takeNewAlerts(folder.result, folder.remote, seen);
    const result = await this.pipeline.refresh(folder, { revalidateAdvisories: true });
    if (!result) return;
    const rangeOf = this.state.rangeOf(folder, result);
    for (const alert of takeNewAlerts(result, folder.remote, seen)) {
      // Where the Problems panel shows the finding (depwarden.lockfileFindings).
      const place = placesOf(alert.finding, settings.lockfileFindings).shown[0];
      const range = rangeOf(place.file, place.span);
      if (range) void this.state.connection.sendNotification(AlertNotification, { message: alertMessage(alert), uri: folder.uriOf(place.file), range });
    }
  }
}
