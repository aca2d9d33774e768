import { EMOTIONS5 } from '../../vision/emotions.js';
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
:root{--fg:#1d2330;--muted:#5b6475;--line:#d8dce4;--accent:#3355dd}
body{font:16px/1.45 system-ui,sans-serif;max-width:900px;margin:2rem auto;padding:0 1rem;color:var(--fg)}
h1{font-size:1.6rem;margin:.2rem 0 .4rem}p.lead{color:var(--muted);margin-top:0}
form{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,15rem),1fr));gap:.6rem 1rem;align-items:end}
label{display:block;font-size:.9rem;color:var(--muted);margin-bottom:.15rem}
input,select,button{font:inherit;padding:.35rem .5rem;width:100%;box-sizing:border-box}
#drop{grid-column:1/-1;border:2px dashed var(--line);border-radius:10px;padding:1.2rem;text-align:center;color:var(--muted)}
#drop input{max-width:100%}#drop.over{border-color:var(--accent);color:var(--accent)}
#send{background:var(--accent);color:#fff;border:0;border-radius:6px;cursor:pointer}#send:disabled{opacity:.5}
#status{grid-column:1/-1;min-height:1.4em}#status.error{color:#b42318}
#result{display:grid;grid-template-columns:1fr 1fr;gap:1rem;margin-top:1rem}
@media (max-width:600px){body{margin:1rem auto}#result{grid-template-columns:1fr}}
#result[hidden]{display:none}#label{font-size:1.4rem;font-weight:600;grid-column:1/-1}
figure{margin:0}figcaption{font-size:.85rem;color:var(--muted)}
#thumb video,#thumb img,#still canvas{max-width:100%;border-radius:8px;display:block}
#chart{grid-column:1/-1}svg{display:block}svg text{font-size:12px;fill:var(--muted)}
.legend span{display:inline-block;margin-right:.8rem;font-size:.85rem}.legend i{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:-1px;border-radius:2px}
pre{background:#f4f5f8;padding:.8rem;overflow:auto;max-height:20rem;font-size:.8rem}
</style></head><body>
<h1>Emotion-aware thumbnails</h1>
<p class="lead">Drop a short selfie clip: the API says which emotion it shows, draws the emotion over time and makes a looping cover.</p>
<form id="f">
<div id="drop">Drop a video or a photo here, or choose one: <label for="video" style="display:inline">Video</label> <input id="video" type="file" accept="video/*,image/*" style="width:auto"></div>
<div><label for="key">API key</label><input id="key" type="password" autocomplete="off" required></div>
<div><label for="ep">Endpoint</label><select id="ep"><option value="/analyze">/analyze: emotion + cover</option><option value="/predict">/predict: emotion</option><option value="/thumbnail">/thumbnail: cover</option></select></div>
<div><label for="fmt">Cover format</label><select id="fmt"><option>mp4</option><option>webp</option><option>gif</option></select></div>
<div><label for="duration">Cover duration (s)</label><input id="duration" type="number" min="0.1" max="10" step="0.1" value="3"></div>
<div><label for="crop">Crop</label><select id="crop"><option value="">default</option><option>none</option><option>square</option><option>face</option></select></div>
<div><label for="anchor">Anchor</label><select id="anchor"><option value="">default</option><option>whole</option><option>peak</option></select></div>
<div><button id="send" type="submit">Send</button></div>
<div id="status" role="status" aria-live="polite"></div>
</form>
<section id="result" hidden>
<div id="label"></div>
<figure id="thumb"><figcaption>Cover</figcaption></figure>
<figure id="still"><figcaption>Most expressive moment, face box</figcaption><canvas></canvas></figure>
<figure id="chart"><figcaption>Emotion over the clip (probability per analysed frame; the dashed line is the peak)</figcaption><div class="legend" id="legend"></div><div id="svg"></div></figure>
<details><summary>JSON</summary><pre id="json"></pre></details>
</section>
<script>
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var EMOTIONS = ${JSON.stringify(EMOTIONS5)};
  // one colour per class, in the order of EMOTIONS
  var PALETTE = ['#d64545', '#e0a100', '#7a4bd1', '#7a8596', '#2f7fd6'];
  var COLORS = {};
  EMOTIONS.forEach(function (e, i) { COLORS[e] = PALETTE[i]; });
  var file = null;
  var drop = $('drop');
  ['dragenter', 'dragover'].forEach(function (t) { drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.add('over'); }); });
  ['dragleave', 'drop'].forEach(function (t) { drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.remove('over'); }); });
  drop.addEventListener('drop', function (e) { if (e.dataTransfer.files[0]) { file = e.dataTransfer.files[0]; drop.firstChild.textContent = 'Video: ' + file.name + ' — '; } });
  $('video').addEventListener('change', function () { file = $('video').files[0] || null; });
  function status(text, isError) { $('status').textContent = text; $('status').className = isError ? 'error' : ''; }
  function svgEl(name, attrs) { var el = document.createElementNS('http://www.w3.org/2000/svg', name); for (var k in attrs) el.setAttribute(k, attrs[k]); return el; }
  function chart(body) {
    var points = body.timeline || [];
    // Drawn at the width it is shown at, so that its text keeps its size on a phone.
    var W = Math.max(280, Math.round($('svg').clientWidth || 640)), H = 200, L = 36, B = 22, T = 8, R = 12;
    var tMax = Math.max(0.001, points.length ? points[points.length - 1].t : 1);
    var x = function (t) { return L + (W - L - R) * (t / tMax); };
    var y = function (p) { return T + (H - T - B) * (1 - p); };
    var best = points.filter(function (p) { return p.probabilities; }).map(function (p) { return body.emotion + ' ' + Math.round(p.probabilities[body.emotion] * 100) + '%'; });
    var svg = svgEl('svg', { viewBox: '0 0 ' + W + ' ' + H, width: '100%', role: 'img',
      'aria-label': 'Emotion timeline: ' + points.length + ' frames over ' + tMax.toFixed(1) + ' s; ' + body.emotion + ' peaks at ' + (body.peak_t || 0).toFixed(2) + ' s' + (best.length ? ' (' + best.join(', ') + ')' : '') });
    svg.appendChild(svgEl('line', { x1: L, y1: y(0), x2: W - R, y2: y(0), stroke: '#d8dce4' }));
    [0, 0.5, 1].forEach(function (p) { var t = svgEl('text', { x: 2, y: y(p) + 4 }); t.textContent = Math.round(p * 100) + '%'; svg.appendChild(t); });
    // Time ticks at a step that leaves about 60 px between labels.
    var steps = [0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60];
    var step = steps.filter(function (s) { return (W - L - R) * s / tMax >= 60; })[0] || 60;
    for (var tick = 0; tick <= tMax + 1e-9; tick += step) {
      svg.appendChild(svgEl('line', { x1: x(tick), y1: y(0), x2: x(tick), y2: y(0) + 4, stroke: '#5b6475' }));
      var tt = svgEl('text', { x: x(tick), y: H - 4, 'text-anchor': tick === 0 ? 'start' : 'middle', 'data-tick': tick.toFixed(2) });
      tt.textContent = (Math.round(tick * 100) / 100) + ' s'; svg.appendChild(tt);
    }
    EMOTIONS.forEach(function (e) {
      var pts = points.filter(function (p) { return p.probabilities; }).map(function (p) { return x(p.t).toFixed(1) + ',' + y(p.probabilities[e]).toFixed(1); });
      svg.appendChild(svgEl('polyline', { points: pts.join(' '), fill: 'none', stroke: COLORS[e], 'stroke-width': e === body.emotion ? 3 : 1.5, 'data-emotion': e, 'data-points': String(pts.length) }));
    });
    if (body.peak_t !== undefined) svg.appendChild(svgEl('line', { x1: x(body.peak_t), y1: T, x2: x(body.peak_t), y2: y(0), stroke: '#1d2330', 'stroke-dasharray': '4 3', 'data-peak': String(body.peak_t) }));
    $('svg').textContent = ''; $('svg').appendChild(svg);
    $('legend').textContent = '';
    EMOTIONS.forEach(function (e) { var s = document.createElement('span'); var i = document.createElement('i'); i.style.background = COLORS[e]; s.appendChild(i); s.appendChild(document.createTextNode(e)); $('legend').appendChild(s); });
  }
  function still(body) {
    var canvas = $('still').querySelector('canvas');
    if (!file || !body.face) { $('still').hidden = true; return; }
    $('still').hidden = false;
    var url = URL.createObjectURL(file);
    function draw(source, w, h) {
      canvas.width = w; canvas.height = h;
      var g = canvas.getContext('2d'); g.drawImage(source, 0, 0);
      var f = body.face; g.strokeStyle = '#33dd77'; g.lineWidth = Math.max(2, canvas.width / 160);
      g.strokeRect(f.x * canvas.width, f.y * canvas.height, f.width * canvas.width, f.height * canvas.height);
      canvas.setAttribute('data-face', 'drawn'); URL.revokeObjectURL(url);
    }
    if (file.type.indexOf('image/') === 0) {
      // A photo: the browser applies its EXIF orientation, as the service does.
      var img = new Image();
      img.addEventListener('load', function () { draw(img, img.naturalWidth, img.naturalHeight); }, { once: true });
      img.src = url;
      return;
    }
    var v = document.createElement('video'); v.muted = true; v.preload = 'auto';
    v.src = url;
    v.addEventListener('loadeddata', function () { v.currentTime = Math.min(body.peak_t || 0, Math.max(0, v.duration - 0.05)); });
    v.addEventListener('seeked', function () { draw(v, v.videoWidth, v.videoHeight); }, { once: true });
  }
  function cover(thumb) {
    var fig = $('thumb'); var old = fig.querySelector('video,img'); if (old) old.remove();
    if (!thumb || typeof thumb.thumbnail !== 'string') { fig.hidden = true; return; }
    fig.hidden = false;
    var el = document.createElement(thumb.format === 'mp4' ? 'video' : 'img');
    el.src = 'data:' + thumb.mime_type + ';base64,' + thumb.thumbnail;
    if (el.tagName === 'VIDEO') { el.autoplay = el.loop = el.muted = true; el.playsInline = true; } else { el.alt = 'Cover (' + thumb.format + ')'; }
    fig.insertBefore(el, fig.firstChild);
  }
  // A new request starts from a clean page: an error must never sit above an older answer.
  function clearResult() {
    $('result').hidden = true; $('label').textContent = ''; $('json').textContent = '';
    var old = $('thumb').querySelector('video,img'); if (old) old.remove();
    $('svg').textContent = ''; $('legend').textContent = '';
    var c = $('still').querySelector('canvas'); c.removeAttribute('data-face'); c.width = 0; c.height = 0;
  }
  $('f').addEventListener('submit', function (e) {
    e.preventDefault();
    if (!file) { status('Choose or drop a video first.', true); return; }
    var ep = $('ep').value; var q = new URLSearchParams();
    if (ep !== '/predict') {
      q.set('output_format', $('fmt').value); q.set('duration', $('duration').value);
      if ($('crop').value) q.set('crop', $('crop').value); if ($('anchor').value) q.set('anchor', $('anchor').value);
    }
    status('Working…'); $('send').disabled = true;
    clearResult();
    fetch(ep + (q.toString() ? '?' + q : ''), { method: 'POST', body: file,
      headers: { 'x-api-key': $('key').value, 'x-date': new Date().toISOString(), 'content-type': file.type || 'application/octet-stream' } })
      .then(function (res) { return res.json().then(function (body) { return { res: res, body: body }; }); })
      .then(function (r) {
        var body = r.body;
        if (!r.res.ok) { status('Error ' + r.res.status + ': ' + body.error + ' (' + body.code + ')', true); return; }
        status('Done in ' + body.latency_ms + ' ms.');
        $('result').hidden = false;
        $('label').textContent = body.emotion ? body.emotion + ' — ' + Math.round(body.confidence * 100) + '% confident' + (body.uncertain ? ' (uncertain: mixed feelings?)' : '') : 'Cover ready';
        cover(body.thumbnail && typeof body.thumbnail === 'object' ? body.thumbnail : body);
        if (body.timeline) { $('chart').hidden = false; chart(body); still(body); } else { $('chart').hidden = true; $('still').hidden = true; }
        var shown = JSON.parse(JSON.stringify(body));
        if (typeof shown.thumbnail === 'string') shown.thumbnail = '(' + shown.thumbnail.length + ' base64 characters)';
        if (shown.thumbnail && typeof shown.thumbnail.thumbnail === 'string') shown.thumbnail.thumbnail = '(' + shown.thumbnail.thumbnail.length + ' base64 characters)';
        $('json').textContent = JSON.stringify(shown, null, 2);
      })
      .catch(function (err) { status(String(err), true); })
      .then(function () { $('send').disabled = false; });
  });
})();
</script></body></html>`;

export async function demoRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/demo',
    { config: { public: true }, schema: { summary: 'Browser demo page', hide: true } },
    async (_request, reply) =>
      reply
        .type('text/html; charset=utf-8')
        // The page's own inline script, data: covers and a blob: of the chosen file (for the still);
        // nothing from elsewhere.
        .header(
          'content-security-policy',
          "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; media-src data: blob:",
        )
        .send(DEMO_PAGE),
  );
}
