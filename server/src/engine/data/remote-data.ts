/**
 * Registry and advisory data the remote rules read. Filled by the data plane (issue #4).
 */
export interface RemoteData {
  /** Packuments by package name (undefined when the lookup failed). */
  packuments: Map<string, unknown>;
}
