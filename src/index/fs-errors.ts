// File-system failures while writing into the share, as the core's typed
// errors. Node's messages name absolute paths; these name only the share
// name, so nothing about this host's folders reaches a client (the original
// error stays as `cause`, for the log).
import {
  ConflictError,
  InternalError,
  NameTooLongError,
  NoSpaceError,
  P2pError,
} from '../errors.js';

export function fromFsError(err: unknown, name: string): P2pError {
  if (err instanceof P2pError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new NoSpaceError(`no space left on the device to store "${name}"`, { cause: err });
    case 'ENAMETOOLONG':
      return new NameTooLongError(`"${name}" is too long for the file system`, { cause: err });
    case 'ENOTDIR':
    case 'EISDIR':
      return new ConflictError(`a file and a folder clash on the way to "${name}"`, {
        cause: err,
      });
    default:
      return new InternalError(`cannot store "${name}" (${code ?? 'unknown error'})`, {
        cause: err,
      });
  }
}

/** True for an error a system call raised (it names the call), as opposed to a stream's own. */
export function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).syscall === 'string';
}
