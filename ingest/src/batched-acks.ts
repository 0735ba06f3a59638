import type { Writable } from 'node:stream';

/**
 * Acknowledgements in batches: the first message handled after a socket read corks the connection, and it is
 * uncorked once the messages of that read have been handled (setImmediate runs after them), so their PUBACKs leave
 * in one write instead of one system call each. mqtt-packet's own per-packet cork nests inside this one.
 */
export function createAckBatcher(connection: { readonly stream: Pick<Writable, 'cork' | 'uncork'> }): () => void {
  let corked = false;
  return function holdAcks(): void {
    if (corked) return;
    const stream = connection.stream;
    corked = true;
    stream.cork();
    setImmediate(() => {
      corked = false;
      stream.uncork();
    });
  };
}
