// Flushes writable collections still open when the process exits, so
// buffered writes are not lost to a process.exit() the caller forgot to
// precede with close(). (A normal end of the event loop already flushes
// through the addon's environment cleanup; process.exit() skips that.)
import type { NativeCollection } from '../types/binding';

const open = new Set<WeakRef<NativeCollection>>();
const forget = new FinalizationRegistry<WeakRef<NativeCollection>>((ref) => open.delete(ref));
let hooked = false;

function flushAll(): void {
  for (const ref of open) {
    const native = ref.deref();
    if (!native || native.closed) continue;
    try {
      native.flush();
    } catch (err) {
      process.emitWarning(`zds: flush at exit failed: ${(err as Error).message}`, { code: 'ZDS_EXIT_FLUSH' });
    }
  }
}

/** Registers a writable collection; returns the function that unregisters it. */
export function flushAtExit(native: NativeCollection): () => void {
  if (!hooked) {
    hooked = true;
    process.on('exit', flushAll);
  }
  const ref = new WeakRef(native);
  open.add(ref);
  forget.register(native, ref, ref);
  return () => {
    open.delete(ref);
    forget.unregister(ref);
  };
}
