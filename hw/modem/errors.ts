/**
 * Typed errors of the modem drivers: each names the module, the command
 * and what the module answered, so a log line says what to fix.
 * @module
 */

/** Base of every modem error. */
export class ModemError extends Error {
  override name = "ModemError";
  /** Driver kind: `rn2483`, `rak3172`, `kiss`, `ebyte`. */
  readonly modem: string;
  /** The command that failed, if any. */
  readonly command: string | undefined;
  /** The module's answer, if any. */
  readonly response: string | undefined;
  constructor(modem: string, message: string, command?: string, response?: string) {
    super(message);
    this.modem = modem;
    this.command = command;
    this.response = response;
  }
}

/** The module did not answer in time. */
export class ModemTimeoutError extends ModemError {
  override name = "ModemTimeoutError";
}

/** The module is busy (RN2483 `busy`, RUI3 `AT_BUSY_ERROR`); retry later. */
export class ModemBusyError extends ModemError {
  override name = "ModemBusyError";
}

/** The module refused a command (`invalid_param`, `AT_PARAM_ERROR`, `AT_ERROR`, ...). */
export class ModemRejectedError extends ModemError {
  override name = "ModemRejectedError";
}

/** The module accepted a frame but reported that transmitting it failed. */
export class ModemTxError extends ModemError {
  override name = "ModemTxError";
}

/** The module answered something ferry does not understand (wrong device, wrong speed). */
export class ModemProtocolError extends ModemError {
  override name = "ModemProtocolError";
}
