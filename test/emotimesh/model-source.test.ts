import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { driveConfirmUrl, resolveModelFile } from '../../src/model-files/model-source.js';
import { bufferSource, ZipArchive } from '../../src/vision/emotimesh/zip-reader.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'emotimesh');
const MODEL = readFileSync(join(FIXTURES, 'v2-c2-k5-p0-h2-l1.pth'));
const ONNX = readFileSync(join(FIXTURES, 'v1-c1-k7-p2-h4-l2.onnx'));
const DRIVE_ID = '1AbCdEfGhIjKlMnOpQrStUvWxYz012345';

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void;

let server: Server;
let base: string;
let handler: Handler;
let requests: string[];
let dataDir: string;

function sendFile(res: ServerResponse, body: Buffer): void {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
  res.end(body);
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', base);
    requests.push(`${url.pathname}${url.search}`);
    handler(req, res, url);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  requests = [];
  dataDir = mkdtempSync(join(tmpdir(), 'emotimesh-source-'));
  return () => rmSync(dataDir, { recursive: true, force: true });
});

const modelFiles = () => readdirSync(join(dataDir, 'models'));

describe('resolveModelFile', () => {
  it('returns undefined when no model is configured, and a local MODEL_PATH as is', async () => {
    expect(await resolveModelFile({ dataDir })).toBeUndefined();
    const path = join(FIXTURES, 'v2-c2-k5-p0-h2-l1.pth');
    expect(await resolveModelFile({ dataDir, modelPath: path })).toBe(path);
    await expect(resolveModelFile({ dataDir, modelPath: join(dataDir, 'nope.pth') })).rejects.toThrow(
      /MODEL_PATH .*nope\.pth does not exist/,
    );
    await expect(resolveModelFile({ dataDir, modelPath: dataDir })).rejects.toThrow(/is not a file/);
  });

  it('downloads MODEL_URL once into DATA_DIR/models and reuses it', async () => {
    handler = (_req, res) => sendFile(res, MODEL);
    const logs: string[] = [];
    const path = await resolveModelFile({ dataDir, modelUrl: `${base}/files/EmotiMesh_Net.pth` }, (m) =>
      logs.push(m),
    );
    expect(path).toMatch(/models\/EmotiMesh_Net-[0-9a-f]{10}\.pth$/);
    expect(readFileSync(path!).equals(MODEL)).toBe(true);
    expect(logs.join('\n')).toMatch(/downloading/);
    expect(logs.join('\n')).toMatch(/model: saved .* MB in/);
    const again = await resolveModelFile({ dataDir, modelUrl: `${base}/files/EmotiMesh_Net.pth` });
    expect(again).toBe(path);
    expect(requests).toHaveLength(1);
    expect(modelFiles()).toEqual([path!.split('/').pop()]);
  });

  it('names a downloaded ONNX model .onnx whatever the URL says', async () => {
    handler = (_req, res) => sendFile(res, ONNX);
    const path = await resolveModelFile({ dataDir, modelUrl: `${base}/download?file=42` });
    expect(path).toMatch(/\.onnx$/);
  });

  it('follows the Google Drive confirmation form (drive.usercontent.google.com style)', async () => {
    handler = (_req, res, url) => {
      if (url.pathname === '/uc') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(`<!DOCTYPE html><html><head><title>Google Drive - Virus scan warning</title></head><body>
          <p>Google Drive can't scan this file for viruses.</p>
          <form id="download-form" action="${base}/download" method="get">
            <input type="submit" id="uc-download-link" class="goog-inline-block jfk-button jfk-button-action" value="Download anyway"/>
            <input type="hidden" name="id" value="${DRIVE_ID}"><input type="hidden" name="export" value="download">
            <input type="hidden" name="confirm" value="t"><input type="hidden" name="uuid" value="9f3b-uuid"></form></body></html>`);
      } else if (
        url.pathname === '/download' &&
        url.searchParams.get('confirm') === 't' &&
        url.searchParams.get('uuid') === '9f3b-uuid' &&
        url.searchParams.get('id') === DRIVE_ID
      ) {
        sendFile(res, MODEL);
      } else {
        res.writeHead(400).end();
      }
    };
    const path = await resolveModelFile({ dataDir, modelDownloadId: DRIVE_ID }, { driveBaseUrl: base });
    expect(path).toBe(join(dataDir, 'models', `gdrive-${DRIVE_ID}.pth`));
    expect(readFileSync(path!).equals(MODEL)).toBe(true);
    expect(requests[0]).toBe(`/uc?export=download&id=${DRIVE_ID}`);
    expect(requests).toHaveLength(2);
    expect(await resolveModelFile({ dataDir, modelDownloadId: DRIVE_ID }, { driveBaseUrl: base })).toBe(path);
    expect(requests).toHaveLength(2);
  });

  it('follows the older Google Drive confirm link with its download_warning cookie', async () => {
    handler = (req, res, url) => {
      if (
        url.searchParams.get('confirm') === 'Xy_9' &&
        /download_warning_13058=Xy_9/.test(req.headers.cookie ?? '')
      ) {
        sendFile(res, MODEL);
        return;
      }
      res.writeHead(200, {
        'content-type': 'text/html',
        'set-cookie': 'download_warning_13058=Xy_9; Path=/uc; HttpOnly',
      });
      res.end(
        `<html><body><a id="uc-download-link" href="/uc?export=download&amp;confirm=Xy_9&amp;id=${DRIVE_ID}">Download anyway</a></body></html>`,
      );
    };
    const path = await resolveModelFile({ dataDir, modelDownloadId: DRIVE_ID }, { driveBaseUrl: base });
    expect(readFileSync(path!).equals(MODEL)).toBe(true);
  });

  it('takes a small Drive file served directly', async () => {
    handler = (_req, res) => sendFile(res, MODEL);
    const path = await resolveModelFile({ dataDir, modelDownloadId: DRIVE_ID }, { driveBaseUrl: base });
    expect(readFileSync(path!).equals(MODEL)).toBe(true);
    expect(requests).toHaveLength(1);
  });

  it('explains a Drive page without a download (not shared, quota)', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(
        '<html><head><title>Google Drive - Access denied</title></head><body>You need access</body></html>',
      );
    };
    await expect(
      resolveModelFile({ dataDir, modelDownloadId: DRIVE_ID }, { driveBaseUrl: base }),
    ).rejects.toThrow(/Google Drive did not serve file .*Access denied.*anyone with the link/);
    expect(modelFiles()).toEqual([]);
  });

  it('fails clearly on HTTP 404 and leaves nothing behind', async () => {
    handler = (_req, res) => res.writeHead(404, 'Not Found').end('no such file');
    await expect(resolveModelFile({ dataDir, modelUrl: `${base}/missing.pth` })).rejects.toThrow(
      /failed: HTTP 404 Not Found/,
    );
    expect(modelFiles()).toEqual([]);
  });

  it('fails clearly when the server is unreachable', async () => {
    await expect(resolveModelFile({ dataDir, modelUrl: 'http://127.0.0.1:1/model.pth' })).rejects.toThrow(
      /model download from .* failed/,
    );
  });

  it('refuses a downloaded file that is not a model, keeping nothing', async () => {
    handler = (_req, res) => sendFile(res, readFileSync(join(FIXTURES, 'forbidden-global.pth')));
    await expect(resolveModelFile({ dataDir, modelUrl: `${base}/evil.pth` })).rejects.toThrow(
      /not a usable EmotiMesh model.*posix\.system/,
    );
    expect(modelFiles()).toEqual([]);
    const damaged = Buffer.from(MODEL);
    const zip = new ZipArchive(bufferSource(damaged));
    damaged[zip.locate('v2-c2-k5-p0-h2-l1/data/7').offset + 17] ^= 0xff;
    handler = (_req, res) => sendFile(res, damaged);
    await expect(resolveModelFile({ dataDir, modelUrl: `${base}/damaged.pth` })).rejects.toThrow(
      /not a usable EmotiMesh model.*CRC/,
    );
    expect(modelFiles()).toEqual([]);
    handler = (_req, res) => sendFile(res, Buffer.from('<!DOCTYPE html><html>Sign in</html>'));
    await expect(resolveModelFile({ dataDir, modelUrl: `${base}/page` })).rejects.toThrow(
      /HTML page instead of a model/,
    );
    expect(modelFiles()).toEqual([]);
  });

  it('never leaves a half-written file when the connection drops mid-download', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': MODEL.length });
      res.write(MODEL.subarray(0, MODEL.length >> 1), () => setTimeout(() => res.destroy(), 20));
    };
    await expect(resolveModelFile({ dataDir, modelUrl: `${base}/model.pth` })).rejects.toThrow();
    expect(modelFiles()).toEqual([]);
    // A later start with a working server succeeds.
    handler = (_req, res) => sendFile(res, MODEL);
    const path = await resolveModelFile({ dataDir, modelUrl: `${base}/model.pth` });
    expect(readFileSync(path!).equals(MODEL)).toBe(true);
    expect(modelFiles()).toHaveLength(1);
  });

  it('does not trust a stray temp file from an interrupted run', async () => {
    handler = (_req, res) => sendFile(res, MODEL);
    const first = await resolveModelFile({ dataDir, modelUrl: `${base}/m.pth` });
    rmSync(first!);
    writeFileSync(join(dataDir, 'models', '.m-partial.123.abcd.part'), 'half');
    const path = await resolveModelFile({ dataDir, modelUrl: `${base}/m.pth` });
    expect(readFileSync(path!).equals(MODEL)).toBe(true);
  });

  it('rejects malformed configuration values', async () => {
    await expect(resolveModelFile({ dataDir, modelUrl: 'not a url' })).rejects.toThrow(
      /MODEL_URL "not a url" is not a valid URL/,
    );
    await expect(resolveModelFile({ dataDir, modelUrl: 'file:///etc/passwd' })).rejects.toThrow(
      /must be http/,
    );
    await expect(resolveModelFile({ dataDir, modelDownloadId: '../../etc' })).rejects.toThrow(
      /does not look like a Google Drive file id/,
    );
  });
});

describe('driveConfirmUrl', () => {
  it('reads a confirm token from the page text when there is no form or link', () => {
    const url = driveConfirmUrl(
      '<script>var u="/uc?export=download&confirm=Tk3n&id=x"</script>',
      'https://drive.google.com/uc?export=download&id=ID',
      'ID',
      '',
    );
    expect(url).toBe('https://drive.google.com/uc?export=download&id=ID&confirm=Tk3n');
  });
  it('returns undefined when the page offers no download', () => {
    expect(
      driveConfirmUrl('<html>nothing</html>', 'https://drive.google.com/uc?id=ID', 'ID', ''),
    ).toBeUndefined();
  });
});
