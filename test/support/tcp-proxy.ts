// A TCP proxy on a loopback port, in front of a real server, that can fail as networks do: it can
// black-hole the traffic (a partition: connections are accepted and bytes held, nothing
// forwarded, until it heals and forwards everything held), and it can refuse (every connection
// closed at once). Tests point a client at the proxy and break the network under it.
import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';

/** What the proxy does with traffic. */
export type ProxyMode = 'forward' | 'blackhole' | 'refuse';

/** A running proxy. */
export interface TcpProxy {
  /** The proxy's port on 127.0.0.1. */
  readonly port: number;
  /** Holds every byte, both ways, of open and new connections; new ones are accepted but not connected onwards. */
  blackhole(): void;
  /** Forwards again: connects the connections accepted meanwhile, then sends everything held, in order. */
  heal(): void;
  /** Closes every open connection, and each new one as soon as it is accepted, until healed. */
  refuse(): void;
  /**
   * Sends new connections to another port of 127.0.0.1 (e.g. one where nothing listens) and closes
   * the open ones, as a server that went away would.
   */
  retarget(port: number): void;
  /** Closes every connection and stops listening. */
  close(): Promise<void>;
}

// One client connection and its way on to the target.
interface Link {
  readonly client: Socket;
  upstream: Socket | undefined;
  // Bytes held until they can be forwarded: to the target, and back to the client.
  readonly toTarget: Buffer[];
  readonly toClient: Buffer[];
}

/** Starts a proxy on a free loopback port, forwarding to 127.0.0.1:`targetPort`. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let target = targetPort;
  let mode: ProxyMode = 'forward';
  const links = new Set<Link>();

  const drop = (link: Link) => {
    links.delete(link);
    link.client.destroy();
    link.upstream?.destroy();
  };
  const flush = (link: Link) => {
    if (link.upstream === undefined || link.upstream.connecting) return;
    for (const chunk of link.toTarget.splice(0)) link.upstream.write(chunk);
    for (const chunk of link.toClient.splice(0)) link.client.write(chunk);
  };
  const connectOnwards = (link: Link) => {
    const upstream = connect(target, '127.0.0.1');
    link.upstream = upstream;
    upstream.on('connect', () => {
      if (mode === 'forward') flush(link);
    });
    upstream.on('data', (chunk: Buffer) => {
      link.toClient.push(chunk);
      if (mode === 'forward') flush(link);
    });
    // The target refused, failed or closed: so does the proxy, as the target would have.
    upstream.on('error', () => drop(link));
    upstream.on('close', () => drop(link));
  };

  const server: Server = createServer((client) => {
    if (mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    const link: Link = { client, upstream: undefined, toTarget: [], toClient: [] };
    links.add(link);
    client.on('data', (chunk: Buffer) => {
      link.toTarget.push(chunk);
      if (mode === 'forward') flush(link);
    });
    client.on('error', () => drop(link));
    client.on('close', () => drop(link));
    if (mode === 'forward') connectOnwards(link);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');

  return {
    port: (server.address() as AddressInfo).port,
    blackhole() {
      mode = 'blackhole';
    },
    heal() {
      mode = 'forward';
      for (const link of links) {
        if (link.upstream === undefined) connectOnwards(link);
        else flush(link);
      }
    },
    refuse() {
      mode = 'refuse';
      for (const link of links) drop(link);
    },
    retarget(port) {
      target = port;
      for (const link of links) drop(link);
    },
    async close() {
      for (const link of links) drop(link);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
