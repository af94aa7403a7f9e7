/**
 * Strict mocks and fixtures of ferry's hardware contracts, for tests and
 * benchmarks: mock byte and frame link pairs with realistic knobs, a
 * manually driven clock, a seeded random source, and socat pty pairs.
 * Fake modems that speak real module protocols live in `fake_modems/`.
 * @module
 */

export { ManualClock } from "./manual_clock.ts";
export {
  createMockByteLinkPair,
  MockByteLinkEnd,
  type MockByteLinkOptions,
  type MockByteLinkPair,
} from "./mock_byte_link.ts";
export {
  createMockFrameLinkPair,
  MockFrameLinkEnd,
  type MockFrameLinkOptions,
  type MockFrameLinkPair,
} from "./mock_frame_link.ts";
export { randomInt, seededRandom } from "./seeded_random.ts";
export { type SocatPtyPair, startSocatPtyPair } from "./socat_pty_pair.ts";
