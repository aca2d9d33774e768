import type { FastifyInstance } from 'fastify';

/**
 * A one-page demo for trying the API from a browser: the page itself needs no key;
 * the requests it makes send the key typed into it (and `x-date`, since browsers
 * cannot set `Date`).
 */
const DEMO_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Emotion thumbnails demo</title>
<style>
body{font:16px/1.4 system-ui,sans-serif;max-width:760px;margin:2rem auto;padding:0 1rem;color:#222}
label{display:block;margin:.6rem 0 .2rem}input,select,button{font:inherit;padding:.3rem}
pre{background:#f4f4f4;padding:.8rem;overflow:auto;max-height:24rem}#out video,#out img{max-width:100%;margin-top:1rem}
</style></head><body>
<h1>Emotion-aware thumbnails</h1>
<p>Pick a short selfie clip; the API says which emotion it shows and makes a looping cover.</p>
<form id="f">
<label for="key">API key</label><input id="key" type="password" size="50" autocomplete="off" required>
<label for="video">Video</label><input id="video" type="file" accept="video/*" required>
<label for="ep">Endpoint</label>
<select id="ep"><option value="/analyze">/analyze (emotion + thumbnail)</option><option value="/predict">/predict</option><option value="/thumbnail">/thumbnail</option></select>
<label for="fmt">Thumbnail format</label><select id="fmt"><option>mp4</option><option>webp</option><option>gif</option></select>
<p><button id="go">Send</button> <span id="status"></span></p>
</form>
<div id="out"></div><pre id="json" hidden></pre>
<script>
const $ = (id) => document.getElementById(id);
$('f').addEventListener('submit', async (e) => {
  e.preventDefault();
  const file = $('video').files[0];
  if (!file) return;
  $('status').textContent = 'working…'; $('go').disabled = true; $('out').textContent = '';
  try {
    const res = await fetch($('ep').value + '?output_format=' + $('fmt').value, {
      method: 'POST',
      headers: { 'x-api-key': $('key').value, 'x-date': new Date().toISOString(), 'content-type': file.type || 'application/octet-stream' },
      body: file,
    });
    const body = await res.json();
    $('status').textContent = res.status + (body.emotion ? ' — ' + body.emotion + ' (' + Math.round(body.confidence * 100) + '%)' : '');
    const thumb = body.thumbnail && typeof body.thumbnail === 'object' ? body.thumbnail : body;
    if (typeof thumb.thumbnail === 'string') {
      const src = 'data:' + thumb.mime_type + ';base64,' + thumb.thumbnail;
      const el = document.createElement(thumb.format === 'mp4' ? 'video' : 'img');
      el.src = src; if (el.tagName === 'VIDEO') { el.autoplay = el.loop = el.muted = true; el.playsInline = true; }
      $('out').appendChild(el);
      thumb.thumbnail = '(' + thumb.thumbnail.length + ' base64 characters)';
    }
    $('json').hidden = false; $('json').textContent = JSON.stringify(body, null, 2);
  } catch (err) { $('status').textContent = String(err); }
  finally { $('go').disabled = false; }
});
</script></body></html>`;

export async function demoRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/demo',
    { config: { public: true }, schema: { summary: 'Browser demo page', hide: true } },
    async (_request, reply) =>
      reply
        .type('text/html; charset=utf-8')
        // The page's own inline script and data: thumbnails; nothing from elsewhere.
        .header(
          'content-security-policy',
          "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; media-src data:",
        )
        .send(DEMO_PAGE),
  );
}
