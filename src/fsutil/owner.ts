/**
 * Who owns what: user names from `/etc/passwd`, and the hint a permission
 * error should carry (which user ran, who owns the file, and the command that
 * fixes it). A service running as `ferry` that meets a `root:root 0600` file
 * says so in one line instead of a bare "Permission denied".
 * @module
 */

/** A user account from the password database. */
export interface UserEntry {
  name: string;
  uid: number;
  gid: number;
}

/** Largest password file read (a Pi has a few dozen accounts). */
const PASSWD_BYTES_MAX = 4 * 1024 * 1024;

function passwd(file: string): UserEntry[] {
  let text: string;
  try {
    const info = Deno.statSync(file);
    if (!info.isFile || info.size > PASSWD_BYTES_MAX) return [];
    text = Deno.readTextFileSync(file);
  } catch {
    return [];
  }
  const out: UserEntry[] = [];
  for (const line of text.split("\n")) {
    const f = line.split(":");
    if (f.length < 4) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (f[0] && Number.isInteger(uid) && Number.isInteger(gid)) out.push({ name: f[0], uid, gid });
  }
  return out;
}

/** The account called `nameOrUid` (a name or a numeric id), or undefined. */
export function lookupUser(nameOrUid: string, file = "/etc/passwd"): UserEntry | undefined {
  const users = passwd(file);
  if (/^\d+$/.test(nameOrUid)) {
    const uid = Number(nameOrUid);
    return users.find((u) => u.uid === uid) ?? { name: nameOrUid, uid, gid: uid };
  }
  return users.find((u) => u.name === nameOrUid);
}

/** The name of user `uid`, or `uid N` when it has none. */
export function userName(uid: number | null, file = "/etc/passwd"): string {
  if (uid === null) return "an unknown user";
  return passwd(file).find((u) => u.uid === uid)?.name ?? `uid ${uid}`;
}

/** `user NAME (uid N)` for the running process. */
export function processUser(): string {
  const uid = Deno.uid();
  return uid === null ? "this user" : `user ${userName(uid)} (uid ${uid})`;
}

/**
 * What to do about a permission error on `path`: who owns it and with what
 * mode, and the command that lets the running user in.
 */
export function permissionHint(path: string): string {
  const me = Deno.uid();
  const myName = me === null ? "this user" : userName(me);
  let probe = path;
  for (let i = 0; i < 64; i++) {
    try {
      const info = Deno.statSync(probe);
      const owner = userName(info.uid);
      const mode = ((info.mode ?? 0) & 0o7777).toString(8).padStart(4, "0");
      const kind = info.isDirectory ? "folder" : "file";
      return `${probe} is a ${kind} owned by ${owner} with mode ${mode}; ` +
        `run ferry as ${owner}, or give it to ${myName}: chown ${myName} ${probe}` +
        (probe === path ? "" : ` (it is on the way to ${path})`);
    } catch (err) {
      if (!(err instanceof Deno.errors.PermissionDenied || err instanceof Deno.errors.NotFound)) {
        break;
      }
      const parent = probe.replace(/\/[^/]*\/?$/, "") || "/";
      if (parent === probe) break;
      probe = parent;
    }
  }
  return `check the owner and mode of ${path} and the folders above it`;
}
