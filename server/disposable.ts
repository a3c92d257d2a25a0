/** A running part of Vigil (server, sweeper, worker): `dispose()` stops it and resolves when it has. */
export interface Disposable {
  dispose(): Promise<void>;
}
