#!/bin/bash
# More clips to fit and check the clip layer on (src/vision/README.md, issue 18 part 4): every
# labelled clip of a labels file re-encoded the way phones and browsers upload it, cropped, sped
# up and slowed down, with frames dropped (VFR), and cut into 3.5 s windows (every 2 s) when it is
# 6 s or longer; each with a sound track. Every copy keeps its original's subject_id, so the
# folds stay by person, and its source gets an `_aug` suffix, so it is reported apart.
#
#   scripts/clip-variants.sh <labels.csv with absolute paths> <out dir under /tmp>
# writes <out dir>/*.{mp4,mov,webm,3gp} and <out dir>/labels.csv. Never write it into the repository.
set -u
LABELS=$1
OUT=$2
mkdir -p "$OUT"
CSV=$OUT/labels.csv
echo "path,source,original_label,class5,kind,subject_id" > "$CSV"
grep ',video,' "$LABELS" | while IFS=, read -r path source orig class5 kind subj; do
  [ -z "$class5" ] && continue
  b=$(basename "$path" | sed 's/\.[^.]*$//')
  dur=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$path")
  run() { # <name> <input options> <output options>: one copy, with a noise sound track
    local name=$1
    if [ ! -s "$OUT/$name" ]; then
      # shellcheck disable=SC2086 # the option strings are meant to split
      ffmpeg -nostdin -hide_banner -loglevel error -y $2 -i "$path" \
        -f lavfi -i anoisesrc=a=0.05:d=30 -map 0:v -map 1:a -shortest $3 "$OUT/$name" \
        || { echo "FAIL $name" >&2; rm -f "$OUT/$name"; return; }
    fi
    echo "$OUT/$name,${source}_aug,$orig,$class5,video,$subj" >> "$CSV"
  }
  x264='-c:v libx264 -preset veryfast -pix_fmt yuv420p -c:a aac'
  {
    run "${b}__h264_1080.mp4" "" "-vf scale=-2:1080 -c:v libx264 -preset veryfast -profile:v high -b:v 8M -pix_fmt yuv420p -c:a aac -b:a 128k"
    run "${b}__hevc_720.mov" "" "-vf scale=-2:720 -c:v libx265 -preset ultrafast -tag:v hvc1 -x265-params log-level=error -c:a aac"
    run "${b}__vp9_480.webm" "" "-vf scale=-2:480 -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -b:v 1M -c:a libopus"
    run "${b}__vp8_360.webm" "" "-vf scale=-2:360 -c:v libvpx -deadline realtime -cpu-used 8 -b:v 600k -c:a libopus"
    run "${b}__3gp.3gp" "" "-vf scale=176:144:force_original_aspect_ratio=decrease,pad=176:144:(ow-iw)/2:(oh-ih)/2 -c:v h263 -b:v 256k -r 15 -c:a aac -ar 16000 -ac 1 -b:a 24k"
    run "${b}__crop80.mp4" "" "-vf crop=iw*0.8:ih*0.8:iw*0.05:ih*0.15,scale=-2:720 $x264"
    run "${b}__slow.mp4" "" "-vf setpts=1.25*PTS,scale=-2:540 $x264"
    run "${b}__fast.mp4" "" "-vf setpts=0.8*PTS,scale=-2:540 $x264"
    run "${b}__vfr.mp4" "" "-vf select='not(eq(mod(n\,3)\,1))+lt(n\,2)',scale=-2:480 -fps_mode vfr $x264"
    if awk "BEGIN{exit !($dur >= 6)}"; then
      s=0
      while awk "BEGIN{exit !($s + 3.5 <= $dur + 0.01)}"; do
        run "${b}__win${s}.mp4" "-ss $s -t 3.5" "-vf scale=-2:720 $x264"
        s=$((s + 2))
      done
    fi
  }
done
