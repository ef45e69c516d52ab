import { Observable } from 'rxjs';
import type { Socket } from 'node:net';

/**
 * A socket's incoming bytes as an Observable: chunks as they arrive, complete on a
 * clean close, error with the socket's error. Unsubscribing only stops listening.
 */
export function fromSocket(socket: Socket): Observable<Buffer> {
  return new Observable<Buffer>((subscriber) => {
    let failure: Error | undefined;
    const onData = (chunk: Buffer) => subscriber.next(chunk);
    const onError = (error: Error) => (failure = error);
    const onClose = () => (failure ? subscriber.error(failure) : subscriber.complete());
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    return () => {
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
    };
  });
}
