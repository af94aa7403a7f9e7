/**
 * Fake radio modules for tests: each runs on the module side of a serial
 * link (normally the far end of a socat pty pair) and speaks its module's
 * serial protocol as the manual describes; fakes on one {@linkcode FakeAir}
 * hear each other.
 * @module
 */

export { type AirRadio, FakeAir } from "./air.ts";
export {
  FAKE_EBYTE_BUFFER_BYTES,
  FAKE_EBYTE_RSSI,
  FakeEbyte,
  type FakeEbyteOptions,
} from "./fake_ebyte.ts";
export { FakeKissTnc, type FakeKissTncOptions } from "./fake_kiss_tnc.ts";
export { FakeRak3172, type FakeRak3172Options } from "./fake_rak3172.ts";
export { FakeRn2483, type FakeRn2483Options } from "./fake_rn2483.ts";
