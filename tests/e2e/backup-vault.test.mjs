// Backups through the facade, in each browser (Chromium, Firefox ESR): an
// export with progress, and one cancelled; an import cancelled midway and
// one during which the store answers ERR_BUSY, both leaving no identity;
// then a whole import with the same Session ID, the untimed messages and
// the attachment's bytes, and no timed message. Afterwards the profile's
// raw files, read offline as an examiner would, hold neither a message
// canary nor the WebDAV app password kept in the vault's settings.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { BROWSERS, launch, server, stopServer } from './browser.mjs';
import { TEST_KDF, blankPage, evaluate } from './harness.mjs';
import { filesContaining } from './forensics.mjs';

after(stopServer);

for (const kind of BROWSERS) {
  test(`export, cancel, busy, import; nothing readable in the profile (${kind})`, { timeout: 120_000 }, async () => {
    const canary = `CANARY-backup-${randomBytes(8).toString('hex')}`;
    const password = `app-password-${randomBytes(8).toString('hex')}`;
    const { url } = await server();
    const browser = await launch({ browser: kind });
    try {
      const page = await blankPage(browser, url);
      const r = await evaluate(page, async ({ kdf, body, password: secret }) => {
        const { Hush } = await import('/src/hush.js');
        const source = await Hush.open({ name: 'source', kdf, clearSiteDataUrl: null });
        const target = await Hush.open({ name: 'target', kdf, clearSiteDataUrl: null });
        await source.create('2580', { kind: 'pin' });
        await target.create('1111', { kind: 'pin' });
        const me = await source.createIdentity({ name: 'Sam' });
        for (let i = 0; i < 20; i++) await source.addMessage(me.id, { conversation: 'editor', sender: 'editor', body: `${body} ${i}`, sentAt: Date.now() });
        await source.addMessage(me.id, { conversation: 'editor', sender: 'editor', body: 'TIMED', sentAt: Date.now(), disappearing: { mode: 'after-send', seconds: 3600 } });
        const first = (await source.messages(me.id, 'editor', { limit: 100 })).find((m) => m.body !== 'TIMED');
        const file = new Uint8Array(3 << 20).map((_, i) => (i * 31) % 256);
        await source.addAttachment(me.id, first.id, { name: 'scan.pdf', type: 'application/pdf', data: file });
        await source.setSetting('backup.webdav', JSON.stringify({ url: 'https://cloud.example/dav/', user: 'sam', password: secret }));
        const out = { progress: [] };

        // an export, whole
        const blob = await source.exportBackupBlob(me.id, { onProgress: (p) => out.progress.push(p) });
        out.size = blob.size;
        // an export cancelled after its first piece
        const stop = new AbortController();
        try {
          await source.exportBackupBlob(me.id, { signal: stop.signal, onProgress: () => stop.abort() });
          out.exportCancel = 'not cancelled';
        } catch (e) { out.exportCancel = e.code; }

        // an import cancelled after its first piece, one that meets ERR_BUSY
        const cancel = new AbortController();
        try {
          await target.importBackup(blob, me.phrase, { signal: cancel.signal, onProgress: () => cancel.abort() });
        } catch (e) { out.importCancel = e.code; }
        try { await target.importBackup(blob.slice(0, blob.size - 1000), me.phrase); } catch (e) { out.cut = e.code; }
        out.afterCancel = (await target.identities()).length;
        let busy = null;
        const restored = await target.importBackup(blob.stream(), me.phrase, {
          onProgress: async () => { busy ??= await target.identities().then(() => 'answered', (e) => e.code); },
        });
        out.busy = busy;
        out.sameId = restored.sessionId === me.sessionId;
        const messages = await target.messages(restored.id, 'editor', { limit: 100 });
        out.bodies = messages.length;
        out.timed = messages.some((m) => m.body === 'TIMED');
        const withFile = messages.find((m) => m.attachments.length);
        const bytes = await target.attachment(restored.id, withFile.attachments[0].id);
        out.fileOk = bytes.length === file.length && bytes.every((b, i) => b === file[i]);
        try { await target.importBackup(blob, me.phrase); } catch (e) { out.again = e.code; }
        await source.lock();
        await target.lock();
        source.close();
        target.close();
        return out;
      }, { kdf: TEST_KDF, body: canary, password });

      assert.equal((r.size - 64) % 65553, 0);
      assert.ok(r.progress.length >= 2 && r.progress.at(-1).done === r.size, 'progress up to the whole size');
      assert.equal(r.exportCancel, 'ERR_CANCELLED');
      assert.equal(r.importCancel, 'ERR_CANCELLED');
      assert.equal(r.afterCancel, 0, 'a cancelled or a cut import leaves no identity');
      assert.equal(r.busy, 'ERR_BUSY', 'the store is held while an import runs');
      assert.ok(r.sameId, 'the same Session ID');
      assert.equal(r.bodies, 20);
      assert.equal(r.timed, false, 'no timed message');
      assert.ok(r.fileOk, 'the attachment, byte for byte');
      assert.equal(r.again, 'ERR_IDENTITY_EXISTS');
      assert.equal(r.cut, 'ERR_BACKUP_TRUNCATED');
    } finally {
      await browser.close({ keepProfile: true });
    }
    const hits = await filesContaining(browser.profileDir, [Buffer.from(canary), Buffer.from(password)]);
    assert.deepEqual(hits.map(([file, i]) => [file.slice(browser.profileDir.length), i]), [],
      'no file of the profile holds 0: a message, 1: the WebDAV app password');
    await browser.close({ keepProfile: false }).catch(() => {});
  });
}
