/**
 * GPIO lines ferry reads: the busy (AUX) output of radio modules.
 * @module
 */

export {
  type AuxLine,
  auxPollMs,
  AuxTimeoutError,
  ctsAux,
  type HasCts,
  sysfsGpioAux,
  waitForAuxIdle,
} from "./aux_line.ts";
