/** Listening, stopping and restarting the test provider's HTTP server on a fixed port. */
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ServerLifecycle {
  /** Resolves with the bound port; a no-op when already listening. */
  listen(port: number): Promise<number>;
  /** Idempotent; destroys open connections. */
  stop(): Promise<void>;
}

export function serverLifecycle(server: Server): ServerLifecycle {
  const sockets = trackSockets(server);
  return {
    listen: (port) => (server.listening ? Promise.resolve(port) : listen(server, port)),
    stop: () => (server.listening ? closeServer(server, sockets) : Promise.resolve()),
  };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Keep-alive sockets would otherwise keep the "stopped" provider reachable. */
function trackSockets(server: Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return sockets;
}

function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    for (const socket of sockets) socket.destroy();
  });
}
