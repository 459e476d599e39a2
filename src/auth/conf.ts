/**
 * conf without anyone else's signal handlers. conf writes its file with `atomically`, which loads `when-exit`;
 * at import, when-exit listens for SIGINT, SIGTERM and a dozen other signals and, after purging temporary files,
 * sends the signal to the process again. That second signal is the "Ctrl-C again" that quits a sync at once
 * (2,000 records sent, 1,200 recorded, no summary). conf writes synchronously, so no signal can be handled in the
 * middle of a write and there is never a temporary file for those handlers to purge: removing exactly the signal
 * listeners that loading conf added loses nothing. The signals of a run are sfsync's own (see deps.ts).
 */
type Listener = (...args: unknown[]) => void;

function signalListeners(): Map<string | symbol, Set<Listener>> {
  const all = new Map<string | symbol, Set<Listener>>();
  for (const event of process.eventNames())
    if (typeof event === 'string' && event.startsWith('SIG'))
      all.set(event, new Set(process.rawListeners(event) as Listener[]));
  return all;
}

const before = signalListeners();
const { default: Conf } = await import('conf');
for (const [event, listeners] of signalListeners())
  for (const listener of listeners)
    if (!before.get(event)?.has(listener)) process.removeListener(event, listener);

export default Conf;
