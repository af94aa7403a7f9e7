/**
 * Small promise wrappers around `node:dgram` IPv6 sockets (which, unlike
 * `Deno.listenDatagram`, needs no unstable flag and can bind to a scoped
 * link-local or multicast address and join a group on one interface).
 * @module
 */

import dgram from "node:dgram";

/** An open UDP socket. */
export type UdpSocket = dgram.Socket;
/** Where a datagram came from. */
export type UdpFrom = dgram.RemoteInfo;

/** Opens an IPv6 UDP socket bound to `host`:`port` (address reuse on, as NNCP does). */
export function bindUdp6(host: string, port: number): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket({ type: "udp6", reuseAddr: true });
    const onError = (err: Error) => {
      try {
        sock.close();
      } catch { /* already closed */ }
      reject(err);
    };
    sock.once("error", onError);
    sock.bind(port, host, () => {
      sock.off("error", onError);
      resolve(sock);
    });
  });
}

/** Sends one datagram; resolves when the system took it. */
export function sendUdp(
  sock: UdpSocket,
  data: Uint8Array,
  host: string,
  port: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    sock.send(data, port, host, (err) => err ? reject(err) : resolve());
  });
}

/** Closes a socket, ignoring one that is closed already. */
export function closeUdp(sock: UdpSocket): void {
  try {
    sock.close();
  } catch { /* already closed */ }
}
