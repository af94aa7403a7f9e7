/**
 * The link emulator: a discrete-event {@linkcode SimClock}, a half-duplex
 * {@linkcode RadioChannel} of two FrameLinks (rate, MTU, loss, bursty
 * loss, corruption, latency, turnaround, collisions), and a
 * {@linkcode BytePipe} of two ByteLinks. Everything is seeded and runs on
 * simulated time.
 *
 * @example
 * ```ts
 * import { RadioChannel, SimClock } from "./mod.ts";
 * const clock = new SimClock();
 * const radio = new RadioChannel({
 *   clock, bitsPerSecond: 5469, mtu: 255, turnaroundMs: 60,
 *   loss: { kind: "independent", p: 0.1 }, seed: 42,
 * });
 * console.assert(radio.a.mtu === 255);
 * ```
 * @module
 */

export { BytePipe, type BytePipeOptions } from "./byte_pipe.ts";
export { createLossModel, type LossModel, type LossSpec } from "./loss.ts";
export { Prng } from "./prng.ts";
export {
  type Fate,
  RadioChannel,
  type RadioChannelOptions,
  type Side,
  type Transmission,
} from "./radio_channel.ts";
export { type TncLatency, TncStation } from "./tnc_station.ts";
export { SimClock, type SimRunOptions, SimulationStalledError } from "./sim_clock.ts";
