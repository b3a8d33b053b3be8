// The vault folder on OPFS, written in place: a tiny Emscripten filesystem
// whose only files are the vault's three (core.constants.files), each backed
// by a FileSystemSyncAccessHandle opened once when the Worker starts (the
// model is SQLite's opfs-sahpool). The core's pread/pwrite/ftruncate/fsync
// become handle.read/write/truncate/flush, synchronously, so a write is
// durable when the core's call returns and an overwrite leaves no older copy
// of the bytes in the profile. No name is ever created, renamed or deleted
// through it: that is what keeps the OPFS directory index from growing a
// history of Hush's files.
import { HushError } from './errors.js';

const EPERM = 63;
const ENOENT = 44;
const EINVAL = 28;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

// The OPFS directory of a vault: a name that says nothing of the vault's
// name (which may be telling) nor of Hush.
export async function vaultDirName(name) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`hush vault ${name}`));
  return Array.from(new Uint8Array(digest).slice(0, 8), (b) => b.toString(16).padStart(2, '0')).join('');
}

export function opfsAvailable() {
  return typeof FileSystemFileHandle === 'function' &&
    typeof FileSystemFileHandle.prototype.createSyncAccessHandle === 'function';
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// A sync access handle is exclusive: while the Worker of a previous page (a
// reload, a lock) is still being torn down, creating one fails with
// NoModificationAllowedError. Retry with back-off for about 2 s.
async function createHandle(fileHandle, budgetMs = 2000) {
  const deadline = performance.now() + budgetMs;
  for (let delay = 10; ; delay = Math.min(delay * 2, 250)) {
    try {
      return await fileHandle.createSyncAccessHandle();
    } catch (error) {
      if (error?.name !== 'NoModificationAllowedError' && error?.name !== 'InvalidStateError') throw error;
      if (performance.now() + delay > deadline) {
        throw new HushError('ERR_VAULT_IN_USE', 'this vault is still held by another page');
      }
      await sleep(delay);
    }
  }
}

// Opens (creating them if needed) the three files of the vault in OPFS
// directory dirName. Returns { dir, handles: { name: handle }, close() }.
export async function openOpfsVault(dirName, names) {
  const root = await navigator.storage.getDirectory();
  const dir = await root.getDirectoryHandle(dirName, { create: true });
  const handles = {};
  try {
    for (const name of names) {
      handles[name] = await createHandle(await dir.getFileHandle(name, { create: true }));
    }
  } catch (error) {
    for (const handle of Object.values(handles)) handle.close();
    throw error;
  }
  let open = true;
  return {
    dir,
    handles,
    // Synchronous, so it can run right before a deletion or terminate().
    close() {
      if (!open) return;
      open = false;
      for (const handle of Object.values(handles)) {
        try { handle.flush(); } catch { /* closing anyway */ }
        handle.close();
      }
    },
  };
}

// Removes every entry of the vault's directory other than its own files:
// left by another release, or planted; nothing of the vault lives there.
export async function removeOrphans(dir, names) {
  const errors = [];
  const others = [];
  for await (const name of dir.keys()) if (!names.includes(name)) others.push(name);
  for (const name of others) {
    try { await dir.removeEntry(name, { recursive: true }); } catch (error) { errors.push(error); }
  }
  return errors;
}

// The Emscripten filesystem. Mount with
//   FS.mount(createOpfsFS(FS), { handles }, '/vault')
export function createOpfsFS(FS) {
  const handleOf = (node) => node.handle;
  const stat = (node, size) => {
    const now = new Date(0); // no times: nothing to learn from them
    return { dev: 1, ino: node.id, mode: node.mode, nlink: 1, uid: 0, gid: 0, rdev: 0, size,
      atime: now, mtime: now, ctime: now, blksize: 4096, blocks: Math.ceil(size / 4096) };
  };

  const fileNodeOps = {
    getattr: (node) => stat(node, handleOf(node).getSize()),
    setattr(node, attr) {
      if (attr.size !== undefined) handleOf(node).truncate(attr.size);
      // mode and timestamps: not stored.
    },
  };

  const streamOps = {
    open() {},
    close() {},
    read(stream, buffer, offset, length, position) {
      return handleOf(stream.node).read(buffer.subarray(offset, offset + length), { at: position });
    },
    write(stream, buffer, offset, length, position) {
      return handleOf(stream.node).write(buffer.subarray(offset, offset + length), { at: position });
    },
    llseek(stream, offset, whence) {
      let position = offset;
      if (whence === 1) position += stream.position;
      else if (whence === 2) position += handleOf(stream.node).getSize();
      if (position < 0) throw new FS.ErrnoError(EINVAL);
      return position;
    },
    fsync(stream) {
      handleOf(stream.node).flush();
      return 0;
    },
  };

  const denied = () => { throw new FS.ErrnoError(EPERM); };
  const dirNodeOps = {
    getattr: (node) => stat(node, 4096),
    setattr() {},
    lookup: () => { throw new FS.ErrnoError(ENOENT); }, // the three files are always in FS's name table
    mknod(parent, name) {
      // Only the three files exist, and they always do.
      const node = parent.contents[name];
      if (!node) throw new FS.ErrnoError(EPERM);
      return node;
    },
    readdir: (node) => ['.', '..', ...Object.keys(node.contents)],
    unlink: denied,
    rename: denied,
    rmdir: denied,
    symlink: denied,
    readlink: denied,
  };

  return {
    mount(mount) {
      const root = FS.createNode(null, '/', S_IFDIR | 0o700, 0);
      root.node_ops = dirNodeOps;
      root.stream_ops = {};
      root.contents = {};
      for (const name of Object.keys(mount.opts.handles)) {
        const node = FS.createNode(root, name, S_IFREG | 0o600, 0);
        node.node_ops = fileNodeOps;
        node.stream_ops = streamOps;
        node.handle = mount.opts.handles[name];
        root.contents[name] = node;
      }
      return root;
    },
  };
}
